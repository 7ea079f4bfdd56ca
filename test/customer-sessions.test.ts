import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seededRandom, startStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from '../src/emulator/index.js';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION, tokenFor } from './support/clients.js';
import { BACKENDS } from './support/databases.js';
import { callsToStripe, startGateway, type TestGateway } from './support/gateway.js';
import type { TestDatabase } from './support/postgres.js';
import { confirmWithTestCard, stripeFor } from './support/webhooks.js';

const SESSION_MUTATION = /* GraphQL */ `
  mutation Session($input: CreateStripeCustomerSessionInput!) {
    createStripeCustomerSession(input: $input) {
      __typename
      ... on StripeCustomerSession { customerId customerSessionClientSecret expiresAt setupIntentClientSecret publishableKey }
      ... on Error { message }
      ... on ValidationError { fieldErrors { field messages } }
      ... on StripeError { code retryable }
    }
  }
`;

const ALL_REDISPLAY = ['always', 'limited', 'unspecified'];

describe.each(BACKENDS)('createStripeCustomerSession on $name', (backend) => {
  let emulator: StripeEmulator;
  let database: TestDatabase;
  let gateway: TestGateway;

  async function start(env: Record<string, string> = {}, options: StripeEmulatorOptions = {}) {
    emulator = await startStripeEmulator(options);
    gateway = await startGateway(emulator, database.url, env);
  }
  beforeEach(async (context) => {
    if (!backend.available) return context.skip();
    database = await backend.create();
  });
  afterEach(async () => {
    if (!backend.available) return;
    await gateway?.close();
    await emulator?.close();
    await database.drop();
  });

  const session = async (input: object, token?: string) =>
    (await callGraphQL(gateway.url, SESSION_MUTATION, { variables: { input }, ...(token && { token }) })).body.data
      .createStripeCustomerSession;
  const intentOf = (clientSecret: string) => emulator.setupIntents().find((intent) => intent.client_secret === clientSecret);
  const lastSession = () => emulator.customerSessions().at(-1)!;

  it.each([
    [
      'MOBILE_PAYMENT_ELEMENT',
      'mobile_payment_element',
      {
        payment_method_allow_redisplay_filters: ALL_REDISPLAY,
        payment_method_redisplay: 'enabled',
        payment_method_remove: 'enabled',
        payment_method_save: 'enabled',
        payment_method_save_allow_redisplay_override: 'always',
      },
    ],
    [
      'PAYMENT_ELEMENT',
      'payment_element',
      {
        payment_method_allow_redisplay_filters: ALL_REDISPLAY,
        payment_method_redisplay: 'enabled',
        payment_method_redisplay_limit: 3,
        payment_method_remove: 'enabled',
        payment_method_save: 'enabled',
        payment_method_save_usage: 'off_session',
      },
    ],
    ['CUSTOMER_SHEET', 'customer_sheet', { payment_method_allow_redisplay_filters: ALL_REDISPLAY, payment_method_remove: 'enabled' }],
  ])('%s: a session for that component, with its features, beside a SetupIntent', async (component, wire, features) => {
    await start({ STRIPE_PUBLISHABLE_KEY: 'pk_test_gateway_suite' });
    const token = await tokenFor({ sub: `user_${component}` });
    const before = Date.now();
    const answer = await session({ component }, token);
    expect(answer).toEqual({
      __typename: 'StripeCustomerSession',
      customerId: expect.stringMatching(/^cus_/),
      customerSessionClientSecret: expect.stringMatching(/^cuss_/),
      expiresAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/),
      setupIntentClientSecret: expect.stringMatching(/^seti_\w+_secret_\w+$/),
      publishableKey: 'pk_test_gateway_suite',
    });
    const expiresIn = Date.parse(answer.expiresAt) - before;
    expect(expiresIn).toBeGreaterThan(29 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(31 * 60_000); // 30 minutes from the session's creation, in whole seconds

    const created = lastSession();
    expect(created.client_secret).toBe(answer.customerSessionClientSecret);
    expect(created.customer).toBe(answer.customerId);
    const components = created.components as unknown as Record<string, { enabled: boolean; features: unknown }>;
    expect(components[wire]).toEqual({ enabled: true, features });
    expect(Object.entries(components).filter(([, value]) => value.enabled).map(([name]) => name)).toEqual([wire]);
    expect(intentOf(answer.setupIntentClientSecret)).toMatchObject({
      customer: answer.customerId,
      status: 'requires_payment_method',
      usage: 'off_session',
      metadata: { user_id: `user_${component}` },
    });
    // The same customer as createStripeSetupIntent's, as with every call of this user.
    const rest = await callRest(gateway.url, { token });
    expect(rest.body.customer_id).toBe(answer.customerId);
    expect(emulator.ephemeralKeys()).toHaveLength(1); // the REST call's only: a session needs no ephemeral key
  });

  it('lets the session list cards saved before sessions existed (allow_redisplay unspecified), which the default filter hides', async () => {
    await start();
    const token = await tokenFor({ sub: 'legacy_shopper' });
    const legacy = await callRest(gateway.url, { token });
    const saved = await confirmWithTestCard(emulator, legacy.body.setup_intent_client_secret);
    const stripe = stripeFor(emulator);
    const customerId = legacy.body.customer_id;
    expect((await stripe.paymentMethods.retrieve(saved.payment_method as string)).allow_redisplay).toBe('unspecified');

    await session({ component: 'PAYMENT_ELEMENT' }, token);
    // What the element shows: the customer's methods whose allow_redisplay is in the session's filters.
    const filters = (lastSession().components?.payment_element.features?.payment_method_allow_redisplay_filters ?? []) as Array<
      'always' | 'limited' | 'unspecified'
    >;
    const shown = [];
    for (const filter of filters) {
      shown.push(...(await stripe.customers.listPaymentMethods(customerId, { allow_redisplay: filter })).data.map((m) => m.id));
    }
    expect(shown).toEqual([saved.payment_method]);
    // Stripe's default filter alone would show nothing.
    expect((await stripe.customers.listPaymentMethods(customerId, { allow_redisplay: 'always' })).data).toEqual([]);
  });

  it('creates no SetupIntent with withSetupIntent: false, and takes usage ON_SESSION onto the SetupIntent', async () => {
    await start();
    const token = await tokenFor({ sub: 'usage_user' });
    const bare = await session({ component: 'CUSTOMER_SHEET', withSetupIntent: false }, token);
    expect(bare).toMatchObject({ __typename: 'StripeCustomerSession', setupIntentClientSecret: null, publishableKey: null });
    expect(emulator.setupIntents()).toEqual([]);

    const onSession = await session({ component: 'PAYMENT_ELEMENT', usage: 'ON_SESSION' }, token);
    expect(intentOf(onSession.setupIntentClientSecret)?.usage).toBe('on_session');
    expect(lastSession().components?.payment_element.features?.payment_method_save_usage).toBe('on_session');
  });

  it('answers a repeat under the same idempotency key with the same session and SetupIntent, creating nothing', async () => {
    await start();
    const token = await tokenFor({ sub: 'repeat_user' });
    const input = { component: 'MOBILE_PAYMENT_ELEMENT', idempotencyKey: 'session-key-1' };
    const first = await session(input, token);
    const counts = () => [emulator.customers().length, emulator.customerSessions().length, emulator.setupIntents().length];
    const before = counts();
    expect(await session(input, token)).toEqual(first);
    expect(counts()).toEqual(before);
  });

  it('keeps one idempotency key space: a key is for one mutation, component and usage', async () => {
    await start();
    const token = await tokenFor({ sub: 'key_space_user' });
    const refused = {
      __typename: 'ValidationError',
      message: expect.stringMatching(/already used for a different request/),
      fieldErrors: [{ field: 'idempotencyKey', messages: [expect.any(String)] }],
    };
    const setupIntent = await callGraphQL(gateway.url, SETUP_INTENT_MUTATION, { token, variables: { input: { idempotencyKey: 'k-1' } } });
    expect(setupIntent.body.data.createStripeSetupIntent.__typename).toBe('StripeSetupIntent');
    expect(await session({ component: 'PAYMENT_ELEMENT', idempotencyKey: 'k-1' }, token)).toEqual(refused);

    expect((await session({ component: 'PAYMENT_ELEMENT', idempotencyKey: 'k-2' }, token)).__typename).toBe('StripeCustomerSession');
    expect(await session({ component: 'MOBILE_PAYMENT_ELEMENT', idempotencyKey: 'k-2' }, token)).toEqual(refused);
    expect(await session({ component: 'PAYMENT_ELEMENT', idempotencyKey: 'k-2', usage: 'ON_SESSION' }, token)).toEqual(refused);
    expect(await session({ component: 'PAYMENT_ELEMENT', idempotencyKey: 'k-2', withSetupIntent: false }, token)).toEqual(refused);
    const rest = await callRest(gateway.url, { token, headers: { 'idempotency-key': 'k-2' } });
    expect(rest.status).toBe(422);
    expect(Object.keys(rest.body.errors)).toEqual(['idempotency_key']);
  });

  it('leaves no live SetupIntent when the session fails: a StripeError, the SetupIntent canceled', async () => {
    await start();
    emulator.injectFault({
      match: { path: '/v1/customer_sessions' },
      kind: 'error',
      status: 400,
      type: 'invalid_request_error',
      message: 'Customer sessions are not enabled for this account.',
    });
    const answer = await session({ component: 'PAYMENT_ELEMENT' }, await tokenFor({ sub: 'leftover_user' }));
    expect(answer).toMatchObject({ __typename: 'StripeError', message: 'Customer sessions are not enabled for this account.', retryable: false });
    const intents = emulator.setupIntents();
    expect(intents).toHaveLength(1);
    expect(intents[0]?.status).toBe('canceled');
  });

  it('renews a session that expired before a repeat under the same key', async () => {
    await start({}, { customerSessionTtlSeconds: 4 });
    const token = await tokenFor({ sub: 'late_repeat' });
    const input = { component: 'PAYMENT_ELEMENT', idempotencyKey: 'late-key', withSetupIntent: false };
    const first = await session(input, token);
    await new Promise((resolve) => setTimeout(resolve, 3_200)); // under a quarter of its life left
    const repeat = await session(input, token);
    expect(repeat.customerId).toBe(first.customerId);
    expect(repeat.customerSessionClientSecret).not.toBe(first.customerSessionClientSecret);
    expect(Date.parse(repeat.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));
  });
});

