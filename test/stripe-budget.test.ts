import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { StripeBudgetRefusal } from '../src/stripe/budgeted-http-client.js';
import { startStripeEmulator, type RecordedRequest, type StripeEmulator } from '../src/emulator/index.js';
import { callGraphQL, callRest, tokenFor, type HttpAnswer } from './support/clients.js';
import { startGateway, useWorld, type TestGateway } from './support/gateway.js';
import { metricValue } from './support/log-lines.js';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './support/postgres.js';
import { runGatewayProcess, stopChild, waitForLog } from './support/process.js';
import { freePort, startOwnRedis, type OwnRedis } from './support/redis-server.js';
import { TEST_REDIS_URL } from './support/redis.js';
import { confirmWithTestCard, eventPayload, postWebhook, signatureFor, WEBHOOK_SECRET } from './support/webhooks.js';

/** Budgets of callers far above anything a test sends: only the account's budget binds. */
const UNBOUNDED_CALLERS = { GUEST_RATE_LIMIT_PER_MINUTE: '1000000', USER_RATE_LIMIT_PER_MINUTE: '1000000' };
const LIST = /* GraphQL */ `{ viewer { paymentMethods { id } } }`;
const RATE_QUERY = /* GraphQL */ `
  mutation Save($input: CreateStripeSetupIntentInput) {
    createStripeSetupIntent(input: $input) {
      __typename
      ... on StripeSetupIntent { customerId }
      ... on RateLimitedError { message retryAfterSeconds }
      ... on StripeError { message code }
    }
  }
`;

/** The most requests Stripe saw in any one-second span, measured on their arrival. */
function busiestSecond(requests: RecordedRequest[]): number {
  const times = requests.map((request) => request.receivedAt).sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; first < times.length; first += 1) {
    while (last < times.length && times[last]! < times[first]! + 1000) last += 1;
    most = Math.max(most, last - first);
  }
  return most;
}

const listings = (emulator: StripeEmulator) => emulator.requests().filter((request) => request.path.endsWith('/payment_methods'));

/** Makes each gateway look its Stripe account up (the one request the budget does not count) before a test counts. */
async function lookUpAccount(url: string): Promise<void> {
  const answer = await callGraphQL(url, '{ viewer { stripeCustomerId } }', { token: await tokenFor({ sub: 'warm_up' }) });
  expect(answer.status).toBe(200);
}

function expectTurnedAway(answer: HttpAnswer): void {
  expect(answer.status).toBe(503);
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(Number(answer.headers.get('retry-after'))).toBeLessThanOrEqual(3);
  expect(answer.body).toEqual({ error: expect.stringMatching(/^The payment provider is busy; try again in \d+ s\.$/) });
}

