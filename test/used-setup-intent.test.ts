import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EMULATOR_PUBLISHABLE_KEY, type StripeEmulator } from '../src/emulator/index.js';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION, tokenFor } from './support/clients.js';
import { useWorld } from './support/gateway.js';
import { stripeFor } from './support/webhooks.js';

const SESSION_MUTATION = /* GraphQL */ `
  mutation Session($input: CreateStripeCustomerSessionInput!) {
    createStripeCustomerSession(input: $input) {
      __typename
      ... on StripeCustomerSession { customerId customerSessionClientSecret setupIntentClientSecret }
      ... on Error { message }
    }
  }
`;

const intentId = (clientSecret: string) => clientSecret.split('_secret_')[0]!;

/** What Stripe.js does with a client secret: confirm with the publishable key. */
function confirmAsStripeJs(emulator: StripeEmulator, clientSecret: string): Promise<Stripe.SetupIntent> {
  const stripe = new Stripe(DEFAULT_EMULATOR_PUBLISHABLE_KEY, {
    host: '127.0.0.1',
    port: emulator.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
  });
  // The server SDK's types leave out client_secret, which only publishable-key callers send.
  const params: Stripe.SetupIntentConfirmParams & { client_secret: string } = { payment_method: 'pm_card_visa', client_secret: clientSecret };
  return stripe.setupIntents.confirm(intentId(clientSecret), params);
}

describe('a repeat after the SetupIntent was used (same idempotency key)', () => {
  const world = useWorld({ USER_RATE_LIMIT_PER_MINUTE: '1000' });

  const rest = async (token: string, key: string) => {
    const { status, body } = await callRest(world().gateway.url, { token, headers: { 'idempotency-key': key } });
    expect(status, JSON.stringify(body)).toBe(200);
    return { customerId: body.customer_id as string, clientSecret: body.setup_intent_client_secret as string };
  };
  const graphql = async (token: string, key: string) => {
    const { body } = await callGraphQL(world().gateway.url, SETUP_INTENT_MUTATION, { token, variables: { input: { idempotencyKey: key } } });
    const result = body.data.createStripeSetupIntent;
    expect(result.__typename, JSON.stringify(body)).toBe('StripeSetupIntent');
    return { customerId: result.customerId as string, clientSecret: result.setupIntentClientSecret as string };
  };

  it.each([
    ['REST', rest],
    ['GraphQL', graphql],
  ])('%s: after it succeeded, gets the same customer and a fresh SetupIntent, kept for later repeats', async (_surface, call) => {
    const { emulator } = world();
    const token = await tokenFor({ sub: 'used_user' });
    const first = await call(token, 'save-card-1');
    // A first call asks nothing more of Stripe than before.
    expect(emulator.requests().filter((request) => request.method === 'GET' && request.path.startsWith('/v1/setup_intents'))).toEqual([]);
    expect((await confirmAsStripeJs(emulator, first.clientSecret)).status).toBe('succeeded');

    const repeat = await call(token, 'save-card-1');
    expect(repeat.customerId).toBe(first.customerId);
    expect(repeat.clientSecret).not.toBe(first.clientSecret);
    const fresh = emulator.setupIntents().find((intent) => intent.client_secret === repeat.clientSecret);
    expect(fresh).toMatchObject({ status: 'requires_payment_method', customer: first.customerId });

    // While the fresh one is unused, a further repeat is answered with it.
    expect(await call(token, 'save-card-1')).toEqual(repeat);
    expect(emulator.setupIntents()).toHaveLength(2);
    expect(emulator.customers()).toHaveLength(1);
    expect((await confirmAsStripeJs(emulator, repeat.clientSecret)).status).toBe('succeeded');
  });

  it('after it was canceled, gets a fresh one too', async () => {
    const { emulator } = world();
    const token = await tokenFor({ sub: 'canceled_user' });
    const first = await rest(token, 'save-card-2');
    await stripeFor(emulator).setupIntents.cancel(intentId(first.clientSecret));
    const repeat = await rest(token, 'save-card-2');
    expect(repeat.customerId).toBe(first.customerId);
    expect(repeat.clientSecret).not.toBe(first.clientSecret);
    expect((await confirmAsStripeJs(emulator, repeat.clientSecret)).status).toBe('succeeded');
  });

  it('gives concurrent repeats one fresh SetupIntent, not one each', async () => {
    const { emulator } = world();
    const token = await tokenFor({ sub: 'racing_user' });
    const first = await graphql(token, 'save-card-3');
    await confirmAsStripeJs(emulator, first.clientSecret);
    const repeats = await Promise.all([rest(token, 'save-card-3'), graphql(token, 'save-card-3'), rest(token, 'save-card-3')]);
    expect(new Set(repeats.map((repeat) => repeat.clientSecret)).size).toBe(1);
    expect(repeats[0]!.clientSecret).not.toBe(first.clientSecret);
    expect(emulator.setupIntents()).toHaveLength(2);
  });

  it('createStripeCustomerSession: a fresh SetupIntent beside a session for the same customer', async () => {
    const { emulator } = world();
    const token = await tokenFor({ sub: 'session_user' });
    const session = async () => {
      const { body } = await callGraphQL(world().gateway.url, SESSION_MUTATION, {
        token,
        variables: { input: { component: 'PAYMENT_ELEMENT', idempotencyKey: 'session-1' } },
      });
      const result = body.data.createStripeCustomerSession;
      expect(result.__typename, JSON.stringify(body)).toBe('StripeCustomerSession');
      return result as { customerId: string; customerSessionClientSecret: string; setupIntentClientSecret: string };
    };
    const first = await session();
    await confirmAsStripeJs(emulator, first.setupIntentClientSecret);
    const repeat = await session();
    expect(repeat.customerId).toBe(first.customerId);
    expect(repeat.setupIntentClientSecret).not.toBe(first.setupIntentClientSecret);
    expect(repeat.customerSessionClientSecret).toMatch(/^cuss_/);
    expect(await session()).toEqual(repeat);
    expect((await confirmAsStripeJs(emulator, repeat.setupIntentClientSecret)).status).toBe('succeeded');
  });
});
