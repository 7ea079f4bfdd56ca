import { describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { DEFAULT_EMULATOR_PUBLISHABLE_KEY, seededRandom, startStripeEmulator } from '../../src/emulator/index.js';
import { FAULT_OPERATIONS, namedFault, NAMED_FAULTS, type FaultOperation } from '../../src/emulator/named-faults.js';
import { call, sdk, useEmulator, waitForRequests } from './helpers.js';

async function elapsedMs(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

describe('emulator faults: error', () => {
  const t = useEmulator();

  it('answers with the given status, type, code, decline code and param, doing no work', async () => {
    t.emu.injectFault({
      kind: 'error',
      status: 402,
      type: 'card_error',
      code: 'card_declined',
      declineCode: 'insufficient_funds',
      param: 'payment_method',
      message: 'Your card has insufficient funds.',
    });
    await expect(t.stripe.customers.create()).rejects.toMatchObject({
      type: 'StripeCardError',
      statusCode: 402,
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      param: 'payment_method',
      message: 'Your card has insufficient funds.',
    });
    expect(t.emu.customers()).toHaveLength(0);
  });

  it('sets Stripe-Should-Retry when asked', async () => {
    const retry = t.emu.injectFault({ kind: 'error', status: 503, type: 'api_error', shouldRetry: true });
    const yes = await call(t.emu, 'GET', '/v1/customers');
    expect(yes.status).toBe(503);
    expect(yes.json.error).toMatchObject({ type: 'api_error' });
    expect(yes.headers.get('stripe-should-retry')).toBe('true');
    retry.remove();
    t.emu.injectFault({ kind: 'error', status: 429, type: 'invalid_request_error', code: 'rate_limit', shouldRetry: false });
    const no = await call(t.emu, 'GET', '/v1/customers');
    expect(no.status).toBe(429);
    expect(no.json.error).toMatchObject({ code: 'rate_limit' });
    expect(no.headers.get('stripe-should-retry')).toBe('false');
  });

  it('rate-limit: Stripe’s 429 shape, before the idempotency layer; lock timeouts ask for a retry', async () => {
    t.emu.injectFault({ kind: 'rate-limit', times: 1 });
    const limited = await call(t.emu, 'POST', '/v1/customers', { headers: { 'Idempotency-Key': 'limited' } });
    expect(limited.status).toBe(429);
    expect(limited.json.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'rate_limit',
      doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
      message: expect.stringMatching(/^Request rate limit exceeded/),
    });
    expect(limited.headers.get('stripe-should-retry')).toBeNull();
    expect((await call(t.emu, 'POST', '/v1/customers', { headers: { 'Idempotency-Key': 'limited' } })).status).toBe(200);

    t.emu.injectFault({ kind: 'rate-limit', reason: 'lock_timeout', times: 1 });
    await expect(t.stripe.customers.create()).rejects.toMatchObject({ type: 'StripeRateLimitError', code: 'lock_timeout' });
    const retrying = sdk(t.emu, undefined, { maxNetworkRetries: 1 });
    t.emu.injectFault({ kind: 'rate-limit', reason: 'lock_timeout', times: 1 });
    await expect(retrying.customers.create()).resolves.toMatchObject({ object: 'customer' });
  });

  it('matches by method and by exact or RegExp path', async () => {
    t.emu.injectFault({ kind: 'error', status: 500, type: 'api_error', match: { method: 'post', path: '/v1/setup_intents' } });
    t.emu.injectFault({ kind: 'error', status: 502, type: 'api_error', match: { path: /^\/v1\/customers\/cus_/ } });
    expect((await call(t.emu, 'POST', '/v1/customers')).status).toBe(200);
    expect((await call(t.emu, 'POST', '/v1/setup_intents')).status).toBe(500);
    expect((await call(t.emu, 'GET', '/v1/customers/cus_abc')).status).toBe(502);
    expect((await call(t.emu, 'GET', '/v1/customers')).status).toBe(200);
  });

  it('auto-removes after `times`, and remove()/clearFaults() undo faults', async () => {
    t.emu.injectFault({ kind: 'error', status: 500, type: 'api_error', times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(t.emu, 'GET', '/v1/customers')).status);
    expect(statuses).toEqual([500, 500, 200]);

    const handle = t.emu.injectFault({ kind: 'error', status: 500, type: 'api_error' });
    expect((await call(t.emu, 'GET', '/v1/customers')).status).toBe(500);
    handle.remove();
    expect((await call(t.emu, 'GET', '/v1/customers')).status).toBe(200);

    t.emu.injectFault({ kind: 'error', status: 500, type: 'api_error' });
    t.emu.clearFaults();
    expect((await call(t.emu, 'GET', '/v1/customers')).status).toBe(200);
  });

  it('applies `probability` with the injected random source', async () => {
    t.emu.injectFault({ kind: 'error', status: 500, type: 'api_error', probability: 0.5, random: seededRandom(7) });
    const draws = seededRandom(7);
    const expected = Array.from({ length: 20 }, () => (draws() < 0.5 ? 500 : 200));
    expect(expected).toContain(500);
    expect(expected).toContain(200);
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await call(t.emu, 'GET', '/v1/customers')).status);
    expect(statuses).toEqual(expected);
  });

  it('counts only hits towards `times` when combined with probability', async () => {
    const script = [0.9, 0.1, 0.9, 0.1, 0.1];
    t.emu.injectFault({ kind: 'error', status: 500, type: 'api_error', probability: 0.5, times: 2, random: () => script.shift()! });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(t.emu, 'GET', '/v1/customers')).status);
    expect(statuses).toEqual([200, 500, 200, 500, 200]);
    expect(script).toEqual([0.1]); // removed after its second hit: no further draws
  });

  it('rejects malformed specs', () => {
    expect(() => t.emu.injectFault({ kind: 'reset', times: 0 })).toThrow(RangeError);
    expect(() => t.emu.injectFault({ kind: 'reset', probability: 1.5 })).toThrow(RangeError);
    expect(() => t.emu.injectFault({ kind: 'error', status: 200, type: 'api_error' })).toThrow(RangeError);
    expect(() => t.emu.injectFault({ kind: 'error', status: 500, type: 'api_error', stage: 'later' as 'edge' })).toThrow(RangeError);
    expect(() => t.emu.injectFault({ kind: 'rate-limit', reason: 'busy' as 'rate_limit' })).toThrow(RangeError);
  });
});