describe('createStripeCustomerSession: guests and budgets', () => {
  let emulator: StripeEmulator;
  let gateway: TestGateway;
  let database: TestDatabase;
  async function start(env: Record<string, string>) {
    emulator = await startStripeEmulator();
    database = await BACKENDS[0]!.create();
    gateway = await startGateway(emulator, database.url, env);
  }
  afterEach(async () => {
    await gateway.close();
    await emulator.close();
    await database.drop();
  });
  const session = async (component: string) =>
    (await callGraphQL(gateway.url, SESSION_MUTATION, { variables: { input: { component } } })).body.data.createStripeCustomerSession;

  it('gives a guest a new customer, and spends the guest budget it shares with createStripeSetupIntent', async () => {
    await start({ GUEST_RATE_LIMIT_PER_MINUTE: '3' });
    const first = await session('PAYMENT_ELEMENT');
    expect((await callRest(gateway.url)).status).toBe(200);
    const second = await session('MOBILE_PAYMENT_ELEMENT');
    expect(second.customerId).not.toBe(first.customerId);
    expect(await session('CUSTOMER_SHEET')).toMatchObject({ __typename: 'RateLimitedError' });
    expect((await callRest(gateway.url)).status).toBe(429);
  });

  it('asks a guest to sign in with ALLOW_GUESTS=false', async () => {
    await start({ ALLOW_GUESTS: 'false' });
    expect(await session('PAYMENT_ELEMENT')).toMatchObject({ __typename: 'AuthenticationRequiredError' });
    expect(callsToStripe(emulator)).toEqual([]);
  });

  it('counts as the one setup intent of an operation', async () => {
    await start({});
    const { body } = await callGraphQL(
      gateway.url,
      'mutation { a: createStripeCustomerSession(input: { component: PAYMENT_ELEMENT }) { __typename } b: createStripeSetupIntent { __typename } }',
    );
    expect(body.errors[0].extensions.code).toBe('TOO_MANY_SETUP_INTENTS');
    expect(callsToStripe(emulator)).toEqual([]);
  });
});


