import { describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { DEFAULT_EMULATOR_SECRET_KEY } from '../../src/emulator/index.js';
import { RequestLog } from '../../src/emulator/request-log.js';
import { call, sdk, useEmulator } from './helpers.js';

describe('emulator wire: authentication', () => {
  const t = useEmulator();

  it('401s without an API key, with Stripe’s message and invalid_request_error type', async () => {
    const res = await call(t.emu, 'GET', '/v1/customers', { key: null });
    expect(res.status).toBe(401);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error' });
    expect(res.json.error!.message).toMatch(/^You did not provide an API key\. /);
    expect(t.emu.requests()[0]!.status).toBe(401);
  });

  it('401s a wrong key without echoing it, and the SDK raises StripeAuthenticationError', async () => {
    const wrongKey = 'sk_test_WRONGwrongWRONGwrong9876';
    const res = await call(t.emu, 'GET', '/v1/customers', { key: wrongKey });
    expect(res.status).toBe(401);
    expect(res.json.error!.message).toBe('Invalid API Key provided: sk_test_****9876');
    expect(res.text).not.toContain(wrongKey);
    await expect(sdk(t.emu, wrongKey).customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it('accepts HTTP Basic with the key as user name', async () => {
    const basic = Buffer.from(`${DEFAULT_EMULATOR_SECRET_KEY}:`).toString('base64');
    const res = await call(t.emu, 'GET', '/v1/customers', { key: null, headers: { Authorization: `Basic ${basic}` } });
    expect(res.status).toBe(200);
    const wrong = Buffer.from('sk_test_nope:').toString('base64');
    expect((await call(t.emu, 'GET', '/v1/customers', { key: null, headers: { Authorization: `Basic ${wrong}` } })).status).toBe(401);
  });
});

describe('emulator wire: configured keys and livemode', () => {
  const liveKey = 'sk_live_emulatorLIVE0000000000';
  const testKey = 'sk_test_emulatorTEST0000000000';
  const t = useEmulator({ secretKeys: [liveKey, testKey], accountId: 'acct_fixed123' });

  it('accepts only the configured keys', async () => {
    expect((await call(t.emu, 'GET', '/v1/customers', { key: DEFAULT_EMULATOR_SECRET_KEY })).status).toBe(401);
    expect((await call(t.emu, 'GET', '/v1/customers', { key: testKey })).status).toBe(200);
  });

  it('makes live-mode objects for an sk_live_ key, invisible to test keys', async () => {
    const customer = await t.stripe.customers.create();
    expect(customer.livemode).toBe(true);
    const intent = await t.stripe.setupIntents.create({ customer: customer.id });
    expect(intent.livemode).toBe(true);
    const key = await t.stripe.ephemeralKeys.create({ customer: customer.id }, { apiVersion: '2020-08-27' });
    expect(key.secret).toMatch(/^ek_live_/);
    await expect(sdk(t.emu, testKey).customers.retrieve(customer.id)).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: expect.stringMatching(/a similar object exists in live mode, but a test mode key was used/),
    });
  });

  it('reports the configured account id', async () => {
    expect(await t.stripe.accounts.retrieveCurrent()).toMatchObject({ id: 'acct_fixed123', object: 'account' });
    expect(t.emu.accountId).toBe('acct_fixed123');
  });
});

describe('emulator wire: form decoding and strict parameters', () => {
  const t = useEmulator();

  it('decodes bracket notation, percent-encoded or not, and records decoded params', async () => {
    const res = await call(t.emu, 'POST', '/v1/customers', {
      body: 'email=a%2Bb%40example.com&name=Ada+L&metadata[user_id]=u1&metadata%5Bplan%5D=pro&metadata[0]=zero',
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ email: 'a+b@example.com', name: 'Ada L', metadata: { user_id: 'u1', plan: 'pro', 0: 'zero' } });
    expect(t.emu.requests()[0]!.params).toEqual({
      email: 'a+b@example.com',
      name: 'Ada L',
      metadata: { user_id: 'u1', plan: 'pro', 0: 'zero' },
    });
  });

  it('keeps numeric metadata keys as keys, not list indices', async () => {
    const res = await call(t.emu, 'POST', '/v1/customers', { body: 'metadata[0]=zero&metadata[1]=one' });
    expect(res.json.metadata).toEqual({ 0: 'zero', 1: 'one' });
    expect(Array.isArray(res.json.metadata)).toBe(false);
  });

  it('accepts lists as expand[]=x, expand[0]=x and payment_method_types[n]', async () => {
    const { id } = await t.stripe.customers.create();
    for (const expand of ['expand[]=customer', 'expand[0]=customer', 'expand%5B0%5D=customer']) {
      const res = await call(t.emu, 'POST', '/v1/setup_intents', { body: `customer=${id}&${expand}` });
      expect(res.json.customer, expand).toMatchObject({ id, object: 'customer' });
    }
    const typed = await call(t.emu, 'POST', '/v1/setup_intents', {
      body: 'payment_method_types[0]=card&payment_method_types[1]=us_bank_account',
    });
    expect(typed.json.payment_method_types).toEqual(['card', 'us_bank_account']);
  });

  it('400s parameter_unknown for an unknown parameter, naming it', async () => {
    const res = await call(t.emu, 'POST', '/v1/customers', { body: 'email=a%40example.com&foo=bar' });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'parameter_unknown',
      param: 'foo',
      message: 'Received unknown parameter: foo',
    });
    const viaSdk = t.stripe.customers.create({ email: 'a@example.com', shoe_size: '42' } as Stripe.CustomerCreateParams);
    await expect(viaSdk).rejects.toMatchObject({ code: 'parameter_unknown', param: 'shoe_size' });
    expect(t.emu.customers()).toHaveLength(0);
  });

  it('rejects a hash where a string is expected and a string where a hash is expected', async () => {
    const nested = await call(t.emu, 'POST', '/v1/customers', { body: 'email[x]=y' });
    expect(nested.json.error).toMatchObject({ param: 'email', type: 'invalid_request_error' });
    const flat = await call(t.emu, 'POST', '/v1/customers', { body: 'metadata=oops' });
    expect(flat.json.error).toMatchObject({ param: 'metadata', type: 'invalid_request_error' });
  });
});