describe('emulator faults: connection', () => {
  const t = useEmulator();

  it('reset: the SDK raises StripeConnectionError and nothing is created', async () => {
    t.emu.injectFault({ kind: 'reset', match: { path: '/v1/customers' } });
    await expect(t.stripe.customers.create()).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);
    // The SDK retries a closed connection once even with maxNetworkRetries 0.
    expect(t.emu.requests().map((r) => r.status)).toEqual([0, 0]);
    expect(t.emu.customers()).toHaveLength(0);
  });

  it('hang: the SDK times out with a StripeConnectionError', async () => {
    t.emu.injectFault({ kind: 'hang' });
    const impatient = sdk(t.emu, undefined, { timeout: 200 });
    const error = await impatient.customers.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect((error as Error).message).toMatch(/timeout/);
  });

  it('reset-after-commit: the SDK’s retry with the same idempotency key gets the replay, one object', async () => {
    t.emu.injectFault({ kind: 'reset-after-commit', times: 1, match: { method: 'POST', path: '/v1/customers' } });
    const customer = await t.stripe.customers.create({ email: 'once@example.com' });
    expect(t.emu.customers().map((c) => c.id)).toEqual([customer.id]);
    const [lost, replay] = t.emu.requests();
    expect(lost).toMatchObject({ status: 0, replayed: false });
    expect(replay).toMatchObject({ status: 200, replayed: true, idempotencyKey: lost!.idempotencyKey });
  });

  it('reset-after-commit without an idempotency key: the client fails but the object exists', async () => {
    t.emu.injectFault({ kind: 'reset-after-commit', times: 1 });
    await expect(call(t.emu, 'POST', '/v1/customers', { body: 'name=orphan' })).rejects.toThrow();
    expect(t.emu.customers()).toEqual([expect.objectContaining({ name: 'orphan' })]);
  });
});

describe('emulator faults: latency', () => {
  const t = useEmulator();

  it('setLatency() delays every answer', async () => {
    t.emu.setLatency(150);
    expect(await elapsedMs(() => t.stripe.customers.list())).toBeGreaterThanOrEqual(140);
    t.emu.setLatency(0);
    expect(await elapsedMs(() => t.stripe.customers.list())).toBeLessThan(140);
  });

  it('a latency fault delays only matching requests, adding to others', async () => {
    t.emu.injectFault({ kind: 'latency', ms: 200, match: { method: 'GET' } });
    t.emu.injectFault({ kind: 'latency', ms: 100, match: { method: 'GET' }, times: 1 });
    expect(await elapsedMs(() => t.stripe.customers.list())).toBeGreaterThanOrEqual(290);
    expect(await elapsedMs(() => t.stripe.customers.list())).toBeGreaterThanOrEqual(190);
    expect(await elapsedMs(() => t.stripe.customers.create())).toBeLessThan(190);
  });

  it('honours the latencyMs option', async () => {
    const slow = await startStripeEmulator({ latencyMs: 120 });
    try {
      expect(await elapsedMs(() => sdk(slow).customers.list())).toBeGreaterThanOrEqual(110);
    } finally {
      await slow.close();
    }
  });
});

