import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_TOKEN_COMMAND } from '../../src/graphql/graphiql-document.js';
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
    browser = await launchChromium();
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
    // Sandbox mode: the page tells how to mint a development token, and where it goes.
    expect(await editorText(page, QUERY_EDITOR)).toContain(DEV_TOKEN_COMMAND);
    const headers = await editorText(page, HEADERS_EDITOR);
    expect(headers).toContain('// "Authorization": "Bearer <token>"');
    expect(headers).toContain('npm run token -- --sub user_1');

    await page.locator('button.graphiql-execute-button').click();
    await expect.poll(() => editorText(page, RESULT_PANEL), { timeout: 15_000 }).toContain('StripeSetupIntent');

    // The result panel shows the customer the gateway really created in the (emulated) Stripe.
    const result = await editorText(page, RESULT_PANEL);
    const customers = gateway.emulator.customers();
    expect(customers).toHaveLength(1);
    expect(customers[0]?.id).toMatch(/^cus_/);
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
  }, 60_000); // a 9 MB page to parse, next to the rest of the suite
});
