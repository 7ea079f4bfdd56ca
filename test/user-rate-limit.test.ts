import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { callGraphQL, callRest, tokenFor } from './support/clients.js';
import { startGateway, useWorld, type TestGateway } from './support/gateway.js';
import { TEST_REDIS_URL } from './support/redis.js';

const RATE_QUERY = /* GraphQL */ `
  mutation Save($input: CreateStripeSetupIntentInput) {
    createStripeSetupIntent(input: $input) {
      __typename
      ... on Error { message }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }
`;

function expectRefused(answer: Awaited<ReturnType<typeof callRest>>): void {
  expect(answer.status).toBe(429);
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(answer.body).toEqual({ error: expect.stringMatching(/^Too many calls; try again in \d+ s\.$/) });
}

describe('USER_RATE_LIMIT_PER_MINUTE', () => {
  it('defaults to 30 and refuses anything but a whole number of at least 1, naming the variable', () => {
    expect(loadConfig({}).limits.userRateLimitPerMinute).toBe(30);
    expect(loadConfig({ USER_RATE_LIMIT_PER_MINUTE: '5' }).limits.userRateLimitPerMinute).toBe(5);
    for (const value of ['0', '-1', '2.5', 'many']) {
      expect(() => loadConfig({ USER_RATE_LIMIT_PER_MINUTE: value })).toThrow(ConfigError);
      expect(() => loadConfig({ USER_RATE_LIMIT_PER_MINUTE: value })).toThrow(/^USER_RATE_LIMIT_PER_MINUTE: /);
    }
  });
});

describe('per-user rate limit, in memory', () => {
  const world = useWorld({ USER_RATE_LIMIT_PER_MINUTE: '3' });

  it('refuses the 4th call of one user within a minute on both surfaces, and nobody else', async () => {
    const url = world().gateway.url;
    const token = await tokenFor({ sub: 'card_tester' });
    expect((await callRest(url, { token })).status).toBe(200);
    expect((await callRest(url, { token })).status).toBe(200);
    const third = await callGraphQL(url, RATE_QUERY, { token });
    expect(third.body.data.createStripeSetupIntent.__typename).toBe('StripeSetupIntent');

    expectRefused(await callRest(url, { token }));
    const graphql = await callGraphQL(url, RATE_QUERY, { token });
    expect(graphql.status).toBe(200);
    expect(graphql.body.data.createStripeSetupIntent).toEqual({
      __typename: 'RateLimitedError',
      message: expect.stringMatching(/^Too many calls; try again in \d+ s\.$/),
      retryAfterSeconds: expect.any(Number),
    });
    expect(world().emulator.setupIntents()).toHaveLength(3);
    expect(world().emulator.ephemeralKeys()).toHaveLength(3);

    // Another user and a guest have budgets of their own.
    expect((await callRest(url, { token: await tokenFor({ sub: 'someone_else' }) })).status).toBe(200);
    expect((await callRest(url)).status).toBe(200);
  });

  it('counts a repeat with the same idempotency key like any call', async () => {
    const url = world().gateway.url;
    const token = await tokenFor({ sub: 'repeater' });
    const headers = { 'idempotency-key': 'order-77' };
    const answers = [];
    for (let i = 0; i < 3; i += 1) answers.push(await callRest(url, { token, headers }));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(new Set(answers.map((answer) => answer.body.setup_intent_client_secret)).size).toBe(1);
    expectRefused(await callRest(url, { token, headers }));
  });
});

describe('a refused call leaves no idempotency record', () => {
  // Memory budgets, one database: the second instance still has budget for the user.
  const world = useTwoInstances(() => ({ USER_RATE_LIMIT_PER_MINUTE: '1' }));

  it('so the key can be used for another request once budget is back', async () => {
    const token = await tokenFor({ sub: 'patient' });
    expect((await callRest(world().gateways[0]!.url, { token })).status).toBe(200);
    const refused = await callRest(world().gateways[0]!.url, {
      token,
      headers: { 'idempotency-key': 'order-1' },
      body: { stripe_version: '2024-06-20' },
    });
    expectRefused(refused);
    // Had the refused call claimed `order-1`, another stripe_version would be 422 idempotency_key.
    const later = await callRest(world().gateways[1]!.url, {
      token,
      headers: { 'idempotency-key': 'order-1' },
      body: { stripe_version: '2025-03-31.basil' },
    });
    expect(later.status).toBe(200);
  });
});

describe.skipIf(!TEST_REDIS_URL)('per-user rate limit shared through Redis by two instances', () => {
  // A prefix of its own: the shared Redis is never flushed, and runs never share a budget.
  const world = useTwoInstances(() => ({
    USER_RATE_LIMIT_PER_MINUTE: '4',
    REDIS_URL: TEST_REDIS_URL!,
    REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}`,
  }));

  it('spends one budget per user across instances', async () => {
    const token = await tokenFor({ sub: 'roaming' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await callRest(world().gateways[i % 2]!.url, { token })).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    expectRefused(await callRest(world().gateways[0]!.url, { token }));
    const graphql = await callGraphQL(world().gateways[1]!.url, RATE_QUERY, { token });
    expect(graphql.body.data.createStripeSetupIntent.__typename).toBe('RateLimitedError');
    expect(world().emulator.setupIntents()).toHaveLength(4);
    expect((await callRest(world().gateways[1]!.url, { token: await tokenFor({ sub: 'other_user' }) })).status).toBe(200);
  });
});

/** Two gateway instances on one emulator and one SQLite database, fresh for every test. */
function useTwoInstances(env: () => Record<string, string>): () => { emulator: StripeEmulator; gateways: TestGateway[] } {
  let emulator: StripeEmulator;
  let dir: string;
  let instances: TestGateway[] = [];
  beforeEach(async () => {
    emulator = await startStripeEmulator();
    dir = mkdtempSync(join(tmpdir(), 'gateway-user-limit-'));
    const database = `sqlite:${join(dir, 'gateway.sqlite')}`;
    const variables = env();
    instances = [await startGateway(emulator, database, variables), await startGateway(emulator, database, variables)];
  });
  afterEach(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => ({ emulator, gateways: instances });
}