describe('createStripeSetupIntent: ephemeralKeyExpiresAt, publishableKey and usage', () => {
  let emulator: StripeEmulator;
  let gateway: TestGateway;
  let database: TestDatabase;
  beforeEach(async () => {
    emulator = await startStripeEmulator();
    database = await BACKENDS[0]!.create();
    gateway = await startGateway(emulator, database.url, { STRIPE_PUBLISHABLE_KEY: 'pk_test_additions' });
  });
  afterEach(async () => {
    await gateway.close();
    await emulator.close();
    await database.drop();
  });

  it('answers when the ephemeral key expires (ISO 8601 UTC), the publishable key, and takes usage', async () => {
    const query = `mutation($input: CreateStripeSetupIntentInput) {
      createStripeSetupIntent(input: $input) { ... on StripeSetupIntent { ephemeralKeySecret ephemeralKeyExpiresAt publishableKey setupIntentClientSecret } }
    }`;
    const token = await tokenFor({ sub: 'additions_user' });
    const { body } = await callGraphQL(gateway.url, query, { token, variables: { input: { usage: 'ON_SESSION' } } });
    const result = body.data.createStripeSetupIntent;
    const key = emulator.ephemeralKeys().find((k) => k.secret === result.ephemeralKeySecret)!;
    expect(result.ephemeralKeyExpiresAt).toBe(new Date(key.expires * 1000).toISOString());
    expect(result.ephemeralKeyExpiresAt).toMatch(/Z$/);
    expect(result.publishableKey).toBe('pk_test_additions');
    expect(intentUsage(emulator, result.setupIntentClientSecret)).toBe('on_session');

    const plain = await callGraphQL(gateway.url, query, { token });
    expect(intentUsage(emulator, plain.body.data.createStripeSetupIntent.setupIntentClientSecret)).toBe('off_session');
    const rest = await callRest(gateway.url, { token, body: { usage: 'on_session' } });
    expect(Object.keys(rest.body)).toEqual(['customer_id', 'ephemeral_key_secret', 'setup_intent_client_secret']);
    expect(intentUsage(emulator, rest.body.setup_intent_client_secret)).toBe('on_session');
    const bad = await callRest(gateway.url, { token, body: { usage: 'sometimes' } });
    expect(bad).toMatchObject({ status: 422, body: { errors: { usage: ['Usage must be off_session or on_session'] } } });
  });
});

