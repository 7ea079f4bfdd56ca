import { describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { DEFAULT_EMULATOR_PUBLISHABLE_KEY } from '../../src/emulator/index.js';
import { call, sdk, useEmulator } from './helpers.js';

describe('emulator: confirming SetupIntents with test cards, and payment methods', () => {
  const t = useEmulator();

  async function saveCard(customer: string, paymentMethod = 'pm_card_visa') {
    const intent = await t.stripe.setupIntents.create({ customer });
    const confirmed = await t.stripe.setupIntents.confirm(intent.id, { payment_method: paymentMethod });
    return { intent: confirmed, method: await t.stripe.paymentMethods.retrieve(confirmed.payment_method as string) };
  }

  it('confirms with pm_card_visa: a new card attached to the customer, allow_redisplay unspecified', async () => {
    const customer = await t.stripe.customers.create();
    const { intent, method } = await saveCard(customer.id);
    expect(intent).toMatchObject({ status: 'succeeded', customer: customer.id });
    expect(intent.payment_method).toMatch(/^pm_[A-Za-z0-9]{24}$/);
    const now = new Date();
    expect(method).toMatchObject({
      object: 'payment_method',
      type: 'card',
      customer: customer.id,
      allow_redisplay: 'unspecified',
      livemode: false,
      card: {
        brand: 'visa',
        last4: '4242',
        funding: 'credit',
        exp_month: now.getUTCMonth() + 1,
        exp_year: now.getUTCFullYear() + 1,
        wallet: null,
      },
    });
    expect(method.card?.fingerprint).toMatch(/^[A-Za-z0-9]{16}$/);
  });

  it('gives each test card its brand and last4, and the same card the same fingerprint', async () => {
    const customer = await t.stripe.customers.create();
    const visa = (await saveCard(customer.id, 'pm_card_visa')).method;
    const again = (await saveCard(customer.id, 'pm_card_visa')).method;
    const mastercard = (await saveCard(customer.id, 'pm_card_mastercard')).method;
    const amex = (await saveCard(customer.id, 'pm_card_amex')).method;
    expect(again.id).not.toBe(visa.id);
    expect(again.card?.fingerprint).toBe(visa.card?.fingerprint);
    expect(mastercard.card).toMatchObject({ brand: 'mastercard', last4: '4444' });
    expect(amex.card).toMatchObject({ brand: 'amex', last4: '0005', display_brand: 'american_express' });
    expect(new Set([visa, mastercard, amex].map((m) => m.card?.fingerprint)).size).toBe(3);
  });

  it('takes allow_redisplay from payment_method_data, as the Payment Element sends it', async () => {
    const customer = await t.stripe.customers.create();
    const intent = await t.stripe.setupIntents.create({ customer: customer.id });
    const confirmed = await t.stripe.setupIntents.confirm(intent.id, {
      payment_method_data: { type: 'card', card: { token: 'tok_mastercard' }, allow_redisplay: 'always' } as never,
    });
    const method = await t.stripe.paymentMethods.retrieve(confirmed.payment_method as string);
    expect(method).toMatchObject({ allow_redisplay: 'always', customer: customer.id, card: { brand: 'mastercard' } });
  });

  it('creates a payment method from a test token, unattached, and attaches it on confirmation', async () => {
    const method = await t.stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_amex' }, allow_redisplay: 'limited' });
    expect(method).toMatchObject({ customer: null, allow_redisplay: 'limited', card: { brand: 'amex', last4: '0005' } });
    const customer = await t.stripe.customers.create();
    const intent = await t.stripe.setupIntents.create({ customer: customer.id });
    const confirmed = await t.stripe.setupIntents.confirm(intent.id, { payment_method: method.id });
    expect(confirmed.payment_method).toBe(method.id);
    expect(await t.stripe.paymentMethods.retrieve(method.id)).toMatchObject({ customer: customer.id, allow_redisplay: 'limited' });
    await expect(
      t.stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2040, cvc: '123' } }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'card', message: expect.stringMatching(/test cards only/) });
    await expect(t.stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_nope' } })).rejects.toMatchObject({
      code: 'resource_missing',
      param: 'card[token]',
    });
  });

  it('refuses a second confirmation and an unknown payment method', async () => {
    const customer = await t.stripe.customers.create();
    const { intent } = await saveCard(customer.id);
    await expect(t.stripe.setupIntents.confirm(intent.id, { payment_method: 'pm_card_visa' })).rejects.toMatchObject({
      statusCode: 400,
      code: 'setup_intent_unexpected_state',
    });
    const other = await t.stripe.setupIntents.create({ customer: customer.id });
    await expect(t.stripe.setupIntents.confirm(other.id, { payment_method: 'pm_nope' })).rejects.toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'payment_method',
    });
    expect(t.emu.paymentMethods()).toHaveLength(1);
  });

  it('lets a publishable key confirm with the client_secret, and nothing else', async () => {
    const customer = await t.stripe.customers.create();
    const intent = await t.stripe.setupIntents.create({ customer: customer.id });
    const client = sdk(t.emu, DEFAULT_EMULATOR_PUBLISHABLE_KEY);
    await expect(client.setupIntents.confirm(intent.id, { payment_method: 'pm_card_visa' })).rejects.toMatchObject({
      param: 'client_secret',
    });
    const confirmed = await client.setupIntents.confirm(intent.id, {
      payment_method: 'pm_card_visa',
      client_secret: intent.client_secret,
    } as Stripe.SetupIntentConfirmParams);
    expect(confirmed.status).toBe('succeeded');
    await expect(client.customers.create()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it('lists a customer’s methods newest first, filtered by allow_redisplay, page by page', async () => {
    const customer = await t.stripe.customers.create();
    const saved = [];
    for (let i = 0; i < 5; i++) saved.push((await saveCard(customer.id)).method.id);
    const intent = await t.stripe.setupIntents.create({ customer: customer.id });
    const always = await t.stripe.setupIntents.confirm(intent.id, {
      payment_method_data: { type: 'card', card: { token: 'tok_visa' }, allow_redisplay: 'always' } as never,
    });
    const newestFirst = [always.payment_method, ...saved.reverse()];

    const first = await t.stripe.customers.listPaymentMethods(customer.id, { limit: 4 });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: `/v1/customers/${customer.id}/payment_methods` });
    expect(first.data.map((m) => m.id)).toEqual(newestFirst.slice(0, 4));
    const second = await t.stripe.customers.listPaymentMethods(customer.id, { limit: 4, starting_after: first.data[3]!.id });
    expect(second.has_more).toBe(false);
    expect(second.data.map((m) => m.id)).toEqual(newestFirst.slice(4));
    const all = await t.stripe.customers.listPaymentMethods(customer.id, { limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(all.map((m) => m.id)).toEqual(newestFirst);

    const filtered = await t.stripe.customers.listPaymentMethods(customer.id, { allow_redisplay: 'always' });
    expect(filtered.data.map((m) => m.id)).toEqual([always.payment_method]);
    const unspecified = await t.stripe.customers.listPaymentMethods(customer.id, { allow_redisplay: 'unspecified' });
    expect(unspecified.data).toHaveLength(5);
  });

  it('detaches a method once: it leaves the customer’s list', async () => {
    const customer = await t.stripe.customers.create();
    const { method } = await saveCard(customer.id);
    const detached = await t.stripe.paymentMethods.detach(method.id);
    expect(detached).toMatchObject({ id: method.id, customer: null });
    expect((await t.stripe.customers.listPaymentMethods(customer.id)).data).toEqual([]);
    await expect(t.stripe.paymentMethods.detach(method.id)).rejects.toMatchObject({
      statusCode: 400,
      code: 'payment_method_unexpected_state',
    });
    await expect(t.stripe.paymentMethods.retrieve('pm_missing')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('attaches a method to a customer (a test id attaches a new copy), once; an unknown customer or method is refused', async () => {
    const customer = await t.stripe.customers.create();
    const created = await t.stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    const attached = await t.stripe.paymentMethods.attach(created.id, { customer: customer.id });
    expect(attached).toMatchObject({ id: created.id, customer: customer.id });
    const copy = await t.stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
    expect(copy).toMatchObject({ id: expect.stringMatching(/^pm_/), customer: customer.id, card: { brand: 'mastercard' } });
    const listed = await t.stripe.customers.listPaymentMethods(customer.id);
    expect(listed.data.map((method) => method.id).sort()).toEqual([created.id, copy.id].sort());

    const other = await t.stripe.customers.create();
    await expect(t.stripe.paymentMethods.attach(created.id, { customer: other.id })).rejects.toMatchObject({
      statusCode: 400,
      code: 'payment_method_unexpected_state',
    });
    await expect(t.stripe.paymentMethods.attach(created.id, { customer: 'cus_missing' })).rejects.toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'customer',
    });
    await expect(t.stripe.paymentMethods.attach('pm_missing', { customer: customer.id })).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });
    const missing = await call(t.emu, 'POST', `/v1/payment_methods/${created.id}/attach`);
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatchObject({ code: 'parameter_missing', param: 'customer' });
  });

  it('refuses to list the methods of a deleted or unknown customer', async () => {
    const customer = await t.stripe.customers.create();
    await t.stripe.customers.del(customer.id);
    for (const id of [customer.id, 'cus_unknown']) {
      await expect(t.stripe.customers.listPaymentMethods(id)).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    }
  });

  it('rejects an unknown allow_redisplay filter on the wire', async () => {
    const customer = await t.stripe.customers.create();
    const answer = await call(t.emu, 'GET', `/v1/customers/${customer.id}/payment_methods?allow_redisplay=sometimes`);
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatchObject({ param: 'allow_redisplay' });
  });
});