describe('named faults (what the sandbox’s POST /_sandbox/faults injects), as Stripe sends them', () => {
  const t = useEmulator();
  /** A SetupIntent for a new customer, confirmed as Stripe.js does: publishable key and client secret. */
  const confirmNew = async (paymentMethod = 'pm_card_visa') => {
    const customer = await t.stripe.customers.create();
    const intent = await t.stripe.setupIntents.create({ customer: customer.id });
    return sdk(t.emu, DEFAULT_EMULATOR_PUBLISHABLE_KEY).setupIntents.confirm(intent.id, {
      payment_method: paymentMethod,
      client_secret: intent.client_secret,
    } as Stripe.SetupIntentConfirmParams);
  };

  it('rate_limited: HTTP 429 with invalid_request_error and code rate_limit (Stripe has no rate_limit_error type)', async () => {
    t.emu.injectFault(namedFault('rate_limited', 'customers', 1));
    const limited = await call(t.emu, 'POST', '/v1/customers');
    expect(limited.status).toBe(429);
    expect(limited.json.error).toMatchObject({ type: 'invalid_request_error', code: 'rate_limit', message: expect.any(String) });
    t.emu.injectFault(namedFault('rate_limited', 'customers', 1));
    await expect(t.stripe.customers.create()).rejects.toMatchObject({
      type: 'StripeRateLimitError',
      statusCode: 429,
      code: 'rate_limit',
      rawType: 'invalid_request_error',
    });
    expect((await call(t.emu, 'POST', '/v1/customers')).status).toBe(200);
  });

  it('card_declined: only where Stripe declines a card, confirming a SetupIntent; never on creating objects', async () => {
    t.emu.injectFault(namedFault('card_declined', 'confirm_setup_intent', 1));
    // Customer, ephemeral key, customer session and SetupIntent are created as usual …
    const customer = await t.stripe.customers.create();
    await t.stripe.ephemeralKeys.create({ customer: customer.id }, { apiVersion: Stripe.API_VERSION });
    await t.stripe.customerSessions.create({ customer: customer.id, components: { payment_element: { enabled: true } } });
    await t.stripe.setupIntents.create({ customer: customer.id });
    // … and the confirmation declines, as Stripe's would, then the next one succeeds.
    await expect(confirmNew()).rejects.toMatchObject({
      type: 'StripeCardError',
      statusCode: 402,
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    await expect(confirmNew()).resolves.toMatchObject({ status: 'succeeded' });

    // Attaching a payment method to a customer is the other place Stripe declines a card.
    t.emu.injectFault(namedFault('card_declined', 'attach_payment_method', 1));
    await expect(t.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id })).rejects.toMatchObject({
      type: 'StripeCardError',
      code: 'card_declined',
    });
    await expect(t.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id })).resolves.toMatchObject({ customer: customer.id });
  });

  it('card_declined cannot be aimed at a request Stripe never declines', () => {
    const declinable = NAMED_FAULTS.card_declined.operations as readonly FaultOperation[];
    expect(declinable).toEqual(['confirm_setup_intent', 'attach_payment_method']);
    for (const operation of Object.keys(FAULT_OPERATIONS) as FaultOperation[]) {
      if (declinable.includes(operation)) continue;
      expect(() => namedFault('card_declined', operation, 1), operation).toThrow(RangeError);
    }
    expect(NAMED_FAULTS.rate_limited.operations).toEqual(Object.keys(FAULT_OPERATIONS));
  });
});

describe('emulator close()', () => {
  it('completes while a request hangs and while a latency timer is pending', async () => {
    const emu = await startStripeEmulator();
    emu.injectFault({ kind: 'hang', match: { path: '/v1/customers' } });
    emu.injectFault({ kind: 'latency', ms: 60_000, match: { path: '/v1/account' } });
    const hung = call(emu, 'GET', '/v1/customers').then(
      () => 'answered',
      () => 'failed',
    );
    const slow = call(emu, 'GET', '/v1/account').then(
      () => 'answered',
      () => 'failed',
    );
    await waitForRequests(emu, 2);
    const closing = await elapsedMs(() => emu.close());
    expect(closing).toBeLessThan(1000);
    expect(await hung).toBe('failed');
    expect(await slow).toBe('failed');
    await expect(emu.close()).resolves.toBeUndefined(); // idempotent
  });
});
