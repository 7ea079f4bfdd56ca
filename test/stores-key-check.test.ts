import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { callRest, tokenFor } from './support/clients.js';
import { startGateway, type TestGateway } from './support/gateway.js';
import { capturedLogger, metricValue } from './support/log-lines.js';

const GOOD_KEY = 'sk_test_keycheckgoodaccount0000000';
/** Well formed, but no account of the emulator has it: Stripe answers 401. */
const REVOKED_KEY = 'sk_test_keycheckrevokedkey00000000';

describe('one store’s refused Stripe key (6.19 per store)', () => {
  let emulator: StripeEmulator | undefined;
  let gateway: TestGateway | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await gateway?.close();
    await emulator?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function start(stores: object) {
    emulator = await startStripeEmulator({ accounts: [{ id: 'acct_keycheck', secretKeys: [GOOD_KEY] }] });
    dir = mkdtempSync(join(tmpdir(), 'stores-key-check-'));
    writeFileSync(join(dir, 'stores.json'), JSON.stringify(stores));
    const logged = capturedLogger('info');
    gateway = await startGateway(
      emulator,
      `sqlite:${join(dir, 'gateway.sqlite')}`,
      { GOOD_KEY, REVOKED_KEY, STRIPE_SECRET_KEY: GOOD_KEY, STORES_FILE: join(dir, 'stores.json') },
      logged.logger,
    );
    return { url: gateway.url, lines: logged.lines };
  }

  it('is logged and counted for that store; /ready stays 200 and the other store serves', async () => {
    const { url, lines } = await start({
      stores: [
        { id: 'good', hosts: ['good.test'], stripe: { secretKey: 'env:GOOD_KEY' } },
        { id: 'revoked', hosts: ['revoked.test'], stripe: { secretKey: 'env:REVOKED_KEY' } },
      ],
    });
    const ready = await fetch(`${url}/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    expect(await metricValue(url, 'gateway_stripe_key_refused{store="revoked"}')).toBe(1);
    expect(await metricValue(url, 'gateway_stripe_key_refused{store="good"}')).toBe(0);
    expect(await metricValue(url, 'gateway_stripe_key_checks_total{outcome="refused",store="revoked"}')).toBe(1);
    const errors = lines.filter((line) => line.level === 50);
    expect(errors.map((line) => [line.store, String(line.msg).split(' (')[0]])).toEqual([['revoked', 'Stripe refuses the Stripe key of store "revoked"']]);
    expect(JSON.stringify(lines)).not.toContain(REVOKED_KEY);

    const token = await tokenFor({ sub: 'key_check_user' });
    expect((await callRest(url, { token, headers: { 'x-store-id': 'good' } })).status).toBe(200);
    expect((await callRest(url, { token, headers: { 'x-store-id': 'revoked' } })).status).not.toBe(200);
  });

  it('/ready answers 503 once every store’s key is refused; stores sharing a key share one check', async () => {
    const { url, lines } = await start({
      stores: [
        { id: 'one', stripe: { secretKey: 'env:REVOKED_KEY' } },
        { id: 'two', stripe: { secretKey: 'env:REVOKED_KEY' } },
      ],
    });
    const ready = await fetch(`${url}/ready`);
    expect([ready.status, await ready.json()]).toEqual([503, { status: 'unavailable', error: 'Stripe refuses the Stripe key of every store.' }]);
    // One probe for the one key, one error line, counted for both stores.
    expect(emulator!.requests().filter((request) => request.path === '/v1/account')).toHaveLength(1);
    expect(lines.filter((line) => line.level === 50).map((line) => String(line.msg).split(' (')[0])).toEqual([
      'Stripe refuses the Stripe key of stores "one", "two"',
    ]);
    for (const store of ['one', 'two']) {
      expect(await metricValue(url, `gateway_stripe_key_refused{store="${store}"}`)).toBe(1);
    }
  });
});
