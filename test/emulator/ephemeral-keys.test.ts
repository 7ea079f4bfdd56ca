import { describe, expect, it } from 'vitest';
import { startStripeEmulator } from '../../src/emulator/index.js';
import { call, sdk, useEmulator } from './helpers.js';

const MOBILE_VERSION = '2020-08-27';

describe('emulator: ephemeral keys', () => {
  const t = useEmulator();

  it('creates a key for a customer and records the Stripe-Version it was created with', async () => {
    const customer = await t.stripe.customers.create();
    const key = await t.stripe.ephemeralKeys.create({ customer: customer.id }, { apiVersion: MOBILE_VERSION });
    expect(key.id).toMatch(/^ephkey_[A-Za-z0-9]+$/);
    expect(key.secret).toMatch(/^ek_test_[A-Za-z0-9]+$/);
    expect(key).toMatchObject({
      object: 'ephemeral_key',
      associated_objects: [{ id: customer.id, type: 'customer' }],
      livemode: false,
    });
    expect(key.expires - key.created).toBe(3600); // Stripe's keys live about an hour
    expect(t.emu.ephemeralKeys()).toEqual([expect.objectContaining({ id: key.id, apiVersion: MOBILE_VERSION, deleted: false })]);
    expect(key.lastResponse.headers['stripe-version']).toBe(MOBILE_VERSION);
  });

  it('requires the Stripe-Version header', async () => {
    const customer = await t.stripe.customers.create();
    const res = await call(t.emu, 'POST', '/v1/ephemeral_keys', { body: `customer=${customer.id}` });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error' });
    expect(res.json.error!.message).toMatch(/API version/);
    const ok = await call(t.emu, 'POST', '/v1/ephemeral_keys', {
      body: `customer=${customer.id}&expand[]=associated_objects`,
      headers: { 'Stripe-Version': MOBILE_VERSION },
    });
    expect(ok.status).toBe(200);
    expect(t.emu.ephemeralKeys()).toHaveLength(1);
  });

  it('400s resource_missing (param customer) for unknown and deleted customers, and requires customer', async () => {
    const deleted = await t.stripe.customers.create();
    await t.stripe.customers.del(deleted.id);
    for (const id of ['cus_missing', deleted.id]) {
      await expect(t.stripe.ephemeralKeys.create({ customer: id }, { apiVersion: MOBILE_VERSION })).rejects.toMatchObject({
        statusCode: 400,
        code: 'resource_missing',
        param: 'customer',
        message: `No such customer: '${id}'`,
      });
    }
    await expect(t.stripe.ephemeralKeys.create({}, { apiVersion: MOBILE_VERSION })).rejects.toMatchObject({
      statusCode: 400,
      code: 'parameter_missing',
      param: 'customer',
    });
    expect(t.emu.ephemeralKeys()).toHaveLength(0);
  });

  it('deletes a key (no secret in the answer) and 404s a second delete', async () => {
    const customer = await t.stripe.customers.create();
    const key = await t.stripe.ephemeralKeys.create({ customer: customer.id }, { apiVersion: MOBILE_VERSION });
    const removed = await t.stripe.ephemeralKeys.del(key.id);
    expect(removed).toMatchObject({ id: key.id, object: 'ephemeral_key' });
    expect(removed.secret).toBeUndefined();
    expect(t.emu.ephemeralKeys()[0]).toMatchObject({ id: key.id, deleted: true });
    await expect(t.stripe.ephemeralKeys.del(key.id)).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('lives ephemeralKeyTtlSeconds when configured, and a replay under its idempotency key still names the old expiry', async () => {
    const shortLived = await startStripeEmulator({ ephemeralKeyTtlSeconds: 1 });
    try {
      const stripe = sdk(shortLived);
      const customer = await stripe.customers.create();
      const key = await stripe.ephemeralKeys.create({ customer: customer.id }, { apiVersion: MOBILE_VERSION, idempotencyKey: 'ek-1' });
      expect(key.expires - key.created).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const replayed = await stripe.ephemeralKeys.create({ customer: customer.id }, { apiVersion: MOBILE_VERSION, idempotencyKey: 'ek-1' });
      expect(replayed).toMatchObject({ id: key.id, secret: key.secret, expires: key.expires });
      expect(replayed.expires).toBeLessThan(Date.now() / 1000);
    } finally {
      await shortLived.close();
    }
    await expect(startStripeEmulator({ ephemeralKeyTtlSeconds: 0 })).rejects.toThrow(RangeError);
  });
});
