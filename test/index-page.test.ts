import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { startGateway, type TestGateway } from './support/gateway.js';

const LIVE_KEY = 'sk_live_emulator_0123456789abcdefABCDEF';

/** `GET /` outside sandbox mode: the key's mode, no token, and what is configured. */
describe('GET / with a Stripe key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-index-'));
  let emulator: StripeEmulator;
  let testMode: TestGateway;
  let liveMode: TestGateway;

  beforeAll(async () => {
    emulator = await startStripeEmulator({ secretKeys: [LIVE_KEY, 'sk_test_emulator_0123456789abcdefABCDEF'] });
    testMode = await startGateway(emulator, `sqlite:${join(dir, 'test.sqlite')}`);
    liveMode = await startGateway(emulator, `sqlite:${join(dir, 'live.sqlite')}`, {
      STRIPE_SECRET_KEY: LIVE_KEY,
      STRIPE_PUBLISHABLE_KEY: 'pk_live_0123456789abcdefABCDEF',
      STRIPE_WEBHOOK_SECRET: 'whsec_0123456789abcdef',
    });
  });
  afterAll(async () => {
    await testMode.close();
    await liveMode.close();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers mode test, no token, null for what is not configured', async () => {
    const answer = await fetch(`${testMode.url}/`, { headers: { accept: 'application/json' } });
    expect(answer.headers.get('cache-control')).toBeNull();
    expect(await answer.json()).toEqual({
      mode: 'test',
      stripeApiBase: emulator.url,
      publishableKey: null,
      graphql: '/graphql',
      restPath: '/api/v2/storefront/stripe/setup_intents',
      webhookPath: null,
    });
  });

  it('answers mode live with the publishable key and the webhook path when they are configured', async () => {
    // curl's default Accept (*/*) gets the JSON too: a script needs no header.
    const answer = await fetch(`${liveMode.url}/`, { headers: { accept: '*/*' } });
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await answer.json()).toEqual({
      mode: 'live',
      stripeApiBase: emulator.url,
      publishableKey: 'pk_live_0123456789abcdefABCDEF',
      graphql: '/graphql',
      restPath: '/api/v2/storefront/stripe/setup_intents',
      webhookPath: '/webhooks/stripe',
    });
    const page = await (await fetch(`${liveMode.url}/`, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('class="mode live"');
    expect(page).not.toContain('Development token');
  });

  it('serves the docs it links to, and nothing else of the disk', async () => {
    const readme = await fetch(`${testMode.url}/docs/README.md`);
    expect(readme.status).toBe(200);
    expect(await readme.text()).toMatch(/^# stripe-setup-gateway/);
    for (const path of ['/docs/package.json', '/docs/..%2Fpackage.json', '/docs/missing.md', '/docs/%2e%2e/README.md']) {
      const answer = await fetch(`${testMode.url}${path}`);
      expect(answer.status, path).toBe(404);
      expect(answer.headers.get('content-type'), path).toMatch(/json/);
    }
  });
});
