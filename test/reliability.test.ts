import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, type FaultSpec } from '../src/emulator/index.js';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION, tokenFor, type HttpAnswer } from './support/clients.js';
import { startWorld, useWorld, type World } from './support/gateway.js';

const POST_TO_STRIPE = { method: 'POST', path: /^\/v1\// };
/**
 * Each Stripe write independently hits at most one of these; about 30 % hit one. As on Stripe,
 * a 500 is saved under the request's idempotency key (and replayed), a 429 is not.
 */
const FAULTS: FaultSpec[] = [
  { kind: 'error', stage: 'execution', status: 500, type: 'api_error', message: 'Injected: Stripe had a problem.', probability: 0.07 },
  { kind: 'rate-limit', probability: 0.03 },
  { kind: 'rate-limit', reason: 'lock_timeout', probability: 0.03 },
  { kind: 'reset', probability: 0.06 },
  { kind: 'reset-after-commit', probability: 0.06 },
  { kind: 'hang', probability: 0.03 },
  { kind: 'latency', ms: 150, probability: 0.05 },
].map((fault, i) => ({ ...fault, match: POST_TO_STRIPE, random: seededRandom(1000 + i) }) as FaultSpec);

const USERS = 40;
const CALLS = 320;
const CONCURRENCY = 16;

interface Observed {
  surface: 'rest' | 'graphql';
  userId: string | undefined;
  /** Stripe's 429s (rate_limit, or lock_timeout past the SDK's retries) are the account's budget: 503 / RateLimitedError. */
  outcome: 'saved' | 'stripe-error' | 'rate-limited';
  customerId?: string;
}

/** Checks one answer is exactly one of the documented shapes, and says which. */
function classify(surface: 'rest' | 'graphql', answer: HttpAnswer): Omit<Observed, 'userId'> {
  if (surface === 'rest') {
    if (answer.status === 200) {
      expect(Object.keys(answer.body).sort()).toEqual(['customer_id', 'ephemeral_key_secret', 'setup_intent_client_secret']);
      expect(answer.body.customer_id).toMatch(/^cus_/);
      expect(answer.body.ephemeral_key_secret).toMatch(/^ek_test_/);
      expect(answer.body.setup_intent_client_secret).toMatch(/^seti_\w+_secret_\w+$/);
      return { surface, outcome: 'saved', customerId: answer.body.customer_id };
    }
    if (answer.status === 503) {
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.body).toEqual({ error: 'The payment provider is busy; try again in 1 s.' });
      return { surface, outcome: 'rate-limited' };
    }
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(answer.headers.get('content-type')).toBe('application/vnd.api+json');
    expect(answer.body).toMatchObject({ error: expect.any(String), retryable: expect.any(Boolean) });
    expect(answer.body.errors).toBeUndefined();
    return { surface, outcome: 'stripe-error' };
  }
  expect(answer.status).toBe(200);
  const result = answer.body.data?.createStripeSetupIntent;
  if (result?.__typename === 'StripeSetupIntent') return { surface, outcome: 'saved', customerId: result.customerId };
  if (result?.__typename === 'RateLimitedError') {
    expect(result.message).toBe('The payment provider is busy; try again in 1 s.');
    return { surface, outcome: 'rate-limited' };
  }
  expect(result, JSON.stringify(answer.body)).toMatchObject({ __typename: 'StripeError', message: expect.any(String) });
  return { surface, outcome: 'stripe-error' };
}

describe('under a high rate of Stripe faults', () => {
  let world: World;
  const observed: Observed[] = [];

  beforeAll(async () => {
    world = await startWorld({
      STRIPE_TIMEOUT_MS: '300',
      REQUEST_DEADLINE_MS: '4000',
      GUEST_RATE_LIMIT_PER_MINUTE: '100000',
    });
    world.emulator.setLatency(2);
    for (const fault of FAULTS) world.emulator.injectFault(fault);

    const tokens = await Promise.all(Array.from({ length: USERS }, (_, i) => tokenFor({ sub: `shopper_${i}` })));
    let next = 0;
    const worker = async () => {
      while (next < CALLS) {
        const call = next++;
        // Every eighth call is a guest; the rest spread over the users; surfaces alternate.
        const userIndex = call % 8 === 7 ? undefined : call % USERS;
        const token = userIndex === undefined ? undefined : tokens[userIndex];
        const surface = call % 2 === 0 ? 'rest' : 'graphql';
        const answer =
          surface === 'rest'
            ? await callRest(world.gateway.url, token ? { token } : {})
            : await callGraphQL(world.gateway.url, SETUP_INTENT_MUTATION, token ? { token } : {});
        observed.push({ ...classify(surface, answer), userId: userIndex === undefined ? undefined : `shopper_${userIndex}` });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    world.emulator.clearFaults();
  }, 180_000);
  afterAll(() => world?.close());

  it('answers every call with success, a typed Stripe error, or Stripe’s rate limit as such', () => {
    expect(observed).toHaveLength(CALLS);
    const requests = world.emulator.requests().filter((request) => request.method === 'POST');
    const failed = requests.filter((request) => request.status !== 200).length;
    const count = (outcome: Observed['outcome'], surface: Observed['surface']) =>
      observed.filter((o) => o.outcome === outcome && o.surface === surface).length;
    console.info(
      `reliability: ${CALLS} calls; Stripe writes ${requests.length}, ${failed} failed or unanswered ` +
        `(${Math.round((100 * failed) / requests.length)} %); REST saved ${count('saved', 'rest')}, ` +
        `StripeError/422 ${count('stripe-error', 'rest')}; GraphQL saved ${count('saved', 'graphql')}, ` +
        `StripeError ${count('stripe-error', 'graphql')}`,
    );
    expect(failed / requests.length).toBeGreaterThan(0.15);
    expect(observed.filter((o) => o.outcome === 'saved').length).toBeGreaterThan(CALLS / 2);
  });

  it('leaves at most one customer per signed-in user, the one every success named', () => {
    for (let i = 0; i < USERS; i += 1) {
      const userId = `shopper_${i}`;
      const customers = world.emulator.customers().filter((customer) => customer.metadata.user_id === userId && !customer.deleted);
      expect(customers.length, userId).toBeLessThanOrEqual(1);
      const named = new Set(observed.filter((o) => o.userId === userId && o.customerId).map((o) => o.customerId));
      if (named.size > 0) expect([...named], userId).toEqual([customers[0]?.id]);
    }
  });

  it('stays healthy and serves normally once Stripe recovers', async () => {
    expect((await fetch(`${world.gateway.url}/health`)).status).toBe(200);
    expect((await fetch(`${world.gateway.url}/ready`)).status).toBe(200);
    const user = await callRest(world.gateway.url, { token: await tokenFor({ sub: 'shopper_0' }) });
    expect(user.status).toBe(200);
    expect((await callRest(world.gateway.url)).status).toBe(200);
  });
});

describe('a Stripe that does not answer', () => {
  const world = useWorld({ STRIPE_TIMEOUT_MS: '5000', REQUEST_DEADLINE_MS: '300' });

  it('is cut off at the request deadline with a retryable typed error', async () => {
    world().emulator.injectFault({ kind: 'hang', match: POST_TO_STRIPE });
    const rest = await callRest(world().gateway.url);
    expect(rest.status).toBe(422);
    expect(rest.body).toEqual({ error: expect.stringMatching(/did not answer in time/), retryable: true });
    const graphql = await callGraphQL(world().gateway.url, SETUP_INTENT_MUTATION);
    expect(graphql.body.data.createStripeSetupIntent).toMatchObject({ __typename: 'StripeError', retryable: true });
  });
});
