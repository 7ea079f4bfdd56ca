import { describe, expect, it } from 'vitest';
import type { FaultSpec } from '../src/emulator/index.js';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION, tokenFor, type HttpAnswer } from './support/clients.js';
import { startWorld } from './support/gateway.js';

/** One call as a caller states it, whichever surface carries it. */
interface Call {
  token?: 'user_1' | 'forged';
  stripeVersion?: string;
  idempotencyKey?: string;
  usage?: 'off_session' | 'on_session';
}

interface Scenario {
  name: string;
  env?: Record<string, string>;
  fault?: FaultSpec;
  calls: Call[];
}

const scenarios: Scenario[] = [
  { name: 'guest', calls: [{}] },
  { name: 'guest twice', calls: [{}, {}] },
  { name: 'signed-in user, first and repeat call', calls: [{ token: 'user_1' }, { token: 'user_1' }] },
  { name: 'client stripe version', calls: [{ token: 'user_1', stripeVersion: '2024-06-20' }] },
  { name: 'usage on and off session', calls: [{ token: 'user_1', usage: 'on_session' }, { usage: 'off_session' }] },
  { name: 'bad stripe version', calls: [{ stripeVersion: '06/20/2024' }] },
  { name: 'bad idempotency key', calls: [{ token: 'user_1', idempotencyKey: 'has spaces' }] },
  { name: 'bad version and key', calls: [{ stripeVersion: 'v1', idempotencyKey: 'k'.repeat(300) }] },
  { name: 'forged token', calls: [{ token: 'forged' }] },
  { name: 'guests refused', env: { ALLOW_GUESTS: 'false' }, calls: [{}, { token: 'user_1' }] },
  {
    name: 'Stripe declines',
    fault: { match: { path: '/v1/setup_intents' }, times: 1, kind: 'error', status: 402, type: 'card_error', code: 'card_declined', message: 'Your card was declined.' },
    calls: [{ token: 'user_1' }],
  },
  {
    name: 'Stripe down past retries',
    fault: { match: { path: '/v1/customers' }, kind: 'error', status: 503, type: 'api_error', message: 'Stripe is unavailable.' },
    calls: [{}],
  },
];

/** What a caller observes, in surface-neutral words. */
type Outcome =
  | { kind: 'saved'; customer: string }
  | { kind: 'invalid'; fields: string[] }
  | { kind: 'stripe'; message: string; code: string | null; retryable: boolean }
  | { kind: 'unauthenticated' }
  | { kind: 'sign-in-required' };

const REST_FIELDS: Record<string, string> = { stripe_version: 'stripeVersion', idempotency_key: 'idempotencyKey' };

function restOutcome({ status, body }: HttpAnswer): Outcome {
  if (status === 200) return { kind: 'saved', customer: body.customer_id };
  if (status === 401) return { kind: 'unauthenticated' };
  if (status === 403) return { kind: 'sign-in-required' };
  if (status === 422 && body.errors) return { kind: 'invalid', fields: Object.keys(body.errors).map((f) => REST_FIELDS[f] ?? f) };
  if (status === 422) return { kind: 'stripe', message: body.error, code: body.code ?? null, retryable: body.retryable };
  throw new Error(`unexpected REST answer ${status}: ${JSON.stringify(body)}`);
}

function graphqlOutcome({ status, body }: HttpAnswer): Outcome {
  if (status === 401 && body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED') return { kind: 'unauthenticated' };
  const result = body.data?.createStripeSetupIntent;
  switch (result?.__typename) {
    case 'StripeSetupIntent':
      return { kind: 'saved', customer: result.customerId };
    case 'ValidationError':
      return { kind: 'invalid', fields: result.fieldErrors.map((e: { field: string }) => e.field) };
    case 'StripeError':
      return { kind: 'stripe', message: result.message, code: result.code, retryable: result.retryable };
    case 'AuthenticationRequiredError':
      return { kind: 'sign-in-required' };
    default:
      throw new Error(`unexpected GraphQL answer ${status}: ${JSON.stringify(body)}`);
  }
}

async function run(scenario: Scenario, surface: 'rest' | 'graphql') {
  const world = await startWorld(scenario.env);
  try {
    if (scenario.fault) world.emulator.injectFault(scenario.fault);
    const outcomes: Outcome[] = [];
    for (const call of scenario.calls) {
      const token =
        call.token === 'forged'
          ? await tokenFor({ sub: 'user_1' }, 'a-forger-does-not-know-the-secret-0123')
          : call.token && (await tokenFor({ sub: call.token }));
      if (surface === 'rest') {
        const answer = await callRest(world.gateway.url, {
          ...(token && { token }),
          ...((call.stripeVersion !== undefined || call.usage !== undefined) && {
            body: { stripe_version: call.stripeVersion, usage: call.usage },
          }),
          ...(call.idempotencyKey !== undefined && { headers: { 'idempotency-key': call.idempotencyKey } }),
        });
        outcomes.push(restOutcome(answer));
      } else {
        const answer = await callGraphQL(world.gateway.url, SETUP_INTENT_MUTATION, {
          ...(token && { token }),
          variables: {
            input: { stripeVersion: call.stripeVersion, idempotencyKey: call.idempotencyKey, usage: call.usage?.toUpperCase() },
          },
        });
        outcomes.push(graphqlOutcome(answer));
      }
    }
    // Customer ids differ between worlds; whether a call reused one is what the caller sees.
    const ids = new Map<string, string>();
    const observed = outcomes.map((o) => (o.kind === 'saved' ? { ...o, customer: ids.get(o.customer) ?? ids.set(o.customer, `customer ${ids.size + 1}`).get(o.customer)! } : o));
    return {
      observed,
      customers: world.emulator.customers().length,
      setupIntents: world.emulator.setupIntents().length,
      usages: world.emulator.setupIntents().map((intent) => intent.usage),
      ephemeralKeyVersions: world.emulator.ephemeralKeys().map((key) => key.apiVersion),
    };
  } finally {
    await world.close();
  }
}

describe('REST and GraphQL run the same resolver', () => {
  it.each(scenarios)('$name: same outcome and same Stripe objects on both surfaces', async (scenario) => {
    const rest = await run(scenario, 'rest');
    const graphql = await run(scenario, 'graphql');
    expect(graphql).toEqual(rest);
    expect(rest.observed).toHaveLength(scenario.calls.length);
  });
});
