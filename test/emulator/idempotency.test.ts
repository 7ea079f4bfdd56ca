import { describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { DEFAULT_EMULATOR_SECRET_KEY } from '../../src/emulator/index.js';
import { IdempotencyStore } from '../../src/emulator/idempotency.js';
import { call, sdk, useEmulator, waitForRequests } from './helpers.js';

const idem = (key: string) => ({ 'Idempotency-Key': key });

describe('emulator: idempotency', () => {
  const otherKey = 'sk_test_emulatorB0000000000';
  const t = useEmulator({ secretKeys: [DEFAULT_EMULATOR_SECRET_KEY, otherKey] });

  it('replays the original answer byte for byte, flagged, without a second object', async () => {
    const body = 'email=a%40example.com&metadata[user_id]=u1';
    const first = await call(t.emu, 'POST', '/v1/customers', { body, headers: idem('k1') });
    const second = await call(t.emu, 'POST', '/v1/customers', { body, headers: idem('k1') });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('original-request')).toBe(first.headers.get('request-id'));
    expect(second.headers.get('request-id')).not.toBe(first.headers.get('request-id'));
    expect(t.emu.customers()).toHaveLength(1);
    expect(t.emu.requests().map((r) => r.replayed)).toEqual([false, true]);
  });

  it('compares decoded params, not raw bodies', async () => {
    const first = await call(t.emu, 'POST', '/v1/customers', { body: 'name=N&metadata[a]=1&metadata[b]=2', headers: idem('k2') });
    const reordered = await call(t.emu, 'POST', '/v1/customers', {
      body: 'metadata%5Bb%5D=2&metadata[a]=1&name=N',
      headers: idem('k2'),
    });
    expect(reordered.headers.get('idempotent-replayed')).toBe('true');
    expect(reordered.json.id).toBe(first.json.id);
  });

  it('replays through the SDK too', async () => {
    const a = await t.stripe.customers.create({ email: 'x@example.com' }, { idempotencyKey: 'sdk-key' });
    const b = await t.stripe.customers.create({ email: 'x@example.com' }, { idempotencyKey: 'sdk-key' });
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(t.emu.customers()).toHaveLength(1);
  });

  it('400s idempotency_error when the key is reused with other params or on another endpoint', async () => {
    await t.stripe.customers.create({ email: 'x@example.com' }, { idempotencyKey: 'reused' });
    await expect(t.stripe.customers.create({ email: 'y@example.com' }, { idempotencyKey: 'reused' })).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
      statusCode: 400,
      message:
        "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than 'reused' if you meant to execute a different request.",
    });
    const otherEndpoint = await call(t.emu, 'POST', '/v1/setup_intents', { headers: idem('reused') });
    expect(otherEndpoint.status).toBe(400);
    expect(otherEndpoint.json.error).toMatchObject({ type: 'idempotency_error' });
    expect(t.emu.customers()).toHaveLength(1);
    expect(t.emu.setupIntents()).toHaveLength(0);
  });

  it('scopes keys per API key', async () => {
    const a = await call(t.emu, 'POST', '/v1/customers', { headers: idem('shared') });
    const b = await call(t.emu, 'POST', '/v1/customers', { key: otherKey, headers: idem('shared') });
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.json.id).not.toBe(a.json.id);
    expect(t.emu.customers()).toHaveLength(2);
  });

  it('409s idempotency_key_in_use while the first request is still in flight', async () => {
    t.emu.injectFault({ kind: 'latency', ms: 300, times: 1 });
    const first = call(t.emu, 'POST', '/v1/customers', { body: 'name=slow', headers: idem('busy') });
    await waitForRequests(t.emu, 1);
    const second = await call(t.emu, 'POST', '/v1/customers', { body: 'name=slow', headers: idem('busy') });
    expect(second.status).toBe(409);
    expect(second.json.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_in_use' });
    expect(second.headers.get('stripe-should-retry')).toBe('true');
    expect((await first).status).toBe(200);
    expect(t.emu.customers()).toHaveLength(1);
  });

  it('does not save a request whose parameters were refused: the key then takes corrected parameters', async () => {
    const first = await call(t.emu, 'POST', '/v1/customers', { body: 'email=not-an-email', headers: idem('bad') });
    const again = await call(t.emu, 'POST', '/v1/customers', { body: 'email=not-an-email', headers: idem('bad') });
    expect(first.status).toBe(400);
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    const corrected = await call(t.emu, 'POST', '/v1/customers', { body: 'email=a%40example.com', headers: idem('bad') });
    expect(corrected.status).toBe(200);
    expect(t.emu.customers()).toHaveLength(1);
  });

  it('saves a 500 once execution began and replays it, with Stripe-Should-Retry: false', async () => {
    t.emu.injectFault({ kind: 'error', stage: 'execution', status: 500, type: 'api_error', times: 1 });
    const retrying = sdk(t.emu, DEFAULT_EMULATOR_SECRET_KEY, { maxNetworkRetries: 2 });
    const error = await retrying.customers.create({ name: 'never' }, { idempotencyKey: 'saved-500' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((error as Stripe.errors.StripeError).headers?.['stripe-should-retry']).toBe('false');
    expect(t.emu.requests()).toHaveLength(1); // the SDK obeys the header

    const replay = await call(t.emu, 'POST', '/v1/customers', { body: 'name=never', headers: idem('saved-500') });
    expect(replay.status).toBe(500);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('stripe-should-retry')).toBe('false');
    expect(t.emu.customers()).toHaveLength(0);
    expect((await call(t.emu, 'POST', '/v1/customers', { body: 'name=never', headers: idem('fresh') })).status).toBe(200);
  });

  it('saves any other failure of a request whose execution began (a decline)', async () => {
    t.emu.injectFault({ kind: 'error', stage: 'execution', status: 402, type: 'card_error', code: 'card_declined', times: 1 });
    const first = await call(t.emu, 'POST', '/v1/customers', { headers: idem('declined') });
    const again = await call(t.emu, 'POST', '/v1/customers', { headers: idem('declined') });
    expect([first.status, again.status]).toEqual([402, 402]);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('stripe-should-retry')).toBeNull();
  });

  it('does not save errors from in front of the idempotency layer: a retry with the same key does the work', async () => {
    t.emu.injectFault({ kind: 'error', status: 500, type: 'api_error', times: 1 });
    const failed = await call(t.emu, 'POST', '/v1/customers', { headers: idem('retry-me') });
    expect(failed.status).toBe(500);
    expect(failed.headers.get('stripe-should-retry')).toBeNull();
    const retried = await call(t.emu, 'POST', '/v1/customers', { headers: idem('retry-me') });
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(t.emu.customers()).toHaveLength(1);
  });

  it('ignores Idempotency-Key on GET', async () => {
    await call(t.emu, 'GET', '/v1/customers', { headers: idem('get-key') });
    const again = await call(t.emu, 'GET', '/v1/customers?limit=1', { headers: idem('get-key') });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
  });

  it('400s keys longer than 255 characters', async () => {
    expect((await call(t.emu, 'POST', '/v1/customers', { headers: idem('k'.repeat(255)) })).status).toBe(200);
    const res = await call(t.emu, 'POST', '/v1/customers', { headers: idem('k'.repeat(256)) });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error' });
    expect(t.emu.customers()).toHaveLength(1);
  });

  it('lets the SDK’s own retry after a 500 be a fresh execution', async () => {
    t.emu.injectFault({ kind: 'error', status: 500, type: 'api_error', times: 1 });
    const retrying = sdk(t.emu, DEFAULT_EMULATOR_SECRET_KEY, { maxNetworkRetries: 1 });
    const customer = await retrying.customers.create({ name: 'eventually' });
    expect(customer.name).toBe('eventually');
    const [failed, retried] = t.emu.requests();
    expect(failed!.status).toBe(500);
    expect(retried).toMatchObject({ status: 200, replayed: false, idempotencyKey: failed!.idempotencyKey });
    expect(t.emu.customers()).toHaveLength(1);
  });

  it('maps the SDK error classes', async () => {
    await t.stripe.customers.create({}, { idempotencyKey: 'cls' });
    await expect(t.stripe.customers.create({ name: 'other' }, { idempotencyKey: 'cls' })).rejects.toBeInstanceOf(
      Stripe.errors.StripeIdempotencyError,
    );
  });
});

