import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { DEFAULT_EMULATOR_SECRET_KEY, startStripeEmulator } from '../src/emulator/index.js';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION, tokenFor, type HttpAnswer } from './support/clients.js';
import { startGateway, startWorld, type TestGateway, type World } from './support/gateway.js';
import { BACKENDS } from './support/databases.js';
import { TEST_REDIS_URL } from './support/redis.js';
import { startSpreeStandIn, type SpreeStandIn } from './support/spree-stand-in.js';

/**
 * Refused bearer tokens spend AUTH_FAILURE_RATE_LIMIT_PER_MINUTE of the client address (contract
 * 6.15); past it the answer is 429 and no identity provider is asked.
 */
const junk = () => randomBytes(24).toString('base64url');
const shopper = (id: number) => ({ id, email: `shopper${id}@spree.example` });

/** Runs `count` calls, `concurrency` at a time, and returns every answer. */
async function flood(count: number, concurrency: number, call: (i: number) => Promise<HttpAnswer>): Promise<HttpAnswer[]> {
  const answers: HttpAnswer[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) answers.push(await call(next++));
    }),
  );
  return answers;
}

function count(answers: HttpAnswer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

describe('the refused-token budget of a client address', () => {
  const running: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const thing of running.splice(0).reverse()) await thing.close();
  });
  async function spreeWorld(env: Record<string, string> = {}): Promise<{ spree: SpreeStandIn; world: World }> {
    const spree = await startSpreeStandIn();
    running.push(spree);
    const world = await startWorld({ AUTH_SPREE_URL: spree.url, TRUST_PROXY: 'true', ...env });
    running.push(world);
    return { spree, world };
  }

  it('4,000 junk tokens from one address ask Spree at most 30 times (the default budget); the rest are 429 with Retry-After', async () => {
    const { spree, world } = await spreeWorld();
    const answers = await flood(4000, 16, (i) =>
      i % 2 === 0 ? callRest(world.gateway.url, { token: junk() }) : callGraphQL(world.gateway.url, SETUP_INTENT_MUTATION, { token: junk() }),
    );
    expect(spree.authorizations.length).toBeLessThanOrEqual(30);
    expect(count(answers)).toEqual({ 401: spree.authorizations.length, 429: 4000 - spree.authorizations.length });

    const rest = await callRest(world.gateway.url, { token: junk() });
    expect(rest.status).toBe(429);
    expect(rest.body).toEqual({ error: expect.stringMatching(/refused bearer tokens/) });
    expect(Number(rest.headers.get('retry-after'))).toBeGreaterThan(0);
    const graphql = await callGraphQL(world.gateway.url, SETUP_INTENT_MUTATION, { token: junk() });
    expect(graphql.status).toBe(429);
    expect(graphql.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(Number(graphql.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(spree.authorizations.length).toBeLessThanOrEqual(30);
    expect(world.emulator.customers()).toHaveLength(0);
    const metrics = await (await fetch(`${world.gateway.url}/metrics`)).text();
    expect(metrics).toContain(`gateway_auth_refusals_limited_total ${4000 - spree.authorizations.length + 2}`);
  }, 120_000);

  it('spends only the attacked address: another address, and a shopper already signed in there, keep working', async () => {
    const { spree, world } = await spreeWorld({ AUTH_FAILURE_RATE_LIMIT_PER_MINUTE: '5' });
    const attacker = { 'x-forwarded-for': '203.0.113.9' };
    const signedIn = spree.signIn(shopper(1));
    expect((await callRest(world.gateway.url, { token: signedIn, headers: attacker })).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await callRest(world.gateway.url, { token: junk(), headers: attacker })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    // A fresh token from the attacked address would need Spree: not asked.
    const fresh = spree.signIn(shopper(2));
    expect((await callRest(world.gateway.url, { token: fresh, headers: attacker })).status).toBe(429);
    // The shopper whose answer the gateway already holds is not the attacker's victim.
    expect((await callRest(world.gateway.url, { token: signedIn, headers: attacker })).status).toBe(200);
    // The same /64 is the same client; the next /64, another.
    expect((await callRest(world.gateway.url, { token: fresh, headers: { 'x-forwarded-for': '2001:db8:1:2::1' } })).status).toBe(200);
    expect(spree.calls.account).toBe(1 + 5 + 1);
  });

  it('does not turn away a burst of 60 valid shoppers signing in at once from one address', async () => {
    const { spree, world } = await spreeWorld();
    spree.setMode('slow', 100);
    const tokens = Array.from({ length: 60 }, (_, i) => spree.signIn(shopper(100 + i)));
    const answers = await Promise.all(tokens.map((token) => callRest(world.gateway.url, { token })));
    expect(count(answers)).toEqual({ 200: 60 });
  });

  it('counts refused JWTs too, and a valid JWT from another address still works', async () => {
    const { world } = await spreeWorld({ AUTH_FAILURE_RATE_LIMIT_PER_MINUTE: '3' });
    const forged = await tokenFor({ sub: 'mallory' }, 'not-the-gateway-secret-0123456789abcdef');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await callRest(world.gateway.url, { token: forged })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const valid = await tokenFor({ sub: 'alice' });
    expect((await callRest(world.gateway.url, { token: valid, headers: { 'x-forwarded-for': '198.51.100.1' } })).status).toBe(200);
  });

  it('does not spend the budget on an outage: 503s leave it whole', async () => {
    const { spree, world } = await spreeWorld({ AUTH_FAILURE_RATE_LIMIT_PER_MINUTE: '2' });
    spree.setMode('error');
    for (let i = 0; i < 5; i += 1) expect((await callRest(world.gateway.url, { token: junk() })).status).toBe(503);
    spree.setMode('ok');
    await new Promise((resolve) => setTimeout(resolve, 5200));
    expect((await callRest(world.gateway.url, { token: junk() })).status).toBe(401);
  });

  it('stops start-up on an AUTH_FAILURE_RATE_LIMIT_PER_MINUTE that is not a whole number of at least 1', () => {
    for (const value of ['0', '-1', 'lots', '2.5']) {
      expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_test_x0123456789', AUTH_FAILURE_RATE_LIMIT_PER_MINUTE: value }), value).toThrow(
        expect.objectContaining({ variable: 'AUTH_FAILURE_RATE_LIMIT_PER_MINUTE' }),
      );
    }
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_x0123456789' }).auth.failureRateLimitPerMinute).toBe(30);
  });

  it.skipIf(!TEST_REDIS_URL)('is one budget for two instances on one Redis', async () => {
    const spree = await startSpreeStandIn();
    running.push(spree);
    const emulator = await startStripeEmulator();
    running.push(emulator);
    const env = {
      STRIPE_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY,
      AUTH_SPREE_URL: spree.url,
      AUTH_FAILURE_RATE_LIMIT_PER_MINUTE: '10',
      REDIS_URL: TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}`,
    };
    const gateways: TestGateway[] = [];
    for (let i = 0; i < 2; i += 1) {
      const database = await BACKENDS[0]!.create();
      running.push({ close: () => database.drop() });
      const gateway = await startGateway(emulator, database.url, env);
      running.push(gateway);
      gateways.push(gateway);
    }
    const answers = await flood(200, 8, (i) => callRest(gateways[i % 2]!.url, { token: junk() }));
    expect(spree.authorizations.length).toBeLessThanOrEqual(10);
    expect(count(answers)).toEqual({ 401: spree.authorizations.length, 429: 200 - spree.authorizations.length });
  });
});
