import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { callRest, tokenFor } from './support/clients.js';
import { callsToStripe, startGateway } from './support/gateway.js';
import { exitOf, runTs } from './support/process.js';

const KEY_A = 'sk_test_importstorea0000000000000';
const PLATFORM_KEY = 'sk_test_importplatform00000000000';
const CONNECTED = 'acct_1ImportMarket';

describe('import-customers with several stores (--store)', () => {
  let emulator: StripeEmulator;
  let dir: string;
  let env: Record<string, string>;
  const sdk = (key: string) => new Stripe(key, { host: '127.0.0.1', port: emulator.port, protocol: 'http', telemetry: false });

  beforeAll(async () => {
    emulator = await startStripeEmulator({
      accounts: [
        { id: 'acct_import_a', secretKeys: [KEY_A] },
        { id: 'acct_import_platform', secretKeys: [PLATFORM_KEY], connectedAccounts: [CONNECTED] },
      ],
    });
    dir = mkdtempSync(join(tmpdir(), 'stores-import-'));
    const file = join(dir, 'stores.json');
    writeFileSync(
      file,
      JSON.stringify({
        stores: [
          { id: 'a', hosts: ['a.shop.test'], stripe: { secretKey: 'env:KEY_A' } },
          { id: 'a-outlet', hosts: ['outlet.shop.test'], stripe: { secretKey: 'env:KEY_A' } },
          { id: 'market', hosts: ['market.test'], stripe: { secretKey: 'env:PLATFORM_KEY', account: CONNECTED } },
        ],
      }),
    );
    env = { KEY_A, PLATFORM_KEY, STORES_FILE: file, STRIPE_API_BASE: emulator.url, DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}` };
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (args: string[]) => exitOf(runTs('src/import-customers.ts', args, env));
  const csv = (name: string, rows: Array<[string, string]>) => {
    const path = join(dir, name);
    writeFileSync(path, ['user_id,customer_id', ...rows.map((row) => row.join(','))].join('\n') + '\n');
    return path;
  };

  it('refuses to guess the store, and names an unknown one', async () => {
    const file = csv('any.csv', [['u', 'cus_x']]);
    const unnamed = await run([file]);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain('STORES_FILE names 3 stores: say whose customers these are with --store ID (one of a, a-outlet, market)');
    const unknown = await run([file, '--store', 'eu']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--store: no store "eu" (the stores are a, a-outlet, market)');
  });

  it('imports into the named store only: its users get the customer there, the same users elsewhere do not', async () => {
    const [first, second] = [await sdk(KEY_A).customers.create(), await sdk(KEY_A).customers.create()];
    const imported = await run([csv('a.csv', [['spree_1', first.id], ['spree_2', second.id]]), '--store', 'a', '--verify']);
    expect(imported.stdout.trim()).toBe('imported 2, unchanged 0, conflicts 0, missing 0, invalid 0');
    expect(imported.code).toBe(0);

    const gateway = await startGateway(emulator, env.DATABASE_URL!, env);
    try {
      const token = await tokenFor({ sub: 'spree_1' });
      expect((await callRest(gateway.url, { token, headers: { 'x-store-id': 'a' } })).body.customer_id).toBe(first.id);
      // The outlet shares the account, not the customers.
      const outlet = await callRest(gateway.url, { token, headers: { 'x-store-id': 'a-outlet' } });
      expect(outlet.status).toBe(200);
      expect(outlet.body.customer_id).not.toBe(first.id);
    } finally {
      await gateway.close();
    }
  });

  it('a Connect store: customers are verified in its connected account, and used there', async () => {
    const connected = await sdk(PLATFORM_KEY).customers.create({}, { stripeAccount: CONNECTED });
    const platformOwn = await sdk(PLATFORM_KEY).customers.create();
    const file = csv('market.csv', [['m_1', connected.id], ['m_2', platformOwn.id]]);
    const result = await run([file, '--store', 'market', '--verify']);
    // The platform's own customer is not the connected account's: missing there.
    expect(result.stdout.trim()).toBe('imported 1, unchanged 0, conflicts 0, missing 1, invalid 0');
    emulator.resetRequests();
    const gateway = await startGateway(emulator, env.DATABASE_URL!, env);
    try {
      const answer = await callRest(gateway.url, { token: await tokenFor({ sub: 'm_1' }), headers: { 'x-store-id': 'market' } });
      expect(answer.body.customer_id).toBe(connected.id);
      // Every call's request (the other stores' key checks aside) acted for the connected account.
      expect(callsToStripe(emulator).map((request) => request.stripeAccount)).toEqual(callsToStripe(emulator).map(() => CONNECTED));
    } finally {
      await gateway.close();
    }
  });
});
