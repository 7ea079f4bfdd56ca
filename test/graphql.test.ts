import { describe, expect, it } from 'vitest';
import { callGraphQL, SETUP_INTENT_MUTATION, tokenFor } from './support/clients.js';
import { callsToStripe, useWorld } from './support/gateway.js';
import { CARD_DECLINED_ONCE } from './support/faults.js';

describe('GraphQL createStripeSetupIntent', () => {
  const world = useWorld();

  it('returns StripeSetupIntent itself as the success member, never cached', async () => {
    const { status, headers, body } = await callGraphQL(world().gateway.url, SETUP_INTENT_MUTATION);
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    const result = body.data.createStripeSetupIntent;
    expect(result).toEqual({
      __typename: 'StripeSetupIntent',
      customerId: expect.stringMatching(/^cus_/),
      ephemeralKeySecret: expect.stringMatching(/^ek_test_/),
      setupIntentClientSecret: expect.stringMatching(/^seti_\w+_secret_\w+$/),
    });
    expect(world().emulator.setupIntents()[0]?.client_secret).toBe(result.setupIntentClientSecret);
  });

  it('reuses a signed-in user’s customer and passes stripeVersion to the ephemeral key', async () => {
    const token = await tokenFor({ sub: 'user_7', email: 'grace@example.com' });
    const first = await callGraphQL(world().gateway.url, SETUP_INTENT_MUTATION, {
      token,
      variables: { input: { stripeVersion: '2025-03-31.basil' } },
    });
    const second = await callGraphQL(world().gateway.url, SETUP_INTENT_MUTATION, { token });
    expect(second.body.data.createStripeSetupIntent.customerId).toBe(first.body.data.createStripeSetupIntent.customerId);
    expect(world().emulator.customers()).toHaveLength(1);
    expect(world().emulator.ephemeralKeys()[0]?.apiVersion).toBe('2025-03-31.basil');
  });

  it('answers bad input with ValidationError naming the GraphQL input fields', async () => {
    const { body } = await callGraphQL(world().gateway.url, SETUP_INTENT_MUTATION, {
      variables: { input: { stripeVersion: 'latest', idempotencyKey: 'has spaces' } },
    });
    expect(body.data.createStripeSetupIntent).toMatchObject({
      __typename: 'ValidationError',
      message: expect.stringContaining('Stripe version'),
      fieldErrors: [
        { field: 'stripeVersion', messages: [expect.any(String)] },
        { field: 'idempotencyKey', messages: [expect.any(String)] },
      ],
    });
    expect(callsToStripe(world().emulator)).toHaveLength(0);
  });

  it('answers a Stripe refusal with StripeError carrying code, decline code and request id', async () => {
    world().emulator.injectFault(CARD_DECLINED_ONCE);
    const { body } = await callGraphQL(world().gateway.url, SETUP_INTENT_MUTATION);
    expect(body.data.createStripeSetupIntent).toEqual({
      __typename: 'StripeError',
      message: 'Your card was declined.',
      code: 'card_declined',
      declineCode: 'generic_decline',
      requestId: expect.stringMatching(/^req_/),
      retryable: false,
    });
  });

  it('keeps the operator’s credentials problem out of the client’s message', async () => {
    world().emulator.injectFault({
      kind: 'error',
      status: 401,
      type: 'invalid_request_error',
      message: 'Invalid API Key provided: sk_test_****abcd',
    });
    const { body } = await callGraphQL(world().gateway.url, SETUP_INTENT_MUTATION);
    expect(body.data.createStripeSetupIntent.__typename).toBe('StripeError');
    expect(body.data.createStripeSetupIntent.message).not.toMatch(/sk_test/);
  });

  it('fails the whole request with 401 UNAUTHENTICATED for a bad token, with no Stripe call', async () => {
    const forged = await tokenFor({ sub: 'user_1' }, 'another-secret-another-secret-0123456789');
    for (const query of [SETUP_INTENT_MUTATION, '{ viewer { signedIn } }']) {
      const { status, body } = await callGraphQL(world().gateway.url, query, { token: forged });
      expect(status).toBe(401);
      expect(body.data ?? null).toBeNull();
      expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    expect(callsToStripe(world().emulator)).toHaveLength(0);
  });

  it('tells the viewer who they are and their stored customer without creating one', async () => {
    const token = await tokenFor({ sub: 'user_9', email: 'e@example.com', name: 'Edsger' });
    const viewerQuery = '{ viewer { signedIn userId email name stripeCustomerId } }';
    const before = await callGraphQL(world().gateway.url, viewerQuery, { token });
    expect(before.body.data.viewer).toEqual({
      signedIn: true,
      userId: 'user_9',
      email: 'e@example.com',
      name: 'Edsger',
      stripeCustomerId: null,
    });
    expect(world().emulator.customers()).toHaveLength(0);

    const saved = await callGraphQL(world().gateway.url, SETUP_INTENT_MUTATION, { token });
    const after = await callGraphQL(world().gateway.url, viewerQuery, { token });
    expect(after.body.data.viewer.stripeCustomerId).toBe(saved.body.data.createStripeSetupIntent.customerId);

    const guest = await callGraphQL(world().gateway.url, viewerQuery);
    expect(guest.body.data.viewer).toEqual({
      signedIn: false,
      userId: null,
      email: null,
      name: null,
      stripeCustomerId: null,
    });
  });

  it('masks unexpected failures', async () => {
    await world().gateway.app.services.store.close();
    const token = await tokenFor({ sub: 'user_1' });
    const { body } = await callGraphQL(world().gateway.url, SETUP_INTENT_MUTATION, { token });
    expect(body.errors[0].message).toBe('Unexpected error.');
    expect(JSON.stringify(body)).not.toMatch(/database|sqlite|at /i);
  });

  it('serves GraphiQL to a browser at GET /graphql', async () => {
    const page = await fetch(`${world().gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('createStripeSetupIntent');
  });
});

describe('GraphQL with ALLOW_GUESTS=false and GraphiQL off', () => {
  const world = useWorld({ ALLOW_GUESTS: 'false', GRAPHIQL: 'false' });

  it('answers a guest with AuthenticationRequiredError', async () => {
    const { body } = await callGraphQL(world().gateway.url, SETUP_INTENT_MUTATION);
    expect(body.data.createStripeSetupIntent).toEqual({
      __typename: 'AuthenticationRequiredError',
      message: expect.stringMatching(/Sign in/),
    });
    expect(callsToStripe(world().emulator)).toHaveLength(0);
  });

  it('does not serve GraphiQL', async () => {
    const page = await fetch(`${world().gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('<html');
  });
});