function intentUsage(emulator: StripeEmulator, clientSecret: string): string | undefined {
  return emulator.setupIntents().find((intent) => intent.client_secret === clientSecret)?.usage;
}

describe('createStripeCustomerSession while Stripe refuses a quarter of the requests', () => {
  it('leaves a live SetupIntent for every session answered, and none for a failed call', async () => {
    const emulator = await startStripeEmulator();
    const database = await BACKENDS[0]!.create();
    const gateway = await startGateway(emulator, database.url, { USER_RATE_LIMIT_PER_MINUTE: '1000' });
    try {
      const random = seededRandom(11);
      for (const path of ['/v1/customer_sessions', '/v1/setup_intents']) {
        emulator.injectFault({
          match: { method: 'POST', path },
          probability: 0.25,
          random,
          kind: 'error',
          status: 400,
          type: 'invalid_request_error',
          message: `Refused ${path}.`,
        });
      }
      const answers = [];
      for (let i = 0; i < 40; i++) {
        const token = await tokenFor({ sub: `faulty_${i % 8}` });
        const { body } = await callGraphQL(gateway.url, SESSION_MUTATION, {
          token,
          variables: { input: { component: ['MOBILE_PAYMENT_ELEMENT', 'PAYMENT_ELEMENT', 'CUSTOMER_SHEET'][i % 3] } },
        });
        answers.push(body.data.createStripeCustomerSession);
      }
      const saved = answers.filter((answer) => answer.__typename === 'StripeCustomerSession');
      const failed = answers.filter((answer) => answer.__typename === 'StripeError');
      expect(saved.length + failed.length).toBe(40);
      expect(failed.length).toBeGreaterThan(5); // the faults did bite
      expect(saved.length).toBeGreaterThan(5);
      const live = emulator.setupIntents().filter((intent) => intent.status !== 'canceled');
      expect(live.map((intent) => intent.client_secret).sort()).toEqual(saved.map((answer) => answer.setupIntentClientSecret).sort());
    } finally {
      await gateway.close();
      await emulator.close();
      await database.drop();
    }
  }, 60_000);
});
