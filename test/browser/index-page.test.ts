import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, type Browser } from './chromium.js';
import { startSandboxGateway, type SandboxGateway } from './sandbox-gateway.js';

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');

describe.runIf(chromiumAvailable())('GET / in a real browser, sandbox mode', () => {
  let gateway: SandboxGateway;
  let browser: Browser | undefined;

  beforeAll(async () => {
    gateway = await startSandboxGateway();
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('shows the mode, the emulator, the publishable key and a token that the copy button copies, with working links', async () => {
    browser = await launchChromium();
    const origin = new URL(gateway.url).origin;
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    const errors: string[] = [];
    browser.context.on('weberror', (error) => errors.push(String(error.error())));
    const index = await (await fetch(`${origin}/`, { headers: { accept: 'application/json' } })).json();

    const page = await browser.context.newPage();
    await page.goto(`${origin}/`, { waitUntil: 'load' });
    expect(await page.title()).toBe('stripe-setup-gateway (sandbox)');
    expect(await page.locator('.mode').innerText()).toMatch(/sandbox/i);
    expect(await page.locator('#stripe-api-base').innerText()).toBe(gateway.emulator.url);
    expect(await page.locator('#publishable-key').innerText()).toBe(index.publishableKey);
    // The scripts line names this very gateway, not the default port.
    expect(await page.locator('#script-example').innerText()).toBe(`curl -s ${origin}/ -H 'accept: application/json'`);

    // Styled: the token's button is a bordered pill, not a bare default button.
    const button = page.locator('button[data-copy="token"]');
    expect(await button.evaluate((node) => getComputedStyle(node).borderTopLeftRadius)).not.toBe('0px');
    await button.click();
    await expect.poll(() => button.innerText()).toBe('Copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(index.token);

    // What was copied signs in.
    const viewer = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${copied}` },
      body: JSON.stringify({ query: '{ viewer { userId } }' }),
    });
    expect((await viewer.json()).data.viewer.userId).toBe('user_1');

    expect(await page.locator('td code', { hasText: 'POST /webhooks/stripe' }).count()).toBe(1);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'index-page.png'), fullPage: true });

    // The documentation links open the pages as text.
    await page.locator('a', { hasText: 'Frontend guide' }).click();
    await page.waitForURL(`${origin}/docs/frontend.md`);
    expect(await page.locator('body').innerText()).toMatch(/^# Frontend guide/);
    await page.goBack();
    // GraphiQL is one click away.
    await page.locator('header a[href="/graphql"]').click();
    await page.waitForURL(`${origin}/graphql`);
    expect(errors).toEqual([]);
  }, 60_000);
});
