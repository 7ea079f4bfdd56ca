import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startStripeEmulator, type FaultSpec } from '../src/emulator/index.js';
import { callRest, tokenFor } from './support/clients.js';
import { CARD_DECLINED_ONCE } from './support/faults.js';
import { startGateway, useWorld } from './support/gateway.js';

/** Stripe failing once it began the request: it keeps the 500 under the request's key for 24 hours. */
const savedServerError = (path: string): FaultSpec => ({
  kind: 'error',
  stage: 'execution',
  status: 500,
  type: 'api_error',
  message: 'An unknown error occurred',
  match: { method: 'POST', path },
  times: 1,
});

describe('a Stripe failure', () => {
  const world = useWorld();

  it('saved under the SetupIntent’s key is retryable, and the client’s repeat with its key succeeds', async () => {
    const token = await tokenFor({ sub: 'unlucky_user' });
    const headers = { 'idempotency-key': 'checkout-500' };
    world().emulator.injectFault(savedServerError('/v1/setup_intents'));
    const failed = await callRest(world().gateway.url, { token, headers });
    expect(failed.status).toBe(422);
    expect(failed.body).toMatchObject({ retryable: true });

    const repeated = await callRest(world().gateway.url, { token, headers });
    expect(repeated.status, JSON.stringify(repeated.body)).toBe(200);
    const again = await callRest(world().gateway.url, { token, headers });
    expect(again.body).toEqual(repeated.body);
    // The first attempt's ephemeral key was taken back; one live key and one SetupIntent remain.
    expect(world().emulator.ephemeralKeys().filter((key) => !key.deleted)).toHaveLength(1);
    expect(world().emulator.setupIntents().filter((intent) => intent.status !== 'canceled')).toHaveLength(1);
  });

  it('saved under a customer’s key does not fail the user for the 24 hours Stripe keeps it', async () => {
    const token = await tokenFor({ sub: 'first_time_user', email: 'first@example.com' });
    world().emulator.injectFault(savedServerError('/v1/customers'));
    const first = await callRest(world().gateway.url, { token });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const later = await callRest(world().gateway.url, { token });
    expect(later.body.customer_id).toBe(first.body.customer_id);
    const mine = world().emulator.customers().filter((customer) => customer.metadata.user_id === 'first_time_user');
    expect(mine.map((customer) => customer.id)).toEqual([first.body.customer_id]);
  });

  it('that a retry cannot fix is not retryable; Stripe’s rate limit is the account’s budget: 503 with Retry-After', async () => {
    const token = await tokenFor({ sub: 'declined_user' });
    world().emulator.injectFault({ ...CARD_DECLINED_ONCE, stage: 'execution' } as FaultSpec);
    const declined = await callRest(world().gateway.url, { token });
    expect(declined.body).toMatchObject({ code: 'card_declined', retryable: false });

    world().emulator.injectFault({ kind: 'rate-limit', match: { method: 'POST', path: '/v1/setup_intents' }, times: 1 });
    const limited = await callRest(world().gateway.url, { token, headers: { 'idempotency-key': 'limited-1' } });
    expect(limited.status).toBe(503);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.body).toEqual({ error: 'The payment provider is busy; try again in 1 s.' });
    expect((await callRest(world().gateway.url, { token, headers: { 'idempotency-key': 'limited-1' } })).status).toBe(200);
  });
});

describe('a repeat of a call that replaced a customer deleted in Stripe', () => {
  const world = useWorld();

  it('gets the same answer and no new Stripe objects', async () => {
    const token = await tokenFor({ sub: 'returning_user' });
    const before = await callRest(world().gateway.url, { token });
    world().emulator.deleteCustomer(before.body.customer_id);
    const headers = { 'idempotency-key': 'after-deletion' };
    const first = await callRest(world().gateway.url, { token, headers });
    expect(first.status).toBe(200);
    expect(first.body.customer_id).not.toBe(before.body.customer_id);
    const objects = () => [world().emulator.ephemeralKeys().length, world().emulator.setupIntents().length];
    const created = objects();
    const repeated = await callRest(world().gateway.url, { token, headers });
    expect(repeated.body).toEqual(first.body);
    expect(objects()).toEqual(created);
  });
});

describe('a repeat after the original ephemeral key expired', () => {
  it('gets the same customer and SetupIntent with a fresh ephemeral key, never the expired one', async () => {
    const emulator = await startStripeEmulator({ ephemeralKeyTtlSeconds: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'gateway-expiry-'));
    const gateway = await startGateway(emulator, `sqlite:${join(dir, 'gateway.sqlite')}`);
    try {
      const token = await tokenFor({ sub: 'late_user' });
      const headers = { 'idempotency-key': 'checkout-late' };
      const first = await callRest(gateway.url, { token, headers });
      expect(first.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2600));

      const late = await callRest(gateway.url, { token, headers });
      expect(late.status).toBe(200);
      expect(late.body).toMatchObject({
        customer_id: first.body.customer_id,
        setup_intent_client_secret: first.body.setup_intent_client_secret,
      });
      expect(late.body.ephemeral_key_secret).not.toBe(first.body.ephemeral_key_secret);
      const handed = emulator.ephemeralKeys().find((key) => key.secret === late.body.ephemeral_key_secret);
      expect(handed!.expires).toBeGreaterThan(Date.now() / 1000);

      const keys = emulator.ephemeralKeys().length;
      const again = await callRest(gateway.url, { token, headers });
      expect(again.body).toEqual(late.body);
      expect(emulator.ephemeralKeys()).toHaveLength(keys);
      expect(emulator.setupIntents()).toHaveLength(1);
    } finally {
      await gateway.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
