import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { DEFAULT_EMULATOR_SECRET_KEY } from '../src/emulator/index.js';
import { createLogger } from '../src/http/logger.js';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION, tokenFor, type HttpAnswer } from './support/clients.js';
import { startWorld, type World } from './support/gateway.js';
import { exitOf, runTs } from './support/process.js';
import { providerEnv, startSpreeStandIn, TOKEN_PATH, type SpreeStandIn } from './support/spree-stand-in.js';

const DEADLINE_MS = 3000;
/** Generous: the machine is shared; what matters is "not after the deadline". */
const SLACK_MS = 1500;

const ADA = { id: 1001, email: 'ada@spree.example', firstName: 'Ada', lastName: 'Lovelace' };
const GRACE = { id: 1002, email: 'grace@spree.example', firstName: 'Grace', lastName: 'Hopper' };

/** A Spree stand-in and a gateway that accepts its tokens one way or the other, with the log kept. */
function useSpreeWorld(kind: 'account' | 'introspection', env: Record<string, string> = {}) {
  const running: { spree: SpreeStandIn; world: World; log: () => string }[] = [];
  afterEach(async () => {
    for (const { spree, world } of running.splice(0)) {
      await world.close();
      await spree.close();
    }
  });
  return async (extra: Record<string, string> = {}) => {
    let log = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    const spree = await startSpreeStandIn();
    const provider = providerEnv(kind, spree);
    const world = await startWorld({ ...provider, REQUEST_DEADLINE_MS: String(DEADLINE_MS), ...env, ...extra }, createLogger('info', sink));
    const started = { spree, world, log: () => log };
    running.push(started);
    return started;
  };
}

const upstreamCalls = (spree: SpreeStandIn, kind: 'account' | 'introspection') => spree.calls[kind];

async function bothSurfaces(url: string, token: string) {
  const started = Date.now();
  const rest = await callRest(url, { token });
  const graphql = await callGraphQL(url, SETUP_INTENT_MUTATION, { token });
  return { rest, graphql, elapsedMs: Date.now() - started };
}

function customerOf(graphql: HttpAnswer): string {
  return graphql.body.data.createStripeSetupIntent.customerId;
}

