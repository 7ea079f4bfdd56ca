import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, SANDBOX_JWT_SECRET } from '../../src/auth/dev-token.js';
import { DEV_TOKEN_COMMAND } from '../../src/graphql/graphiql-document.js';
import { SANDBOX_USER } from '../../src/sandbox.js';
import { chromiumAvailable, launchChromium, type Browser } from './chromium.js';
import { startSandboxGateway, type SandboxGateway } from './sandbox-gateway.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const SCREENSHOT = join(ARTIFACTS, 'graphiql.png');
/** The README's copy, refreshed only when asked: UPDATE_SCREENSHOT=1 npx vitest run test/browser */
const README_SCREENSHOT = join(ROOT, 'docs/graphiql.png');

/** The text a reader sees in a Monaco editor (it draws spaces as no-break spaces). */
async function editorText(page: Page, editor: string): Promise<string> {
  const text = await page.locator(`${editor} .view-lines`).innerText();
  return text.replace(/\u00a0/g, ' ');
}

/**
 * A web app under development on another port of this machine: its page calls the gateway's REST
 * path and GraphQL with a bearer token (so the browser sends a CORS preflight) and leaves what it
 * got in `window.outcome`.
 */
async function startLocalWebApp(gatewayUrl: string) {
  const token = await mintToken(SANDBOX_USER, { secret: SANDBOX_JWT_SECRET });
  const html = `<!doctype html><meta charset="utf-8"><title>web app</title><script>
    const headers = { authorization: 'Bearer ${token}', 'content-type': 'application/json' };
    const call = (path, body) => fetch('${gatewayUrl}' + path, { method: 'POST', headers, body: JSON.stringify(body) })
      .then(async (response) => ({ status: response.status, body: await response.json() }));
    Promise.all([
      call('/api/v2/storefront/stripe/setup_intents', {}),
      call('/graphql', { query: '{ viewer { signedIn userId } }' }),
    ]).then(([rest, graphql]) => { window.outcome = { rest, graphql }; },
            (error) => { window.outcome = { rest: { status: String(error) }, graphql: { status: 0 } }; });
  </script>`;
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // the browser's keep-alive socket
    });
  return { url, origin: new URL(url).origin, close };
}

const QUERY_EDITOR = '.graphiql-query-editor';
const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';
const RESULT_PANEL = '.graphiql-response';

