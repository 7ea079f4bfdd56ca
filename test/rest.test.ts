import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { callRest, tokenFor } from './support/clients.js';
import { callsToStripe, useWorld } from './support/gateway.js';
import { SETUP_INTENT_REFUSED_ONCE } from './support/faults.js';

describe('REST POST /api/v2/storefront/stripe/setup_intents', () => {
  const world = useWorld();

  it('answers a guest with exactly the three snake_case fields, as JSON:API, never cached', async () => {
    const { status, headers, body } = await callRest(world().gateway.url);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/vnd.api+json');
    expect(headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(body).sort()).toEqual(['customer_id', 'ephemeral_key_secret', 'setup_intent_client_secret']);
    expect(body.customer_id).toMatch(/^cus_/);
    expect(body.ephemeral_key_secret).toMatch(/^ek_test_/);
    expect(body.setup_intent_client_secret).toMatch(/^seti_\w+_secret_\w+$/);

    const [intent] = world().emulator.setupIntents();
    expect(intent?.client_secret).toBe(body.setup_intent_client_secret);
    expect(intent?.customer).toBe(body.customer_id);
    expect(intent?.automatic_payment_methods?.enabled).toBe(true);
    expect(world().emulator.ephemeralKeys()[0]?.secret).toBe(body.ephemeral_key_secret);
  });

  it('gives a guest a new customer on every call', async () => {
    const first = await callRest(world().gateway.url);
    const second = await callRest(world().gateway.url);
    expect(first.body.customer_id).not.toBe(second.body.customer_id);
    expect(world().emulator.customers()).toHaveLength(2);
  });

  it('creates a signed-in user’s customer once, with email, name and user_id, and reuses it', async () => {
    const token = await tokenFor({ sub: 'user_42', email: 'ada@example.com', name: 'Ada Lovelace' });
    const first = await callRest(world().gateway.url, { token });
    const second = await callRest(world().gateway.url, { token });
    expect(first.status).toBe(200);
    expect(second.body.customer_id).toBe(first.body.customer_id);
    expect(second.body.setup_intent_client_secret).not.toBe(first.body.setup_intent_client_secret);

    const customers = world().emulator.customers();
    expect(customers).toHaveLength(1);
    expect(customers[0]).toMatchObject({
      id: first.body.customer_id,
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      metadata: { user_id: 'user_42' },
    });
    for (const intent of world().emulator.setupIntents()) expect(intent.metadata).toEqual({ user_id: 'user_42' });
  });

  it('creates the ephemeral key with the client’s stripe_version, else the configured default', async () => {
    await callRest(world().gateway.url, { body: { stripe_version: '2024-06-20' } });
    await callRest(world().gateway.url, { body: {}, contentType: 'application/json' });
    await callRest(world().gateway.url);
    const versions = world().emulator.ephemeralKeys().map((key) => key.apiVersion);
    expect(versions).toEqual(['2024-06-20', Stripe.API_VERSION, Stripe.API_VERSION]);
  });

  it('refuses a malformed stripe_version with 422 keyed by the body field, creating nothing', async () => {
    for (const stripe_version of ['yesterday', 20240620, '2024-13-01', '']) {
      const { status, headers, body } = await callRest(world().gateway.url, { body: { stripe_version } });
      expect(status).toBe(422);
      expect(headers.get('content-type')).toBe('application/vnd.api+json');
      expect(body.error).toMatch(/Stripe version/);
      expect(body.errors).toEqual({ stripe_version: [expect.stringMatching(/Stripe API version/)] });
    }
    expect(callsToStripe(world().emulator)).toHaveLength(0);
  });

  it('refuses an unusable Idempotency-Key with 422 errors.idempotency_key', async () => {
    const { status, body } = await callRest(world().gateway.url, { headers: { 'idempotency-key': 'x'.repeat(256) } });
    expect(status).toBe(422);
    expect(Object.keys(body.errors)).toEqual(['idempotency_key']);
  });

  it('answers 401 for a bad bearer token and makes no Stripe call', async () => {
    const forged = await tokenFor({ sub: 'user_1' }, 'not-the-gateway-secret-at-all-0123456789');
    const expired = await import('../src/auth/dev-token.js').then(({ mintToken }) =>
      mintToken({ sub: 'user_1' }, { secret: 'test-secret-for-the-gateway-suite-0123456789', expiresIn: '-1m' }),
    );
    for (const authorization of [`Bearer ${forged}`, `Bearer ${expired}`, 'Bearer not.a.jwt', 'Basic dXNlcjpwYXNz']) {
      const { status, headers, body } = await callRest(world().gateway.url, { headers: { authorization } });
      expect(status, authorization).toBe(401);
      expect(headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(typeof body.error).toBe('string');
    }
    expect(callsToStripe(world().emulator)).toHaveLength(0);
  });

  it('turns a Stripe refusal into 422 with Stripe’s message, code and request id', async () => {
    world().emulator.injectFault(SETUP_INTENT_REFUSED_ONCE);
    const { status, body } = await callRest(world().gateway.url);
    expect(status).toBe(422);
    expect(body).toMatchObject({
      error: 'This SetupIntent cannot be created right now.',
      code: 'setup_intent_unexpected_state',
      request_id: expect.stringMatching(/^req_/),
      retryable: false,
    });
    const requestIds = world().emulator.requests().map((request) => request.requestId);
    expect(requestIds).toContain(body.request_id);
  });

  it('retries what Stripe says is safe to retry, with the same idempotency key', async () => {
    world().emulator.injectFault({
      match: { path: '/v1/setup_intents' },
      times: 1,
      kind: 'error',
      status: 500,
      type: 'api_error',
      message: 'Something went wrong on Stripe’s end.',
    });
    const { status } = await callRest(world().gateway.url);
    expect(status).toBe(200);
    const attempts = world().emulator.requests().filter((request) => request.path === '/v1/setup_intents');
    expect(attempts).toHaveLength(2);
    expect(attempts[0]?.idempotencyKey).toBeTruthy();
    expect(attempts[1]?.idempotencyKey).toBe(attempts[0]?.idempotencyKey);
    expect(world().emulator.setupIntents()).toHaveLength(1);
  });

  it('answers HTTP-level mistakes in JSON, never HTML', async () => {
    const cases = [
      { call: { body: '{"stripe_version": ', contentType: 'application/json' }, status: 400 },
      { call: { body: '[1, 2]', contentType: 'application/json' }, status: 400 },
      { call: { body: { stripe_version: 'x'.repeat(20_000) } }, status: 413 },
      { call: { body: 'stripe_version=2024-06-20', contentType: 'application/x-www-form-urlencoded' }, status: 415 },
      { call: { method: 'GET' }, status: 405 },
    ];
    for (const { call, status } of cases) {
      const answer = await callRest(world().gateway.url, call);
      expect(answer.status, JSON.stringify(call).slice(0, 80)).toBe(status);
      expect(answer.headers.get('content-type')).toBe('application/vnd.api+json');
      expect(typeof answer.body.error).toBe('string');
    }
    const unknown = await fetch(`${world().gateway.url}/api/v2/storefront/nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: expect.any(String) });
    expect(callsToStripe(world().emulator)).toHaveLength(0);
  });

  it('masks unexpected failures as 500 with no detail', async () => {
    await world().gateway.app.services.store.close();
    const token = await tokenFor({ sub: 'user_1' });
    const { status, body } = await callRest(world().gateway.url, { token });
    expect(status).toBe(500);
    expect(body).toEqual({ error: 'Internal server error.' });
  });
});

describe('REST with ALLOW_GUESTS=false', () => {
  const world = useWorld({ ALLOW_GUESTS: 'false' });

  it('refuses a call without a token with 403 and serves signed-in users', async () => {
    const guest = await callRest(world().gateway.url);
    expect(guest.status).toBe(403);
    expect(guest.body.error).toMatch(/Sign in/);
    expect(callsToStripe(world().emulator)).toHaveLength(0);
    const user = await callRest(world().gateway.url, { token: await tokenFor({ sub: 'user_1' }) });
    expect(user.status).toBe(200);
  });
});
