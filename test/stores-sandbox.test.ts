import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type GatewayApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { listen } from '../src/http/listen.js';
import { enterSandboxMode, type Sandbox } from '../src/sandbox.js';
import { SANDBOX_JWT_SECRET } from '../src/auth/dev-token.js';
import { callRest, tokenFor } from './support/clients.js';
import { metricValue } from './support/log-lines.js';

const CONNECTED = 'acct_1SandboxMarket';

describe('sandbox mode with a stores file: an emulator account per store', () => {
  let dir: string;
  let sandbox: Sandbox;
  let app: GatewayApp;
  let server: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stores-sandbox-'));
    const file = join(dir, 'stores.json');
    writeFileSync(
      file,
      JSON.stringify({
        stores: [
          { id: 'eu', hosts: ['eu.shop.test'] },
          { id: 'us', hosts: ['us.shop.test'] },
          { id: 'market', hosts: ['market.test'], stripe: { account: CONNECTED } },
        ],
      }),
    );
    const logger = pino({ level: 'silent' });
    const config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`, SANDBOX_EMULATOR_PORT: '0', STORES_FILE: file });
    expect(config.sandboxStripe).toBe('emulator');
    sandbox = await enterSandboxMode(config, logger);
    app = await buildApp(sandbox.config, logger, { emulator: sandbox.emulator });
    server = await listen(app.handler, 0, '127.0.0.1');
    sandbox.listening(server.url);
  });
  afterAll(async () => {
    await server.close();
    await app.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each store’s customers live in its own emulator account; the Connect store’s in its connected account', async () => {
    const emulator = sandbox.emulator!;
    const token = await tokenFor({ sub: 'user_1' }, SANDBOX_JWT_SECRET);
    const call = (store: string) => callRest(server.url, { token, headers: { 'x-store-id': store } });
    const [eu, us, market] = [await call('eu'), await call('us'), await call('market')];
    expect([eu.status, us.status, market.status]).toEqual([200, 200, 200]);
    const accountOf = (store: string) => emulator.accountOf(sandbox.config.stores.find((s) => s.id === store)!.stripe.secretKey!)!;
    expect(new Set([accountOf('eu'), accountOf('us'), accountOf('market')]).size).toBe(3);
    expect(emulator.customers(accountOf('eu')).map((c) => c.id)).toEqual([eu.body.customer_id]);
    expect(emulator.customers(accountOf('us')).map((c) => c.id)).toEqual([us.body.customer_id]);
    expect(emulator.customers(CONNECTED).map((c) => c.id)).toEqual([market.body.customer_id]);
    expect(emulator.customers(accountOf('market'))).toEqual([]);
  });

  it('each store’s webhook events reach /webhooks/stripe/{storeId}, signed with its secret', async () => {
    const emulator = sandbox.emulator!;
    const token = await tokenFor({ sub: 'user_2' }, SANDBOX_JWT_SECRET);
    for (const store of ['us', 'market']) {
      const answer = await callRest(server.url, { token, headers: { 'x-store-id': store } });
      const settings = sandbox.config.stores.find((s) => s.id === store)!.stripe;
      const stripe = new Stripe(settings.secretKey!, { host: '127.0.0.1', port: emulator.port, protocol: 'http', telemetry: false });
      const id = (answer.body.setup_intent_client_secret as string).split('_secret_')[0]!;
      await stripe.setupIntents.confirm(id, { payment_method: 'pm_card_visa' }, settings.account ? { stripeAccount: settings.account } : {});
    }
    await emulator.webhooksIdle();
    for (const store of ['us', 'market']) {
      expect(await metricValue(server.url, `gateway_webhook_events_total{type="setup_intent.succeeded",outcome="handled",store="${store}"}`)).toBe(1);
    }
    const deliveries = emulator.webhookDeliveries();
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.every((delivery) => delivery.lastStatus === 200)).toBe(true);
    expect(new Set(deliveries.map((delivery) => new URL(delivery.url).pathname))).toEqual(
      new Set(['/webhooks/stripe/eu', '/webhooks/stripe/us', '/webhooks/stripe/market']),
    );
  });
});