describe('IdempotencyStore', () => {
  const stored = { status: 200, body: '{}', requestId: 'req_1' };

  it('forgets keys after 24 hours', () => {
    let now = 0;
    const store = new IdempotencyStore({ now: () => now });
    expect(store.begin('s', 'k', 'POST', '/v1/customers', 'p').kind).toBe('execute');
    store.complete('s', stored);
    now = 24 * 60 * 60 * 1000 - 1;
    expect(store.begin('s', 'k', 'POST', '/v1/customers', 'p')).toEqual({ kind: 'replay', response: stored });
    now += 1;
    expect(store.begin('s', 'k', 'POST', '/v1/customers', 'other params').kind).toBe('execute');
  });

  it('release() frees an unfinished reservation so the key executes again', () => {
    const store = new IdempotencyStore();
    expect(store.begin('s', 'k', 'POST', '/v1/customers', 'p').kind).toBe('execute');
    expect(() => store.begin('s', 'k', 'POST', '/v1/customers', 'p')).toThrow(/in-progress/);
    store.release('s');
    expect(store.begin('s', 'k', 'POST', '/v1/customers', 'p').kind).toBe('execute');
    store.complete('s', stored);
    store.release('s'); // a finished result is kept
    expect(store.begin('s', 'k', 'POST', '/v1/customers', 'p').kind).toBe('replay');
  });

  it('evicts the oldest entries past maxEntries', () => {
    const store = new IdempotencyStore({ maxEntries: 2 });
    for (const scope of ['a', 'b', 'c']) {
      store.begin(scope, scope, 'POST', '/v1/customers', 'p');
      store.complete(scope, stored);
    }
    expect(store.size).toBe(2);
    expect(store.begin('a', 'a', 'POST', '/v1/customers', 'p').kind).toBe('execute');
    expect(store.begin('c', 'c', 'POST', '/v1/customers', 'p').kind).toBe('replay');
  });
});
