import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { callGraphQL, callRest, tokenFor } from './support/clients.js';
import { BACKENDS } from './support/databases.js';
import { startGateway, type TestGateway } from './support/gateway.js';
import type { TestDatabase } from './support/postgres.js';
import { confirmWithTestCard, stripeFor } from './support/webhooks.js';

const LIST = /* GraphQL */ `
  {
    viewer {
      paymentMethods { id type createdAt card { brand last4 expMonth expYear wallet } }
    }
  }
`;
const DETACH = /* GraphQL */ `
  mutation Detach($id: String!) {
    detachStripePaymentMethod(input: { paymentMethodId: $id }) {
      __typename
      ... on DetachedStripePaymentMethod { id }
      ... on Error { message }
      ... on StripeError { code retryable }
    }
  }
`;

describe.each(BACKENDS)('saved payment methods on $name', (backend) => {
  let env: Record<string, string> = {};
  let emulator: StripeEmulator;
  let database: TestDatabase;
  let gateway: TestGateway;

  beforeEach(async (context) => {
    if (!backend.available) return context.skip();
    emulator = await startStripeEmulator();
    database = await backend.create();
    gateway = await startGateway(emulator, database.url, env);
  });
  afterEach(async () => {
    if (!backend.available) return;
    await gateway.close();
    await emulator.close();
    await database.drop();
  });

  const list = async (token?: string) => callGraphQL(gateway.url, LIST, token === undefined ? {} : { token });
  const detach = async (id: string, token?: string) =>
    (await callGraphQL(gateway.url, DETACH, { variables: { id }, ...(token && { token }) })).body.data.detachStripePaymentMethod;

  /** Saves a card through the gateway's own SetupIntent, as PaymentSheet would. */
  async function saveCard(token: string, paymentMethod = 'pm_card_visa') {
    const answer = await callRest(gateway.url, { token });
    const intent = await confirmWithTestCard(emulator, answer.body.setup_intent_client_secret, paymentMethod);
    return { customerId: answer.body.customer_id as string, paymentMethodId: intent.payment_method as string };
  }

  it('lists nothing, and creates nothing, for a guest and for a user without a customer', async () => {
    expect((await list()).body).toEqual({ data: { viewer: { paymentMethods: [] } } });
    expect((await list(await tokenFor({ sub: 'new_user' }))).body).toEqual({ data: { viewer: { paymentMethods: [] } } });
    expect(emulator.customers()).toEqual([]);
    expect(emulator.requests().filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('lists the user’s cards newest first, with brand, last4, expiry and creation time', async () => {
    const token = await tokenFor({ sub: 'wallet_user' });
    const visa = await saveCard(token, 'pm_card_visa');
    const mastercard = await saveCard(token, 'pm_card_mastercard');
    await saveCard(await tokenFor({ sub: 'someone_else' }), 'pm_card_amex');
    const answer = await list(token);
    expect(answer.status).toBe(200);
    const methods = answer.body.data.viewer.paymentMethods;
    expect(methods.map((m: { id: string }) => m.id)).toEqual([mastercard.paymentMethodId, visa.paymentMethodId]);
    const now = new Date();
    expect(methods[1]).toEqual({
      id: visa.paymentMethodId,
      type: 'card',
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/),
      card: { brand: 'visa', last4: '4242', expMonth: now.getUTCMonth() + 1, expYear: now.getUTCFullYear() + 1, wallet: null },
    });
    expect(Math.abs(Date.parse(methods[1].createdAt) - Date.now())).toBeLessThan(60_000);
  });

  it('pages through more than one of Stripe’s pages: all 130 cards, newest first', async () => {
    const token = await tokenFor({ sub: 'hoarder' });
    const { customerId } = await saveCard(token);
    const stripe = stripeFor(emulator);
    for (let i = 0; i < 129; i++) {
      const intent = await stripe.setupIntents.create({ customer: customerId });
      await stripe.setupIntents.confirm(intent.id, { payment_method: 'pm_card_mastercard' });
    }
    emulator.resetRequests();
    const methods = (await list(token)).body.data.viewer.paymentMethods;
    expect(methods).toHaveLength(130);
    const expected = emulator.paymentMethods().map((m) => m.id).reverse();
    expect(methods.map((m: { id: string }) => m.id)).toEqual(expected);
    expect(emulator.requests().filter((r) => r.path.endsWith('/payment_methods'))).toHaveLength(2);
  });

  it('lists nothing for a user whose customer was deleted in Stripe', async () => {
    const token = await tokenFor({ sub: 'gone_user' });
    const { customerId } = await saveCard(token);
    emulator.deleteCustomer(customerId);
    expect((await list(token)).body).toEqual({ data: { viewer: { paymentMethods: [] } } });
  });

  it('asks Stripe once however many aliases ask', async () => {
    const token = await tokenFor({ sub: 'alias_user' });
    await saveCard(token);
    emulator.resetRequests();
    const answer = await callGraphQL(gateway.url, '{ viewer { a: paymentMethods { id } b: paymentMethods { id } } }', { token });
    expect(answer.body.data.viewer.a).toHaveLength(1);
    expect(answer.body.data.viewer.b).toEqual(answer.body.data.viewer.a);
    expect(emulator.requests().filter((r) => r.path.endsWith('/payment_methods'))).toHaveLength(1);
  });

  it('reports Stripe failing the listing as a coded error, never masked', async () => {
    const token = await tokenFor({ sub: 'fault_user' });
    await saveCard(token);
    emulator.injectFault({ match: { path: /\/payment_methods$/ }, kind: 'error', status: 400, type: 'invalid_request_error', code: 'parameter_invalid_integer', message: 'Stripe refused.' });
    const answer = await list(token);
    expect(answer.body.errors[0]).toMatchObject({ message: 'Stripe refused.', extensions: { code: 'STRIPE_ERROR', retryable: false } });
  });

  it('detaches the caller’s own card: it leaves the list', async () => {
    const token = await tokenFor({ sub: 'detach_user' });
    const first = await saveCard(token);
    const second = await saveCard(token, 'pm_card_mastercard');
    expect(await detach(first.paymentMethodId, token)).toEqual({ __typename: 'DetachedStripePaymentMethod', id: first.paymentMethodId });
    const left = (await list(token)).body.data.viewer.paymentMethods.map((m: { id: string }) => m.id);
    expect(left).toEqual([second.paymentMethodId]);
    expect(emulator.paymentMethods().find((m) => m.id === first.paymentMethodId)?.customer).toBeNull();
    // Twice: it is no longer the caller's.
    expect(await detach(first.paymentMethodId, token)).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('answers another customer’s card and a made-up id alike, NotFoundError, and changes nothing', async () => {
    const owner = await saveCard(await tokenFor({ sub: 'owner' }));
    const thief = await tokenFor({ sub: 'thief' });
    await saveCard(thief, 'pm_card_amex');
    const theirs = await detach(owner.paymentMethodId, thief);
    const madeUp = await detach('pm_1NoSuchMethodAtAll0000000', thief);
    const malformed = await detach('../customers/cus_x', thief);
    expect(theirs).toEqual({ __typename: 'NotFoundError', message: 'No such payment method among yours.' });
    expect(madeUp).toEqual(theirs);
    expect(malformed).toEqual(theirs);
    expect(emulator.paymentMethods().find((m) => m.id === owner.paymentMethodId)?.customer).toBe(owner.customerId);
    expect(emulator.requests().filter((r) => r.path.endsWith('/detach'))).toEqual([]);
    // A signed-in user with no customer at all: the same.
    expect(await detach(owner.paymentMethodId, await tokenFor({ sub: 'nobody' }))).toEqual(theirs);
  });

  it('asks a guest to sign in', async () => {
    const owner = await saveCard(await tokenFor({ sub: 'owner' }));
    expect(await detach(owner.paymentMethodId)).toEqual({
      __typename: 'AuthenticationRequiredError',
      message: 'Sign in to remove a saved payment method.',
    });
  });

  describe('with USER_RATE_LIMIT_PER_MINUTE=3', () => {
    beforeAll(() => {
      env = { USER_RATE_LIMIT_PER_MINUTE: '3' };
    });
    afterAll(() => {
      env = {};
    });

    it('counts detaching against the user’s budget, found or not', async () => {
      const token = await tokenFor({ sub: 'prober' });
      await saveCard(token);
      expect(await detach('pm_1Guess000000000000000000', token)).toMatchObject({ __typename: 'NotFoundError' });
      expect(await detach('pm_1Guess000000000000000001', token)).toMatchObject({ __typename: 'NotFoundError' });
      expect(await detach('pm_1Guess000000000000000002', token)).toMatchObject({
        __typename: 'RateLimitedError',
        message: expect.stringMatching(/try again in \d+ s/),
      });
    });
  });

  it('reports Stripe failing the detach as a StripeError', async () => {
    const token = await tokenFor({ sub: 'flaky_detach' });
    const { paymentMethodId } = await saveCard(token);
    emulator.injectFault({ match: { path: /\/detach$/ }, kind: 'error', status: 500, type: 'api_error', message: 'Stripe broke.', shouldRetry: false });
    expect(await detach(paymentMethodId, token)).toEqual({
      __typename: 'StripeError',
      message: 'Stripe broke.',
      code: null,
      retryable: true,
    });
  });
});
