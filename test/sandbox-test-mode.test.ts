import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_EMULATOR_PUBLISHABLE_KEY,
  DEFAULT_EMULATOR_SECRET_KEY,
  startStripeEmulator,
  type StripeEmulator,
} from '../src/emulator/index.js';
import { callGraphQL, callRest } from './support/clients.js';
import { exitOf, runToExit, runTs, startGatewayProcess, type RunningGateway } from './support/process.js';

/**
 * SANDBOX=true with a test key: the gateway talks to the key's own Stripe API (Stripe's test
 * mode; here the project's emulator stands in for it, reached through STRIPE_API_BASE) and keeps
 * the sandbox's conveniences. Nothing is started in its place: the port the built-in emulator
 * would take is held by another process the whole time.
 */
describe('SANDBOX=true with a sk_test_ key: Stripe’s test mode with every sandbox convenience', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-sandbox-test-mode-'));
  let stripeTestMode: StripeEmulator;
  let occupied: Server;
  let occupiedPort: number;
  let gateway: RunningGateway;
  const env = () => ({
    PORT: '0',
    HOST: '127.0.0.1',
    SANDBOX: 'true',
    STRIPE_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY,
    STRIPE_PUBLISHABLE_KEY: DEFAULT_EMULATOR_PUBLISHABLE_KEY,
    STRIPE_API_BASE: stripeTestMode.url,
    SANDBOX_EMULATOR_PORT: String(occupiedPort),
    DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`,
  });

  beforeAll(async () => {
    stripeTestMode = await startStripeEmulator();
    occupied = createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    occupiedPort = (occupied.address() as { port: number }).port;
    gateway = await startGatewayProcess(env());
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await stripeTestMode.close();
    occupied.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says so in one line: Stripe’s test mode at the key’s API, with the publishable key', () => {
    const sandboxLines = gateway.logs.filter((line) => /sandbox/i.test(String(line.msg)));
    expect(sandboxLines).toHaveLength(1);
    expect(gateway.sandboxLine).toMatchObject({ stripeApiBase: stripeTestMode.url, publishableKey: DEFAULT_EMULATOR_PUBLISHABLE_KEY });
    const message = String(gateway.sandboxLine?.msg);
    expect(message).toContain(`SANDBOX MODE: SANDBOX=true, so Stripe calls go to Stripe's test mode at ${stripeTestMode.url}`);
    expect(message).toContain('npm run token -- --sub user_1');
    expect(JSON.stringify(gateway.logs)).not.toContain(DEFAULT_EMULATOR_SECRET_KEY);
  });

  it('accepts a development token (no AUTH_JWT_SECRET), and the customer is made in the key’s Stripe account', async () => {
    const token = (await exitOf(runTs('scripts/token.ts', ['--sub', 'frontend_dev'], {}))).stdout.trim();
    const rest = await callRest(gateway.url, { token });
    expect(rest.status, JSON.stringify(rest.body)).toBe(200);
    const customer = stripeTestMode.customers().find((candidate) => candidate.id === rest.body.customer_id);
    expect(customer?.metadata).toMatchObject({ user_id: 'frontend_dev' });
    const session = await callGraphQL(
      gateway.url,
      'mutation { createStripeCustomerSession(input: { component: PAYMENT_ELEMENT }) { ... on StripeCustomerSession { customerId publishableKey } } }',
      { token },
    );
    expect(session.body.data.createStripeCustomerSession).toEqual({
      customerId: rest.body.customer_id,
      publishableKey: DEFAULT_EMULATOR_PUBLISHABLE_KEY,
    });
  });

  it('opens GraphiQL signed in as user_1', async () => {
    const page = await fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const token = /Bearer (eyJ[\w-]+\.[\w-]+\.[\w-]+)/.exec(await page.text())?.[1];
    expect(token).toBeDefined();
    const viewer = await callGraphQL(gateway.url, '{ viewer { signedIn userId } }', { token });
    expect(viewer.body.data.viewer).toEqual({ signedIn: true, userId: 'user_1' });
  });

  it('answers a localhost origin’s preflight with CORS, and no other origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${gateway.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const local = await preflight('http://localhost:5173');
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(local.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect((await preflight('https://shop.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('puts no fault injection in front of a real Stripe account', async () => {
    const injected = await fetch(`${gateway.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fault: 'card_declined' }),
    });
    expect(injected.status).toBe(404);
  });

  it('without SANDBOX=true the same key has none of it: a development token is refused, no CORS', { timeout: 60_000 }, async () => {
    const { SANDBOX: _off, ...plain } = env();
    const plainGateway = await startGatewayProcess({ ...plain, DATABASE_URL: `sqlite:${join(dir, 'plain.sqlite')}` });
    try {
      expect(plainGateway.sandboxLine).toBeUndefined();
      const token = (await exitOf(runTs('scripts/token.ts', ['--sub', 'frontend_dev'], {}))).stdout.trim();
      expect((await callRest(plainGateway.url, { token })).status).toBe(401);
      const preflight = await fetch(`${plainGateway.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await plainGateway.stop();
    }
  });
});

describe('SANDBOX=true is refused at start-up with one line', { timeout: 45_000 }, () => {
  const base = { PORT: '0', HOST: '127.0.0.1', SANDBOX_EMULATOR_PORT: '0', DATABASE_URL: 'sqlite::memory:' };
  it.each([
    ['with a live secret key', { SANDBOX: 'true', STRIPE_SECRET_KEY: 'sk_live_abc123def456', STRIPE_PUBLISHABLE_KEY: 'pk_live_abc123def456' }, 'SANDBOX', /live/],
    ['with a live restricted key', { SANDBOX: 'true', STRIPE_SECRET_KEY: 'rk_live_abc123def456' }, 'SANDBOX', /live/],
    ['in production', { SANDBOX: 'true', NODE_ENV: 'production', STRIPE_SECRET_KEY: 'sk_test_abc123def456', STRIPE_PUBLISHABLE_KEY: 'pk_test_abc123def456' }, 'SANDBOX', /production/],
    ['in Production (any case)', { SANDBOX: 'true', NODE_ENV: 'Production', STRIPE_SECRET_KEY: 'sk_test_abc123def456', STRIPE_PUBLISHABLE_KEY: 'pk_test_abc123def456' }, 'SANDBOX', /production/],
    ['without a key', { SANDBOX: 'true' }, 'SANDBOX', /sk_test_/],
    ['without a publishable key', { SANDBOX: 'true', STRIPE_SECRET_KEY: 'sk_test_abc123def456' }, 'STRIPE_PUBLISHABLE_KEY', /SANDBOX=true/],
    ['not true or false', { SANDBOX: 'yes please', STRIPE_SECRET_KEY: 'sk_test_abc123def456' }, 'SANDBOX', /true or false/],
  ])('%s', async (_case, env, variable, reason) => {
    const { code, stdout, stderr } = await runToExit('src/main.ts', [], { ...base, ...env });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`invalid configuration: ${variable}:`);
    expect(stderr).toMatch(reason);
  });
});