describe('STRIPE_MAX_REQUESTS_PER_SECOND and USER_READ_RATE_LIMIT_PER_MINUTE', () => {
  it('default to 80 with a live key, 20 otherwise, and 60 reads', () => {
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_live_abc0123456789' }).limits.stripeMaxRequestsPerSecond).toBe(80);
    expect(loadConfig({ STRIPE_SECRET_KEY: 'rk_live_abc0123456789' }).limits.stripeMaxRequestsPerSecond).toBe(80);
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc0123456789' }).limits.stripeMaxRequestsPerSecond).toBe(20);
    expect(loadConfig({}).limits.stripeMaxRequestsPerSecond).toBe(20);
    expect(loadConfig({ STRIPE_MAX_REQUESTS_PER_SECOND: '50' }).limits.stripeMaxRequestsPerSecond).toBe(50);
    expect(loadConfig({}).limits.userReadRateLimitPerMinute).toBe(60);
    for (const name of ['STRIPE_MAX_REQUESTS_PER_SECOND', 'USER_READ_RATE_LIMIT_PER_MINUTE']) {
      for (const value of ['0', '-3', '1.5', 'lots']) {
        expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}: `));
      }
    }
    // A new user's call needs 3 at once.
    expect(() => loadConfig({ STRIPE_MAX_REQUESTS_PER_SECOND: '2' })).toThrow(/^STRIPE_MAX_REQUESTS_PER_SECOND: expected a whole number from 3 /);
    expect(loadConfig({ STRIPE_MAX_REQUESTS_PER_SECOND: '3' }).limits.stripeMaxRequestsPerSecond).toBe(3);
  });
});

describe('one token flooding Viewer.paymentMethods', () => {
  const world = useWorld({ ...UNBOUNDED_CALLERS });

  it('2,000 queries in 10 s cause at most the read budget (60) of Stripe listings; the rest fail RATE_LIMITED', { timeout: 60_000 }, async () => {
    const { gateway, emulator } = world();
    const token = await tokenFor({ sub: 'flooder' });
    const saved = await callRest(gateway.url, { token });
    await confirmWithTestCard(emulator, saved.body.setup_intent_client_secret);
    emulator.resetRequests();

    const answers: HttpAnswer[] = [];
    const started = performance.now();
    for (let batch = 0; batch < 100; batch += 1) {
      answers.push(...(await Promise.all(Array.from({ length: 20 }, () => callGraphQL(gateway.url, LIST, { token })))));
      const due = started + ((batch + 1) * 10_000) / 100;
      if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
    }
    expect(answers).toHaveLength(2000);
    const served = answers.filter((answer) => answer.body.data?.viewer?.paymentMethods?.length === 1);
    const refused = answers.filter((answer) => answer.body.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
    console.info(`flood: ${served.length} of 2000 answered, ${listings(emulator).length} Stripe listings, in ${Math.round(performance.now() - started)} ms`);
    expect(served.length + refused.length).toBe(2000);
    expect(served.length).toBeLessThanOrEqual(60);
    expect(served.length).toBeGreaterThanOrEqual(1);
    expect(refused[0]!.body.errors[0]).toMatchObject({
      message: expect.stringMatching(/^Too many calls; try again in \d+ s\.$/),
      path: ['viewer', 'paymentMethods'],
      extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) },
    });
    expect(refused[0]!.body.errors[0].extensions.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused[0]!.body.errors[0].extensions.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(listings(emulator).length).toBeGreaterThanOrEqual(1);
    expect(listings(emulator).length).toBeLessThanOrEqual(60);
  });

  it('reuses a listing for a few seconds, and lists afresh after a detach', async () => {
    const { gateway, emulator } = world();
    const token = await tokenFor({ sub: 'reloader' });
    const first = await callRest(gateway.url, { token });
    const intent = await confirmWithTestCard(emulator, first.body.setup_intent_client_secret);
    const second = await callRest(gateway.url, { token });
    await confirmWithTestCard(emulator, second.body.setup_intent_client_secret, 'pm_card_mastercard');
    emulator.resetRequests();
    const ids = async () => (await callGraphQL(gateway.url, LIST, { token })).body.data.viewer.paymentMethods.map((m: { id: string }) => m.id);
    expect(await ids()).toHaveLength(2);
    expect(await ids()).toHaveLength(2);
    expect(listings(emulator)).toHaveLength(1);
    const detached = await callGraphQL(
      gateway.url,
      `mutation { detachStripePaymentMethod(input: { paymentMethodId: "${String(intent.payment_method)}" }) { __typename } }`,
      { token },
    );
    expect(detached.body.data.detachStripePaymentMethod.__typename).toBe('DetachedStripePaymentMethod');
    expect(await ids()).toHaveLength(1);
    expect(listings(emulator)).toHaveLength(2);
  });
});

describe('Stripe’s own rate limit', () => {
  const world = useWorld({ ...UNBOUNDED_CALLERS });

  it('is answered 503 with Retry-After on REST, RateLimitedError on GraphQL, RATE_LIMITED on the listing', async () => {
    const { gateway, emulator } = world();
    const token = await tokenFor({ sub: 'unlucky' });
    emulator.injectFault({ kind: 'rate-limit', match: { method: 'POST', path: '/v1/setup_intents' }, times: 1 });
    expectTurnedAway(await callRest(gateway.url, { token }));

    // The shape older API versions answered with: type rate_limit_error.
    emulator.injectFault({
      kind: 'error',
      status: 429,
      type: 'rate_limit_error',
      message: 'Too many requests hit the API too quickly.',
      match: { method: 'POST', path: '/v1/ephemeral_keys' },
      times: 1,
    });
    const graphql = await callGraphQL(gateway.url, RATE_QUERY, { token });
    expect(graphql.body.data.createStripeSetupIntent).toEqual({
      __typename: 'RateLimitedError',
      message: 'The payment provider is busy; try again in 1 s.',
      retryAfterSeconds: 1,
    });

    expect((await callRest(gateway.url, { token })).status).toBe(200);
    emulator.injectFault({ kind: 'rate-limit', match: { path: /\/payment_methods$/ }, times: 1 });
    const listed = await callGraphQL(gateway.url, LIST, { token });
    expect(listed.body.errors[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 1 } });
  });

  it('lock_timeout is retried, as Stripe asks (Stripe-Should-Retry: true), and the call succeeds', async () => {
    const { gateway, emulator } = world();
    const token = await tokenFor({ sub: 'locked_out' });
    expect((await callRest(gateway.url, { token })).status).toBe(200);
    emulator.resetRequests();
    emulator.injectFault({ kind: 'rate-limit', reason: 'lock_timeout', match: { method: 'POST', path: '/v1/setup_intents' }, times: 1 });
    const answer = await callRest(gateway.url, { token });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const intents = emulator.requests().filter((request) => request.path === '/v1/setup_intents');
    expect(intents.map((request) => request.status)).toEqual([429, 200]);
  });
});

describe('the account’s budget on one instance, in memory', () => {
  const world = useWorld({ ...UNBOUNDED_CALLERS, STRIPE_MAX_REQUESTS_PER_SECOND: '6' });

  it('reserves a call’s requests before the first: what cannot be had within a second is turned away at once, having sent nothing', async () => {
    const { gateway, emulator } = world();
    await lookUpAccount(gateway.url);
    emulator.resetRequests();
    // Guests: a customer, an ephemeral key and a SetupIntent each; 6 a second admit two calls.
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 4 }, () => callRest(gateway.url)));
    expect(performance.now() - started).toBeLessThan(2_000);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 200, 503, 503]);
    for (const answer of answers.filter((a) => a.status === 503)) expectTurnedAway(answer);
    expect(emulator.customers()).toHaveLength(2);
    expect(emulator.setupIntents()).toHaveLength(2);
    expect(emulator.requests()).toHaveLength(6);
    expect(await metricValue(gateway.url, `gateway_stripe_budget_requests_total{account="${emulator.accountId}:test"}`)).toBe(6);
    expect(await metricValue(gateway.url, `gateway_stripe_budget_refused_total{account="${emulator.accountId}:test"}`)).toBe(2);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).not.toMatch(/sk_test_/);
  });

  it('lets a call wait for places that free within a second', async () => {
    const { gateway, emulator } = world();
    const token = await tokenFor({ sub: 'patient' });
    expect((await callRest(gateway.url, { token })).status).toBe(200); // 3 places: customer, key, intent
    const first = await callRest(gateway.url, { token }); // 2 more: the window is full for 2.1 s
    expect(first.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const started = performance.now();
    const waited = await callRest(gateway.url, { token });
    expect(waited.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThan(300);
    expect(busiestSecond(emulator.requests().filter((request) => request.path !== '/v1/account'))).toBeLessThanOrEqual(6);
  });

  it('covers the SDK’s retries: a retry waits for a place of its own, and Stripe still never sees more than 6 a second', async () => {
    const { gateway, emulator } = world();
    const token = await tokenFor({ sub: 'retried' });
    expect((await callRest(gateway.url, { token })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_300)); // the window empties
    emulator.resetRequests();
    // A new user's call (3) and a listing (1) beside a known user's call (2) fill the window of
    // 6: the retry Stripe's 500 invites must wait until the first places free.
    expect((await callRest(gateway.url, { token: await tokenFor({ sub: 'filler' }) })).status).toBe(200);
    expect((await callGraphQL(gateway.url, LIST, { token })).body.data.viewer.paymentMethods).toEqual([]);
    emulator.injectFault({ kind: 'error', status: 500, type: 'api_error', match: { method: 'POST', path: '/v1/setup_intents' }, times: 1 });
    const started = performance.now();
    const answer = await callRest(gateway.url, { token });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(performance.now() - started).toBeGreaterThan(1_000);
    const intents = emulator.requests().filter((request) => request.path === '/v1/setup_intents');
    expect(intents.map((request) => request.status)).toEqual([200, 500, 200]);
    expect(busiestSecond(emulator.requests())).toBeLessThanOrEqual(6);
  });
});

describe('webhook handlers, outside any call', () => {
  const world = useWorld({ ...UNBOUNDED_CALLERS, STRIPE_MAX_REQUESTS_PER_SECOND: '3', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET });

  it('take a place per Stripe request; with none, the event is answered 503 for Stripe to deliver again', async () => {
    const { gateway, emulator } = world();
    const saved = await callRest(gateway.url, { token: await tokenFor({ sub: 'webhook_user' }) }); // 3 places
    const intent = await confirmWithTestCard(emulator, saved.body.setup_intent_client_secret);
    emulator.resetRequests();
    const body = eventPayload('setup_intent.succeeded', intent);
    expect((await postWebhook(gateway.url, body, signatureFor(body))).status).toBe(503);
    expect(emulator.requests()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2_300));
    expect((await postWebhook(gateway.url, body, signatureFor(body))).status).toBe(200);
    expect(emulator.requests().map((request) => request.path)).toEqual([`/v1/customers/${saved.body.customer_id}/payment_methods`]);
  });
});

describe('the SDK and a refused request', () => {
  it('the refusal is the SDK’s own runtime error, which it answers at once instead of retrying after a back-off', () => {
    // Should a stripe-node release move the class, refusals still surface, but after the SDK's sleeps.
    expect(Object.getPrototypeOf(StripeBudgetRefusal).name).toBe('HttpClientRuntimeError');
  });
});

describe('Redis unreachable', () => {
  let emulator: StripeEmulator;
  let dir: string;
  let gateway: TestGateway | undefined;

  beforeEach(async () => {
    emulator = await startStripeEmulator();
    dir = mkdtempSync(join(tmpdir(), 'gateway-budget-'));
  });
  afterEach(async () => {
    await gateway?.close();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the account’s budget in per-instance memory', async () => {
    gateway = await startGateway(emulator, `sqlite:${join(dir, 'gateway.sqlite')}`, {
      ...UNBOUNDED_CALLERS,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      STRIPE_MAX_REQUESTS_PER_SECOND: '6',
      REQUEST_DEADLINE_MS: '3000',
    });
    await lookUpAccount(gateway.url);
    emulator.resetRequests();
    const answers = await Promise.all(Array.from({ length: 4 }, () => callRest(gateway!.url)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 503, 503]);
    expect(emulator.requests()).toHaveLength(6);
    expect(await metricValue(gateway.url, 'gateway_rate_limit_fallback_active')).toBe(1);
  });
});

describe.skipIf(!TEST_REDIS_URL)('200 users at once against two instances on one Redis, 50 requests a second', () => {
  let emulator: StripeEmulator;
  let dir: string;
  let children: ReturnType<typeof runGatewayProcess>[] = [];
  let instances: Array<{ url: string }> = [];
  let logs: Record<string, unknown>[] = [];

  let database: TestDatabase | undefined;

  beforeEach(async () => {
    emulator = await startStripeEmulator();
    dir = mkdtempSync(join(tmpdir(), 'gateway-budget-'));
    // Two instances share a database as they do in production: PostgreSQL (two processes on one
    // SQLite file queue their writes behind each other's locks, which this test is not about).
    database = TEST_DATABASE_URL ? await createTestDatabase() : undefined;
    const env = {
      ...UNBOUNDED_CALLERS,
      ...(database && { DATABASE_URL: database.url }),
      STRIPE_MAX_REQUESTS_PER_SECOND: '50',
      REDIS_URL: TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}`,
    };
    // Two processes, as two instances run: each has its own event loop (and a core of its own when one is free).
    children = [runGatewayProcess(emulator.url, dir, env), runGatewayProcess(emulator.url, dir, env)];
    logs = [];
    instances = await Promise.all(
      children.map(async (child) => ({ url: String((await waitForLog(child, (line) => String(line.msg).startsWith('listening'), logs)).url) })),
    );
  });
  afterEach(async () => {
    await Promise.all(children.map((child) => stopChild(child)));
    await database?.drop();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Stripe never sees more than 50 in any second, every call answers within 2 s, and no call turned away left an object', { timeout: 60_000 }, async () => {
    for (const instance of instances) await lookUpAccount(instance.url);
    const tokens = await Promise.all(Array.from({ length: 200 }, (_, i) => tokenFor({ sub: `shopper_${i}` })));
    emulator.resetRequests();
    const timed = async (i: number) => {
      const url = instances[i % 2]!.url;
      const started = performance.now();
      const rest = i % 4 < 2;
      const answer = rest ? await callRest(url, { token: tokens[i]! }) : await callGraphQL(url, RATE_QUERY, { token: tokens[i]! });
      return { rest, answer, ms: performance.now() - started };
    };
    const results = await Promise.all(tokens.map((_, i) => timed(i)));

    let succeeded = 0;
    // Measured by each gateway from the call's start (its budget's wait and Stripe's work): the
    // client's own clock adds the queue of 200 requests on a machine that may be busy elsewhere.
    // On a machine already running more than twice as many processes as it has cores, the next
    // bucket (5 s): the budget still waits at most 1 s, Stripe's work takes the rest.
    const overloaded = loadavg()[0]! > 2 * availableParallelism();
    const bound = overloaded ? '5' : '2';
    for (const instance of instances) {
      const text = await (await fetch(`${instance.url}/metrics`)).text();
      const sum = (pattern: RegExp) =>
        text.split('\n').filter((line) => pattern.test(line)).reduce((total, line) => total + Number(line.split(' ').pop()), 0);
      const calls = sum(/^gateway_setup_intent_duration_seconds_count\{/);
      expect(calls).toBeGreaterThanOrEqual(95);
      expect(sum(new RegExp(`^gateway_setup_intent_duration_seconds_bucket\\{(.*,)?le="${bound}"[,}]`))).toBe(calls);
    }
    for (const { rest, answer, ms } of results) {
      expect(ms).toBeLessThan(10_000);
      if (rest) {
        if (answer.status === 200) succeeded += 1;
        else expectTurnedAway(answer);
      } else {
        const result = answer.body.data.createStripeSetupIntent;
        if (result.__typename === 'StripeSetupIntent') succeeded += 1;
        else expect(result).toEqual({ __typename: 'RateLimitedError', message: expect.any(String), retryAfterSeconds: expect.any(Number) });
      }
    }
    console.info(
      `burst: ${succeeded} of 200 succeeded; busiest second at Stripe ${busiestSecond(emulator.requests())} requests; ` +
        `slowest answer ${Math.round(Math.max(...results.map((r) => r.ms)))} ms at the client (gateway bound ${bound} s)` +
        (logs.some((line) => /per-instance memory/.test(String(line.msg))) ? '; Redis did not answer in time: per-instance fallback' : ''),
    );
    expect(succeeded).toBeGreaterThanOrEqual(16); // 50 places hold 16 new users' calls at once
    expect(succeeded).toBeLessThan(200);
    // While Redis answers, the two instances share 50. Should it not answer within its timeout
    // (a machine so loaded that redis-server itself waits for a core), each instance falls back
    // to its own memory, logs it, and keeps 50 alone (contract 6.10): then at most 100.
    const fellBack = logs.some((line) => /per-instance memory/.test(String(line.msg)));
    expect(busiestSecond(emulator.requests())).toBeLessThanOrEqual(fellBack ? 100 : 50);
    expect(emulator.customers()).toHaveLength(succeeded);
    expect(emulator.setupIntents()).toHaveLength(succeeded);
    expect(emulator.requests()).toHaveLength(3 * succeeded);
  });
});

describe.skipIf(!TEST_REDIS_URL)('two Stripe accounts on one Redis', () => {
  it('each has a budget of its own', async () => {
    const emulators = [await startStripeEmulator(), await startStripeEmulator()];
    const dir = mkdtempSync(join(tmpdir(), 'gateway-budget-'));
    const env = {
      ...UNBOUNDED_CALLERS,
      STRIPE_MAX_REQUESTS_PER_SECOND: '6',
      REDIS_URL: TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}`,
    };
    const gateways = [
      await startGateway(emulators[0]!, `sqlite:${join(dir, 'a.sqlite')}`, env),
      await startGateway(emulators[1]!, `sqlite:${join(dir, 'b.sqlite')}`, env),
    ];
    try {
      expect(emulators[0]!.accountId).not.toBe(emulators[1]!.accountId);
      for (const gateway of gateways) await lookUpAccount(gateway.url);
      // Two guests fill the first account's 6 places; the second account's are untouched.
      expect((await Promise.all([callRest(gateways[0]!.url), callRest(gateways[0]!.url)])).map((a) => a.status)).toEqual([200, 200]);
      expectTurnedAway(await callRest(gateways[0]!.url));
      expect((await Promise.all([callRest(gateways[1]!.url), callRest(gateways[1]!.url)])).map((a) => a.status)).toEqual([200, 200]);
      expectTurnedAway(await callRest(gateways[1]!.url));
    } finally {
      await Promise.all(gateways.map((gateway) => gateway.close()));
      await Promise.all(emulators.map((emulator) => emulator.close()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!TEST_REDIS_URL)('a Redis of its own, frozen', () => {
  let redis: OwnRedis | undefined;
  afterEach(async () => {
    await redis?.kill();
  });

  it('falls back to memory for the account’s budget and keeps within it', async () => {
    redis = await startOwnRedis();
    const emulator = await startStripeEmulator();
    const dir = mkdtempSync(join(tmpdir(), 'gateway-budget-'));
    const gateway = await startGateway(emulator, `sqlite:${join(dir, 'gateway.sqlite')}`, {
      ...UNBOUNDED_CALLERS,
      REDIS_URL: redis.url,
      STRIPE_MAX_REQUESTS_PER_SECOND: '6',
      REQUEST_DEADLINE_MS: '2000',
    });
    try {
      await lookUpAccount(gateway.url);
      redis.freeze();
      emulator.resetRequests();
      const answers = await Promise.all(Array.from({ length: 4 }, () => callRest(gateway.url)));
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 503, 503]);
      expect(emulator.requests()).toHaveLength(6);
    } finally {
      redis.thaw();
      await gateway.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