describe.runIf(chromiumAvailable())('GraphiQL in a real browser, offline', () => {
  let gateway: SandboxGateway;
  let browser: Browser;
  const requests: Request[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    gateway = await startSandboxGateway();
  });

  afterAll(async () => {
    // Kept for whoever reads CI's artifacts, whether the test passed or not.
    mkdirSync(ARTIFACTS, { recursive: true });
    const seen = requests.map((request) => `${request.method()} ${request.url()}`);
    writeFileSync(join(ARTIFACTS, 'graphiql-requests.json'), `${JSON.stringify(seen, null, 2)}\n`);
    await browser?.close();
    await gateway?.close();
  });

  it('runs the default mutation from /graphql and shows a StripeSetupIntent, asking no other host for anything', async () => {
    // Launched here, not in a hook: in CI a missing Chromium fails this test, it never skips it.
    browser ??= await launchChromium();
    // Everything the browser asks for, from any page or worker of the profile.
    browser.context.on('request', (request) => requests.push(request));
    browser.context.on('weberror', (error) => pageErrors.push(String(error.error())));
    const origin = new URL(gateway.url).origin;
    // data: URLs (inlined fonts and images) are not requests to anyone; blob: URLs belong to their origin.
    const fetched = () =>
      requests.map((request) => ({ method: request.method(), url: request.url() })).filter(({ url }) => !url.startsWith('data:'));
    const elsewhere = () => fetched().filter(({ url }) => new URL(url.replace(/^blob:/, '')).origin !== origin);

    const page = await browser.context.newPage();
    await page.goto(`${origin}/graphql`, { waitUntil: 'load' });
    expect(elsewhere(), 'the page loads nothing from another host').toEqual([]);

    // The first tab holds the mutation alone, so ▶ runs it without asking which operation.
    await expect.poll(() => editorText(page, QUERY_EDITOR), { timeout: 15_000 }).toContain('mutation SaveCard {');
    expect((await page.locator('.graphiql-tab').allInnerTexts()).map((tab) => tab.trim())).toEqual(['SaveCard', 'CustomerSession', 'Me', 'SavedCards']);
    // Sandbox mode: the headers already hold a development token, and the document says so.
    expect(await editorText(page, QUERY_EDITOR)).toContain(DEV_TOKEN_COMMAND);
    const headers = await editorText(page, HEADERS_EDITOR);
    expect(headers).toMatch(/^\s*"Authorization": "Bearer ey/m);

    // The first ▶ runs signed in: nothing copied, nothing typed.
    await page.locator('button.graphiql-execute-button').click();
    await expect.poll(() => editorText(page, RESULT_PANEL), { timeout: 15_000 }).toContain('StripeSetupIntent');

    // The result panel shows the customer the gateway really created in the (emulated) Stripe.
    const result = await editorText(page, RESULT_PANEL);
    const customers = gateway.emulator.customers();
    expect(customers).toHaveLength(1);
    expect(customers[0]?.id).toMatch(/^cus_/);
    expect(customers[0]?.metadata.user_id).toBe('user_1');
    // The panel wraps long values; none of them has whitespace of its own.
    const compact = result.replace(/\s+/g, '');
    expect(compact).toContain('"__typename":"StripeSetupIntent"');
    expect(compact).toContain(`"customerId":"${customers[0]?.id}"`);
    expect(compact).toContain(`"ephemeralKeySecret":"${gateway.emulator.ephemeralKeys()[0]?.secret}"`);
    expect(compact).toContain(`"setupIntentClientSecret":"${gateway.emulator.setupIntents()[0]?.client_secret}"`);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.mouse.move(1100, 800); // away from the editors, whose scrollbars show while hovered
    await page.screenshot({ path: SCREENSHOT });
    if (process.env.UPDATE_SCREENSHOT === '1') {
      mkdirSync(dirname(README_SCREENSHOT), { recursive: true });
      copyFileSync(SCREENSHOT, README_SCREENSHOT);
    }

    expect(elsewhere(), 'nothing, page or worker, asked another host for anything').toEqual([]);
    expect(fetched()).toContainEqual({ method: 'GET', url: `${origin}/graphql` });
    // Introspection for the editor, then the mutation itself.
    const posts = fetched().filter(({ method, url }) => method === 'POST' && url === `${origin}/graphql`);
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(pageErrors).toEqual([]);

    // A new tab opens signed in too, and a reload keeps every tab's headers.
    await page.locator('button.graphiql-tab-add').click();
    await expect.poll(() => page.locator('.graphiql-tab').count()).toBe(5);
    await expect.poll(() => editorText(page, HEADERS_EDITOR), { timeout: 10_000 }).toMatch(/"Authorization": "Bearer ey/);
    await page.reload({ waitUntil: 'load' });
    await expect.poll(() => page.locator('.graphiql-tab').count(), { timeout: 15_000 }).toBe(5);
    await expect.poll(() => editorText(page, HEADERS_EDITOR), { timeout: 15_000 }).toMatch(/"Authorization": "Bearer ey/);
  }, 90_000); // a 9 MB page to parse, twice, next to the rest of the suite

  it('lets a web app on another local port call both surfaces (CORS for http://127.0.0.1:* and localhost:*)', async () => {
    const app = await startLocalWebApp(gateway.url);
    browser ??= await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(app.url, { waitUntil: 'load' });
      const outcome = () => page.evaluate(() => (window as unknown as { outcome?: { rest: any; graphql: any } }).outcome);
      await expect.poll(outcome, { timeout: 15_000 }).toBeDefined();
      const { rest, graphql } = (await outcome())!;
      expect(rest.status).toBe(200);
      expect(rest.body.customer_id).toMatch(/^cus_/);
      expect(graphql.status).toBe(200);
      expect(graphql.body.data.viewer).toMatchObject({ signedIn: true, userId: 'user_1' });
      // The preflight for the Authorization header was answered for this origin.
      expect(app.origin).not.toBe(new URL(gateway.url).origin);
    } finally {
      await app.close();
    }
  }, 60_000);
});
