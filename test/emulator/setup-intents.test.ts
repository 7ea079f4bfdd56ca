import { describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { call, useEmulator } from './helpers.js';

describe('emulator: setup intents', () => {
  const t = useEmulator();

  it('creates a SetupIntent with Stripe’s id and client_secret formats', async () => {
    const customer = await t.stripe.customers.create();
    const intent = await t.stripe.setupIntents.create({
      customer: customer.id,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      metadata: { user_id: 'u1' },
      description: 'save a card',
    });
    expect(intent.id).toMatch(/^seti_[A-Za-z0-9]{24}$/);
    expect(intent.client_secret).toMatch(new RegExp(`^${intent.id}_secret_[A-Za-z0-9]{24,}$`));
    expect(intent).toMatchObject({
      object: 'setup_intent',
      status: 'requires_payment_method',
      customer: customer.id,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      metadata: { user_id: 'u1' },
      description: 'save a card',
      usage: 'off_session',
      livemode: false,
    });
    expect(intent.created).toBeGreaterThan(0);
    expect(t.emu.setupIntents()).toEqual([intent]);
  });

  it('honours usage and payment_method_types, and defaults to automatic payment methods', async () => {
    // payment_method_types left the SDK's types with API version 2026-10-28; older versions still send it.
    const typed = await t.stripe.setupIntents.create({
      usage: 'on_session',
      payment_method_types: ['card', 'sepa_debit'],
    } as Stripe.SetupIntentCreateParams);
    expect(typed).toMatchObject({
      usage: 'on_session',
      payment_method_types: ['card', 'sepa_debit'],
      automatic_payment_methods: null,
      customer: null,
    });
    const plain = await t.stripe.setupIntents.create();
    expect(plain.automatic_payment_methods).toEqual({ enabled: true, allow_redirects: 'always' });
  });

  it('rejects automatic_payment_methods together with payment_method_types', async () => {
    await expect(
      t.stripe.setupIntents.create({
        automatic_payment_methods: { enabled: true },
        payment_method_types: ['card'],
      } as Stripe.SetupIntentCreateParams),
    ).rejects.toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect(t.emu.setupIntents()).toHaveLength(0);
  });

  it('expands the customer on request', async () => {
    const customer = await t.stripe.customers.create({ email: 'x@example.com' });
    const intent = await t.stripe.setupIntents.create({ customer: customer.id, expand: ['customer'] });
    expect(intent.customer).toMatchObject({ id: customer.id, object: 'customer', email: 'x@example.com' });
    expect(t.emu.setupIntents()[0]!.customer).toBe(customer.id); // stored unexpanded
  });

  it('validates the form booleans and enums of automatic_payment_methods', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ['automatic_payment_methods[enabled]=yes', { param: 'automatic_payment_methods[enabled]', message: 'Invalid boolean: yes' }],
      ['automatic_payment_methods[enabled]=1', { param: 'automatic_payment_methods[enabled]', message: 'Invalid boolean: 1' }],
      [
        'automatic_payment_methods[enabled]=true&automatic_payment_methods[allow_redirects]=sometimes',
        { param: 'automatic_payment_methods[allow_redirects]' },
      ],
      ['automatic_payment_methods[allow_redirects]=never', { param: 'automatic_payment_methods[enabled]', code: 'parameter_missing' }],
      ['automatic_payment_methods[enabled]=true&automatic_payment_methods[foo]=1', { param: 'automatic_payment_methods[foo]', code: 'parameter_unknown' }],
      ['usage=sometimes', { param: 'usage', message: 'Invalid usage: must be one of off_session or on_session' }],
    ];
    for (const [body, expected] of cases) {
      const res = await call(t.emu, 'POST', '/v1/setup_intents', { body });
      expect(res.status, body).toBe(400);
      expect(res.json.error, body).toMatchObject({ type: 'invalid_request_error', ...expected });
    }
    const off = await call(t.emu, 'POST', '/v1/setup_intents', { body: 'automatic_payment_methods[enabled]=false' });
    expect(off.status).toBe(200);
    expect(off.json.automatic_payment_methods).toEqual({ enabled: false });
    expect(t.emu.setupIntents()).toHaveLength(1);
  });

  it('400s resource_missing (param customer) for unknown and deleted customers', async () => {
    const deleted = await t.stripe.customers.create();
    await t.stripe.customers.del(deleted.id);
    const dashboardDeleted = await t.stripe.customers.create();
    t.emu.deleteCustomer(dashboardDeleted.id);
    for (const id of ['cus_missing', deleted.id, dashboardDeleted.id]) {
      await expect(t.stripe.setupIntents.create({ customer: id })).rejects.toMatchObject({
        statusCode: 400,
        code: 'resource_missing',
        param: 'customer',
        message: `No such customer: '${id}'`,
      });
    }
    expect(t.emu.setupIntents()).toHaveLength(0);
  });

  it('retrieves a SetupIntent, checks client_secret, and 404s unknown ids', async () => {
    const intent = await t.stripe.setupIntents.create();
    expect(await t.stripe.setupIntents.retrieve(intent.id)).toEqual(intent);
    expect(await t.stripe.setupIntents.retrieve(intent.id, { client_secret: intent.client_secret! })).toEqual(intent);
    await expect(t.stripe.setupIntents.retrieve(intent.id, { client_secret: 'seti_x_secret_y' })).rejects.toMatchObject({
      statusCode: 400,
      param: 'client_secret',
    });
    await expect(t.stripe.setupIntents.retrieve('seti_missing')).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: "No such setupintent: 'seti_missing'",
    });
  });

  it('cancels a SetupIntent once, with an optional reason, and 400s a second cancel', async () => {
    const intent = await t.stripe.setupIntents.create();
    const canceled = await t.stripe.setupIntents.cancel(intent.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ id: intent.id, status: 'canceled', cancellation_reason: 'abandoned' });
    expect(t.emu.setupIntents()[0]).toMatchObject({ status: 'canceled' });
    await expect(t.stripe.setupIntents.cancel(intent.id)).rejects.toMatchObject({
      statusCode: 400,
      code: 'setup_intent_unexpected_state',
      message: 'You cannot cancel this SetupIntent because it has a status of canceled.',
    });
    await expect(t.stripe.setupIntents.cancel('seti_missing')).rejects.toMatchObject({ statusCode: 404 });
    const bad = await call(t.emu, 'POST', `/v1/setup_intents/${intent.id}/cancel`, { body: 'cancellation_reason=bored' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ param: 'cancellation_reason' });
    expect((await call(t.emu, 'POST', `/v1/setup_intents/${intent.id}/refund`)).status).toBe(404);
  });
});