describe.each(['account', 'introspection'] as const)("Spree's own tokens through %s (issue 10)", (kind) => {
  const start = useSpreeWorld(kind);

  it('gives a Spree shopper the customer already stored for that user, on both surfaces, creating none', async () => {
    const { spree, world } = await start();
    const { stripe, store, accountScope } = world.gateway.app.services;
    const existing = await stripe.customers.create({ email: ADA.email, metadata: { user_id: String(ADA.id) } });
    await store.claimCustomer(await accountScope(), String(ADA.id), existing.id);

    // Signed in exactly as a Spree storefront client does: Doorkeeper's password grant.
    spree.register(ADA, 'correct horse battery staple');
    const grant = await fetch(`${spree.url}${TOKEN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: ADA.email, password: 'correct horse battery staple' }),
    });
    const { access_token: accessToken } = (await grant.json()) as { access_token: string };

    const { rest, graphql } = await bothSurfaces(world.gateway.url, accessToken);
    expect(rest.status).toBe(200);
    expect(rest.body.customer_id).toBe(existing.id);
    expect(customerOf(graphql)).toBe(existing.id);
    expect(world.emulator.customers().map((customer) => customer.id)).toEqual([existing.id]);
  });

  it('serves a migrated shop: customers imported with npm run import-customers, shoppers signing in with Spree', async () => {
    const { spree, world } = await start();
    const { stripe } = world.gateway.app.services;
    const imported = await stripe.customers.create({ email: GRACE.email });
    const file = join(world.databasePath, '..', 'spree_gateway_customers.csv');
    writeFileSync(file, `id,user_id,payment_method_id,customer_id\n1,${GRACE.id},3,${imported.id}\n`);
    const run = await exitOf(
      runTs('src/import-customers.ts', [file], {
        STRIPE_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY,
        STRIPE_API_BASE: world.emulator.url,
        DATABASE_URL: `sqlite:${world.databasePath}`,
      }),
    );
    expect(run.stdout).toContain('imported 1, unchanged 0, conflicts 0, missing 0, invalid 0');
    expect(run.code).toBe(0);

    const { rest, graphql } = await bothSurfaces(world.gateway.url, spree.signIn(GRACE));
    expect(rest.body.customer_id).toBe(imported.id);
    expect(customerOf(graphql)).toBe(imported.id);
    expect(world.emulator.customers()).toHaveLength(1);
  });

  it('puts the email and name Spree holds on a new customer', async () => {
    const { spree, world } = await start();
    const { rest } = await bothSurfaces(world.gateway.url, spree.signIn(GRACE));
    expect(rest.status).toBe(200);
    expect(world.emulator.customers()).toEqual([
      expect.objectContaining({ id: rest.body.customer_id, email: GRACE.email, name: 'Grace Hopper', metadata: { user_id: '1002' } }),
    ]);
  });

  it('asks Spree once for N calls with one token within the cache time', async () => {
    const { spree, world } = await start();
    const token = spree.signIn(ADA);
    for (let i = 0; i < 5; i += 1) {
      const { rest, graphql } = await bothSurfaces(world.gateway.url, token);
      expect(rest.status).toBe(200);
      expect(graphql.status).toBe(200);
    }
    expect(upstreamCalls(spree, kind)).toBe(1);
  });

  it('refuses a revoked token once the cache time has passed', async () => {
    const { spree, world } = await start({ AUTH_TOKEN_CACHE_SECONDS: '1' });
    const token = spree.signIn(ADA);
    expect((await callRest(world.gateway.url, { token })).status).toBe(200);
    spree.revoke(token);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const { rest, graphql } = await bothSurfaces(world.gateway.url, token);
    expect(rest.status).toBe(401);
    expect(graphql.status).toBe(401);
    expect(graphql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(upstreamCalls(spree, kind)).toBe(2);
  });

  it("answers 401 to tokens Spree refuses (expired, revoked, unknown), and asks once per token for repeats", async () => {
    const { spree, world } = await start();
    const expired = spree.signIn(ADA);
    spree.expire(expired);
    const revoked = spree.signIn(ADA);
    spree.revoke(revoked);
    const unknown = 'n0tAT0kenSpreeEverIssued_abcdefghijklmnopqrstu';
    for (const token of [expired, revoked, unknown, unknown, unknown]) {
      const { rest, graphql } = await bothSurfaces(world.gateway.url, token);
      expect(rest.status).toBe(401);
      expect(rest.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(graphql.status).toBe(401);
      expect(graphql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    expect(upstreamCalls(spree, kind)).toBe(3);
    expect(world.emulator.customers()).toHaveLength(0);
  });

  it('makes one upstream call for 50 simultaneous first calls with one new token', async () => {
    const { spree, world } = await start();
    spree.setMode('slow', 300);
    const token = spree.signIn(ADA);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0 ? callRest(world.gateway.url, { token }) : callGraphQL(world.gateway.url, SETUP_INTENT_MUTATION, { token }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    expect(upstreamCalls(spree, kind)).toBe(1);
    expect(world.emulator.customers()).toHaveLength(1);
  });

  it.each([
    ['down', 'down', 0],
    ['answering 500', 'error', 0],
    ['slower than the deadline allows', 'slow', 60_000],
  ] as const)('answers 503 AUTH_UNAVAILABLE within the deadline while Spree is %s, never 401 or guest', async (_name, mode, delay) => {
    const { spree, world, log } = await start();
    const provider = kind === 'account' ? 'spree' : 'introspection';
    const metricsText = async () => (await fetch(`${world.gateway.url}/metrics`)).text();
    expect(await metricsText()).toContain(`gateway_identity_provider_up{provider="${provider}"} 1`);
    const token = spree.signIn(ADA);
    spree.setMode(mode, delay);
    const { rest, graphql, elapsedMs } = await bothSurfaces(world.gateway.url, token);
    expect(rest.status).toBe(503);
    expect(rest.body).toEqual({ error: expect.any(String) });
    expect(Number(rest.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(graphql.status).toBe(503);
    expect(graphql.body.errors[0].extensions.code).toBe('AUTH_UNAVAILABLE');
    expect(elapsedMs).toBeLessThan(DEADLINE_MS + SLACK_MS);
    expect(world.emulator.customers()).toHaveLength(0);
    // The outage is not a verdict, and new tokens wait out a cooldown rather than pile onto Spree.
    for (let i = 0; i < 10; i += 1) expect((await callRest(world.gateway.url, { token: spree.signIn(GRACE) })).status).toBe(503);
    expect(spree.authorizations).toHaveLength(1);

    const lines = log().split('\n').filter((line) => line.includes('identity provider'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, provider });
    const metrics = await metricsText();
    expect(metrics).toContain(`gateway_identity_provider_up{provider="${provider}"} 0`);
    expect(metrics).toContain(`gateway_auth_unavailable_total{provider="${provider}"} 12`);
  });

  it('counts the time spent asking Spree against the call’s deadline', async () => {
    const { spree, world } = await start({ REQUEST_DEADLINE_MS: '4000' });
    spree.setMode('slow', 1500);
    world.emulator.injectFault({ kind: 'hang', match: { method: 'POST' } });
    const started = Date.now();
    const rest = await callRest(world.gateway.url, { token: spree.signIn(ADA) });
    expect(rest.status).toBe(422);
    expect(rest.body.retryable).toBe(true);
    // Without it: 1.5 s for Spree, then the whole 4 s again for Stripe.
    expect(Date.now() - started).toBeLessThan(4000 + 1000);
  });

  it('serves the same token again once Spree is back and the cooldown is over, and says so in the log', async () => {
    const { spree, world, log } = await start();
    const token = spree.signIn(ADA);
    spree.setMode('error');
    expect((await callRest(world.gateway.url, { token })).status).toBe(503);
    spree.setMode('ok');
    await new Promise((resolve) => setTimeout(resolve, 5200));
    expect((await callRest(world.gateway.url, { token })).status).toBe(200);
    const lines = log().split('\n').filter((line) => line.includes('identity provider'));
    expect(lines.map((line) => JSON.parse(line).level)).toEqual([40, 30]);
  });

  it('verifies JWTs locally, never sending them to Spree, and never logs a token', async () => {
    const { spree, world, log } = await start();
    const jwt = await tokenFor({ sub: 'jwt_user' });
    const forged = await tokenFor({ sub: 'jwt_user' }, 'not-the-gateway-secret-0123456789abcdef');
    const opaque = spree.signIn(ADA);
    expect((await callRest(world.gateway.url, { token: jwt })).status).toBe(200);
    expect((await callRest(world.gateway.url, { token: forged })).status).toBe(401);
    expect(spree.authorizations.join('\n')).not.toContain(jwt.split('.')[2]);
    expect(spree.authorizations.join('\n')).not.toContain(forged.split('.')[2]);
    expect((await callRest(world.gateway.url, { token: opaque })).status).toBe(200);
    spree.setMode('down');
    expect((await callRest(world.gateway.url, { token: spree.signIn(GRACE) })).status).toBe(503);
    expect(log()).not.toContain(opaque);
    expect(log()).not.toContain(jwt.split('.')[2]);
  });

  it('never follows a redirect with a token: the elsewhere host hears nothing, the call is 503', async () => {
    const { spree, world } = await start();
    const elsewhere = await startSpreeStandIn();
    try {
      spree.redirectTo(elsewhere.url);
      const { rest, graphql } = await bothSurfaces(world.gateway.url, spree.signIn(ADA));
      expect(rest.status).toBe(503);
      expect(graphql.status).toBe(503);
      expect(elsewhere.authorizations).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });
});

describe('RFC 7662 introspection specifics', () => {
  const start = useSpreeWorld('introspection');

  it("treats the endpoint refusing the gateway's client credentials as an outage (503, logged), not a verdict", async () => {
    const { spree, world, log } = await start({ AUTH_INTROSPECTION_CLIENT_SECRET: 'a-wrong-secret' });
    const { rest, graphql } = await bothSurfaces(world.gateway.url, spree.signIn(ADA));
    expect(rest.status).toBe(503);
    expect(graphql.body.errors[0].extensions.code).toBe('AUTH_UNAVAILABLE');
    const [line] = log().split('\n').filter((entry) => entry.includes('identity provider'));
    expect(JSON.parse(line!).reason).toMatch(/client credentials/);
    expect(log()).not.toContain('a-wrong-secret');
  });

  it("never reuses an answer past the token's exp, whatever AUTH_TOKEN_CACHE_SECONDS says", async () => {
    const { spree, world } = await start();
    const token = spree.signIn(ADA, 2500);
    expect((await callRest(world.gateway.url, { token })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2600));
    const { rest, graphql } = await bothSurfaces(world.gateway.url, token);
    expect(rest.status).toBe(401);
    expect(graphql.status).toBe(401);
    expect(spree.calls.introspection).toBe(2);
  });

  it('reads the user from AUTH_JWT_USER_CLAIM, a number counting as its decimal string', async () => {
    const { spree, world } = await start({ AUTH_JWT_USER_CLAIM: 'user_id' });
    const { rest } = await bothSurfaces(world.gateway.url, spree.signIn(ADA));
    expect(rest.status).toBe(200);
    expect(world.emulator.customers()[0]?.metadata).toEqual({ user_id: '1001' });
  });
});

describe('opaque-token configuration', () => {
  const base = { STRIPE_SECRET_KEY: 'sk_test_0123456789abcdef', AUTH_JWT_SECRET: 'secret' };
  const refusal = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
    } catch (error) {
      return error instanceof ConfigError ? error.variable : error;
    }
    return undefined;
  };

  it('stops start-up on AUTH_SPREE_URL beside AUTH_INTROSPECTION_URL, or introspection without credentials', () => {
    const introspection = {
      AUTH_INTROSPECTION_URL: 'https://id.example.com/introspect',
      AUTH_INTROSPECTION_CLIENT_ID: 'id',
      AUTH_INTROSPECTION_CLIENT_SECRET: 'secret',
    };
    expect(refusal({ AUTH_SPREE_URL: 'https://shop.example.com', ...introspection })).toBe('AUTH_SPREE_URL');
    expect(refusal({ AUTH_INTROSPECTION_URL: introspection.AUTH_INTROSPECTION_URL })).toBe('AUTH_INTROSPECTION_CLIENT_ID');
    expect(refusal({ AUTH_INTROSPECTION_CLIENT_ID: 'id' })).toBe('AUTH_INTROSPECTION_URL');
    expect(refusal({ AUTH_SPREE_URL: 'shop.example.com' })).toBe('AUTH_SPREE_URL');
    expect(refusal({ AUTH_TOKEN_CACHE_SECONDS: '-1' })).toBe('AUTH_TOKEN_CACHE_SECONDS');
    expect(refusal(introspection)).toBeUndefined();
    expect(loadConfig(base).auth).toMatchObject({ userClaim: 'sub', tokenCacheSeconds: 60, spreeUrl: undefined, introspection: undefined });
  });
});