describe('emulator wire: routing and headers', () => {
  const t = useEmulator();

  it('answers unknown routes with Stripe’s Unrecognized request URL 404', async () => {
    const res = await call(t.emu, 'GET', '/v1/foo');
    expect(res.status).toBe(404);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error' });
    expect(res.json.error!.message).toMatch(/^Unrecognized request URL \(GET: \/v1\/foo\)/);
    const wrongMethod = await call(t.emu, 'PUT', '/v1/customers');
    expect(wrongMethod.json.error!.message).toMatch(/^Unrecognized request URL \(PUT: \/v1\/customers\)/);
  });

  it('sends a unique Request-Id, JSON content type and the Stripe-Version used', async () => {
    const first = await call(t.emu, 'GET', '/v1/customers', { headers: { 'Stripe-Version': '2024-06-20' } });
    const second = await call(t.emu, 'GET', '/v1/customers');
    expect(first.headers.get('request-id')).toMatch(/^req_[A-Za-z0-9]+$/);
    expect(first.headers.get('request-id')).not.toBe(second.headers.get('request-id'));
    expect(first.headers.get('content-type')).toBe('application/json');
    expect(first.headers.get('stripe-version')).toBe('2024-06-20');
    expect(second.headers.get('stripe-version')).toBe(Stripe.API_VERSION); // the account default
  });

  it.each(['2024-06-21', '2025-03-31.acacia', '2099-01-01'])(
    '400s a Stripe-Version Stripe never released (%s), saving nothing under the idempotency key',
    async (version) => {
      const refused = await call(t.emu, 'POST', '/v1/customers', {
        headers: { 'Stripe-Version': version, 'Idempotency-Key': `version-${version}` },
      });
      expect(refused.status).toBe(400);
      expect(refused.json.error).toMatchObject({ type: 'invalid_request_error', message: `Invalid Stripe API version: ${version}` });
      const released = await call(t.emu, 'POST', '/v1/customers', {
        headers: { 'Stripe-Version': '2025-03-31.basil', 'Idempotency-Key': `version-${version}` },
      });
      expect(released.status).toBe(200);
      expect(released.headers.get('idempotent-replayed')).toBeNull();
    },
  );

  it('includes request_log_url in error envelopes and 400s an invalid Stripe-Version', async () => {
    const res = await call(t.emu, 'GET', '/v1/customers', { headers: { 'Stripe-Version': 'yesterday' } });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({
      type: 'invalid_request_error',
      message: 'Invalid Stripe API version: yesterday',
      request_log_url: `https://dashboard.stripe.com/test/logs/${res.headers.get('request-id')}`,
    });
  });

  it('records requests with method, path, status, keys and versions, until resetRequests()', async () => {
    await t.stripe.customers.create({ email: 'r@example.com' }, { idempotencyKey: 'idem-1' });
    await call(t.emu, 'GET', '/v1/customers?limit=3');
    const [post, get] = t.emu.requests();
    expect(post).toMatchObject({
      method: 'POST',
      path: '/v1/customers',
      status: 200,
      idempotencyKey: 'idem-1',
      stripeVersion: Stripe.API_VERSION,
      replayed: false,
      params: { email: 'r@example.com' },
    });
    expect(get).toMatchObject({ method: 'GET', path: '/v1/customers', status: 200, params: { limit: '3' } });
    expect(get!.stripeVersion).toBeUndefined();
    t.emu.resetRequests();
    expect(t.emu.requests()).toEqual([]);
  });
});

describe('emulator request log', () => {
  it('keeps only the newest entries, oldest first', () => {
    const log = new RequestLog(3);
    for (let i = 0; i < 5; i++) {
      log.add({ method: 'GET', path: `/v1/${i}`, status: 200, requestId: `req_${i}`, receivedAt: i, replayed: false, params: {} });
    }
    expect(log.list().map((r) => r.path)).toEqual(['/v1/2', '/v1/3', '/v1/4']);
  });
});
