import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION } from './support/clients.js';
import { startGateway, startWorld, TEST_JWT_SECRET, type World } from './support/gateway.js';
import { BACKENDS } from './support/databases.js';
import type { TestDatabase } from './support/postgres.js';

const key = new TextEncoder().encode(TEST_JWT_SECRET);
const now = () => Math.floor(Date.now() / 1000);

/** An HS256 token with exactly these claims: no `exp` unless given. */
const signed = (claims: JWTPayload, secret = key) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret);

async function both(url: string, authorization: string) {
  const rest = await callRest(url, { headers: { authorization } });
  const graphql = await callGraphQL(url, SETUP_INTENT_MUTATION, { headers: { authorization } });
  return { rest, graphql };
}

describe('JWT rules (issue 9, finding 7)', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(() => world.close());

  it('refuses a token without exp, on both surfaces', async () => {
    const { rest, graphql } = await both(world.gateway.url, `Bearer ${await signed({ sub: 'forever' })}`);
    expect(rest.status).toBe(401);
    expect(rest.body.error).toMatch(/exp/);
    expect(graphql.status).toBe(401);
    expect(graphql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('tolerates 30 seconds of clock skew on exp and nbf, and no more', async () => {
    const skewed = await signed({ sub: 'skewed', exp: now() - 20, nbf: now() + 20 });
    expect((await callRest(world.gateway.url, { token: skewed })).status).toBe(200);
    const expired = await signed({ sub: 'skewed', exp: now() - 60 });
    expect((await callRest(world.gateway.url, { token: expired })).status).toBe(401);
    const early = await signed({ sub: 'skewed', exp: now() + 300, nbf: now() + 60 });
    expect((await callRest(world.gateway.url, { token: early })).status).toBe(401);
  });

  it('reads the Bearer scheme in any case', async () => {
    const token = await signed({ sub: 'casual', exp: now() + 300 });
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      const { rest, graphql } = await both(world.gateway.url, `${scheme} ${token}`);
      expect(rest.status, scheme).toBe(200);
      expect(graphql.body.data.createStripeSetupIntent.customerId).toBe(rest.body.customer_id);
    }
    expect((await callRest(world.gateway.url, { headers: { authorization: `Basic ${token}` } })).status).toBe(401);
  });
});

describe('Spree 5 Store API JWTs: AUTH_JWT_USER_CLAIM=user_id with issuer and audience (issue 10, item 2)', () => {
  let world: World;
  const spreeSecret = 'spree-5-secret-key-base-for-store-api-tokens';
  beforeAll(async () => {
    world = await startWorld({
      AUTH_JWT_SECRET: spreeSecret,
      AUTH_JWT_USER_CLAIM: 'user_id',
      AUTH_JWT_ISSUER: 'spree',
      AUTH_JWT_AUDIENCE: 'store_api',
    });
  });
  afterAll(() => world.close());

  const spreeToken = (claims: JWTPayload) =>
    signed({ iss: 'spree', aud: 'store_api', iat: now(), exp: now() + 3600, ...claims }, new TextEncoder().encode(spreeSecret));

  it('names the user by user_id (numeric as Spree signs it), on both surfaces', async () => {
    const { rest, graphql } = await both(world.gateway.url, `Bearer ${await spreeToken({ user_id: 1001 })}`);
    expect(rest.status).toBe(200);
    expect(graphql.body.data.createStripeSetupIntent.customerId).toBe(rest.body.customer_id);
    expect(world.emulator.customers().map((customer) => customer.metadata.user_id)).toEqual(['1001']);
  });

  it('refuses a token without user_id, or from another issuer or audience', async () => {
    for (const claims of [{ sub: '1001' }, { user_id: 1001, iss: 'elsewhere' }, { user_id: 1001, aud: 'admin_api' }]) {
      expect((await callRest(world.gateway.url, { token: await spreeToken(claims) })).status, JSON.stringify(claims)).toBe(401);
    }
  });
});

describe.each(BACKENDS.filter((backend) => backend.available))('odd user ids on $name (issue 9, finding 11)', (backend) => {
  let database: TestDatabase;
  let world: Awaited<ReturnType<typeof startWorld>>;
  let url: string;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    world = await startWorld();
    database = await backend.create();
    const gateway = await startGateway(world.emulator, database.url);
    url = gateway.url;
    stop = async () => {
      await gateway.close();
      await database.drop();
      await world.close();
    };
  });
  afterAll(() => stop());

  it.each([
    ['a lone surrogate', 'sur\ud800'],
    ['a NUL', 'nul\u0000l'],
    ['a control character', 'tab\tbed'],
    ['an empty string', ''],
    ['501 characters', 'x'.repeat(501)],
    ['an object', { id: 1 }],
    ['a fraction', 1.5],
    ['a boolean', true],
  ])('refuses %s as the user id with 401 on both surfaces', async (_name, sub) => {
    const { rest, graphql } = await both(url, `Bearer ${await signed({ sub: sub as string, exp: now() + 300 })}`);
    expect(rest.status).toBe(401);
    expect(graphql.status).toBe(401);
    expect(graphql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('never maps a lone surrogate onto the user with U+FFFD in its place', async () => {
    const replaced = await callRest(url, { token: await signed({ sub: 'sur\ufffd', exp: now() + 300 }) });
    expect(replaced.status).toBe(200);
    const lone = await callRest(url, { token: await signed({ sub: 'sur\ud800', exp: now() + 300 }) });
    expect(lone.status).toBe(401);
    expect(lone.body.customer_id).toBeUndefined();
  });

  it('counts a numeric user id as its decimal string: 7 and "7" are one user', async () => {
    const numeric = await callRest(url, { token: await signed({ sub: 7 as unknown as string, exp: now() + 300 }) });
    const text = await callRest(url, { token: await signed({ sub: '7', exp: now() + 300 }) });
    expect(numeric.status).toBe(200);
    expect(text.body.customer_id).toBe(numeric.body.customer_id);
  });

  it('accepts 500 characters of any script', async () => {
    const { status } = await callRest(url, { token: await signed({ sub: 'é'.repeat(250) + 'ü'.repeat(250), exp: now() + 300 }) });
    expect(status).toBe(200);
  });
});
