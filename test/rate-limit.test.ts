import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION, tokenFor } from './support/clients.js';
import { BACKENDS } from './support/databases.js';
import { startGateway, useWorld, type TestGateway } from './support/gateway.js';
import type { TestDatabase } from './support/postgres.js';
import { TEST_REDIS_URL } from './support/redis.js';

const RATE_QUERY = `mutation { createStripeSetupIntent { __typename ... on RateLimitedError { message retryAfterSeconds } } }`;

describe('guest rate limiting, in memory', () => {
  const world = useWorld({ GUEST_RATE_LIMIT_PER_MINUTE: '3' });

  it('refuses a guest address past its budget: REST 429 with Retry-After, GraphQL RateLimitedError', async () => {
    const url = world().gateway.url;
    for (let i = 0; i < 3; i += 1) expect((await callRest(url)).status).toBe(200);
    const refused = await callRest(url);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(refused.body).toEqual({ error: expect.stringMatching(/Too many calls/) });

    const graphql = await callGraphQL(url, RATE_QUERY);
    expect(graphql.body.data.createStripeSetupIntent).toEqual({
      __typename: 'RateLimitedError',
      message: expect.stringMatching(/Too many calls/),
      retryAfterSeconds: expect.any(Number),
    });
    expect(world().emulator.setupIntents()).toHaveLength(3);
  });

  it('does not count signed-in users', async () => {
    const url = world().gateway.url;
    const token = await tokenFor({ sub: 'regular' });
    for (let i = 0; i < 5; i += 1) expect((await callRest(url, { token })).status).toBe(200);
    expect((await callRest(url)).status).toBe(200);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY says so', async () => {
    const url = world().gateway.url;
    for (let i = 0; i < 3; i += 1) {
      expect((await callRest(url, { headers: { 'x-forwarded-for': `203.0.113.${i}` } })).status).toBe(200);
    }
    expect((await callRest(url, { headers: { 'x-forwarded-for': '203.0.113.99' } })).status).toBe(429);
  });
});

describe('guest rate limiting behind a trusted proxy', () => {
  const world = useWorld({ GUEST_RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: 'true' });

  it('budgets each forwarded client address on its own, trusting only the nearest proxy', async () => {
    const url = world().gateway.url;
    const from = (chain: string) => callRest(url, { headers: { 'x-forwarded-for': chain } });
    expect((await from('198.51.100.1')).status).toBe(200);
    expect((await from('198.51.100.1')).status).toBe(200);
    expect((await from('198.51.100.1')).status).toBe(429);
    expect((await from('198.51.100.2')).status).toBe(200);
    // A client cannot pick its own address: the proxy appends the real one last.
    expect((await from('10.9.9.9, 198.51.100.1')).status).toBe(429);
  });
});

describe.skipIf(!TEST_REDIS_URL)('guest rate limiting shared through Redis by two instances', () => {
  let emulator: StripeEmulator;
  let database: TestDatabase;
  let instances: TestGateway[];

  beforeEach(async () => {
    emulator = await startStripeEmulator();
    database = await BACKENDS[0]!.create();
    // A prefix of its own: runs and test files never share a budget.
    const env = {
      GUEST_RATE_LIMIT_PER_MINUTE: '4',
      REDIS_URL: TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}`,
    };
    instances = [await startGateway(emulator, database.url, env), await startGateway(emulator, database.url, env)];
  });
  afterEach(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await emulator.close();
    await database.drop();
  });

  it('spends one budget across instances', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await callRest(instances[i % 2]!.url)).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect((await callRest(instances[0]!.url)).status).toBe(429);
    const graphql = await callGraphQL(instances[1]!.url, RATE_QUERY);
    expect(graphql.body.data.createStripeSetupIntent.__typename).toBe('RateLimitedError');
    expect(emulator.setupIntents()).toHaveLength(4);
  });
});

describe('CORS', () => {
  describe('off by default', () => {
    const world = useWorld();
    it('sends no Access-Control-Allow-Origin to any origin', async () => {
      const answer = await callRest(world().gateway.url, { headers: { origin: 'https://shop.example.com' } });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      const graphql = await callGraphQL(world().gateway.url, '{ viewer { signedIn } }', {
        headers: { origin: 'https://shop.example.com' },
      });
      expect(graphql.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('with an allow-list', () => {
    const world = useWorld({ CORS_ORIGINS: 'https://shop.example.com' });
    it('answers the listed origin, preflight included, and no other', async () => {
      const preflight = await fetch(`${world().gateway.url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://shop.example.com',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
      const allowed = await callRest(world().gateway.url, { headers: { origin: 'https://shop.example.com' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
      const other = await callRest(world().gateway.url, { headers: { origin: 'https://evil.example.com' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});
