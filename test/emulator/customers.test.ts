import { describe, expect, it } from 'vitest';
import { call, useEmulator } from './helpers.js';

describe('emulator: customers', () => {
  const t = useEmulator();

  it('creates a customer with Stripe’s id format and fields', async () => {
    const before = Math.floor(Date.now() / 1000);
    const customer = await t.stripe.customers.create({
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      description: 'first programmer',
      phone: '+15555550100',
      metadata: { user_id: 'u1' },
    });
    expect(customer.id).toMatch(/^cus_[A-Za-z0-9]{14}$/);
    expect(customer).toMatchObject({
      object: 'customer',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      description: 'first programmer',
      phone: '+15555550100',
      metadata: { user_id: 'u1' },
      livemode: false,
      balance: 0,
    });
    expect(customer.created).toBeGreaterThanOrEqual(before);
    expect(customer.created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(t.emu.customers().map((c) => c.id)).toEqual([customer.id]);
  });

  it('gives every customer a distinct id', async () => {
    const ids = await Promise.all([1, 2, 3, 4, 5].map(() => t.stripe.customers.create().then((c) => c.id)));
    expect(new Set(ids).size).toBe(5);
  });

  it('retrieves a customer, and 404s resource_missing for an unknown id', async () => {
    const created = await t.stripe.customers.create({ email: 'a@example.com' });
    expect(await t.stripe.customers.retrieve(created.id)).toMatchObject({ id: created.id, email: 'a@example.com' });
    await expect(t.stripe.customers.retrieve('cus_missing')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: "No such customer: 'cus_missing'",
    });
  });

  it('answers 200 with a deleted stub for a customer deleted through the API', async () => {
    const { id } = await t.stripe.customers.create();
    expect(await t.stripe.customers.del(id)).toEqual({ id, object: 'customer', deleted: true });
    expect(await t.stripe.customers.retrieve(id)).toEqual({ id, object: 'customer', deleted: true });
    expect(t.emu.customers()).toEqual([expect.objectContaining({ id, deleted: true })]);
  });

  it('treats deleteCustomer() like a Dashboard deletion', async () => {
    const { id } = await t.stripe.customers.create();
    t.emu.deleteCustomer(id);
    expect(await t.stripe.customers.retrieve(id)).toEqual({ id, object: 'customer', deleted: true });
    expect(() => t.emu.deleteCustomer('cus_unknown')).toThrow(/No such customer/);
  });

  it('404s deleting an unknown or already deleted customer', async () => {
    const { id } = await t.stripe.customers.create();
    await t.stripe.customers.del(id);
    for (const target of [id, 'cus_missing']) {
      await expect(t.stripe.customers.del(target)).rejects.toMatchObject({
        statusCode: 404,
        code: 'resource_missing',
        message: `No such customer: '${target}'`,
      });
    }
  });

  it('lists live customers newest first, with limit, has_more, email filter and pagination', async () => {
    const a = await t.stripe.customers.create({ email: 'same@example.com' });
    const b = await t.stripe.customers.create({ email: 'other@example.com' });
    const c = await t.stripe.customers.create({ email: 'same@example.com' });
    const gone = await t.stripe.customers.create({ email: 'same@example.com' });
    await t.stripe.customers.del(gone.id);

    const all = await t.stripe.customers.list();
    expect(all).toMatchObject({ object: 'list', has_more: false, url: '/v1/customers' });
    expect(all.data.map((x) => x.id)).toEqual([c.id, b.id, a.id]);

    const firstPage = await t.stripe.customers.list({ limit: 2 });
    expect(firstPage.data.map((x) => x.id)).toEqual([c.id, b.id]);
    expect(firstPage.has_more).toBe(true);
    const secondPage = await t.stripe.customers.list({ limit: 2, starting_after: b.id });
    expect(secondPage.data.map((x) => x.id)).toEqual([a.id]);
    expect(secondPage.has_more).toBe(false);

    const byEmail = await t.stripe.customers.list({ email: 'same@example.com' });
    expect(byEmail.data.map((x) => x.id)).toEqual([c.id, a.id]);
  });

  it('decodes list parameters from the query string and validates limit', async () => {
    const mine = await t.stripe.customers.create({ email: 'q+1@example.com' });
    await t.stripe.customers.create({ email: 'else@example.com' });
    const listed = await call(t.emu, 'GET', '/v1/customers?email=q%2B1%40example.com&limit=5');
    expect(listed.status).toBe(200);
    expect((listed.json.data as Array<{ id: string }>).map((x) => x.id)).toEqual([mine.id]);

    for (const [limit, message] of [
      ['abc', 'Invalid integer: abc'],
      ['0', 'This value must be greater than or equal to 1.'],
      ['101', 'This value must be less than or equal to 100.'],
    ]) {
      const bad = await call(t.emu, 'GET', `/v1/customers?limit=${limit}`);
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatchObject({ type: 'invalid_request_error', param: 'limit', message });
    }
  });

  it('rejects over-long email and name, and malformed email', async () => {
    const longEmail = `${'a'.repeat(501)}@example.com`; // 513 characters
    await expect(t.stripe.customers.create({ email: longEmail })).rejects.toMatchObject({ statusCode: 400, param: 'email' });
    await expect(t.stripe.customers.create({ name: 'n'.repeat(257) })).rejects.toMatchObject({ statusCode: 400, param: 'name' });
    await expect(t.stripe.customers.create({ email: 'not-an-email' })).rejects.toMatchObject({
      statusCode: 400,
      param: 'email',
      code: 'email_invalid',
    });
    expect((await t.stripe.customers.create({ name: 'n'.repeat(256) })).name).toHaveLength(256);
    expect(t.emu.customers()).toHaveLength(1);
  });

  it('enforces Stripe’s metadata limits (50 keys, 40-char keys, 500-char values)', async () => {
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    const atLimits = await t.stripe.customers.create({ metadata: fifty });
    expect(Object.keys(atLimits.metadata)).toHaveLength(50);
    const longest = await t.stripe.customers.create({ metadata: { ['k'.repeat(40)]: 'v'.repeat(500) } });
    expect(longest.metadata['k'.repeat(40)]).toHaveLength(500);

    await expect(t.stripe.customers.create({ metadata: { ...fifty, extra: 'v' } })).rejects.toMatchObject({
      statusCode: 400,
      type: 'StripeInvalidRequestError',
      param: 'metadata',
    });
    await expect(t.stripe.customers.create({ metadata: { ['k'.repeat(41)]: 'v' } })).rejects.toMatchObject({
      statusCode: 400,
      param: `metadata[${'k'.repeat(41)}]`,
    });
    await expect(t.stripe.customers.create({ metadata: { long: 'v'.repeat(501) } })).rejects.toMatchObject({
      statusCode: 400,
      param: 'metadata[long]',
    });
    expect(t.emu.customers()).toHaveLength(2);
  });
});
