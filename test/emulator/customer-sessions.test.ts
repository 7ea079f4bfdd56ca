import { describe, expect, it } from 'vitest';
import { useEmulator } from './helpers.js';

describe('emulator: customer sessions', () => {
  const t = useEmulator();

  it('creates a session with a cuss_ secret, an expiry and the requested features', async () => {
    const customer = await t.stripe.customers.create();
    const before = Math.floor(Date.now() / 1000);
    const session = await t.stripe.customerSessions.create({
      customer: customer.id,
      components: {
        payment_element: {
          enabled: true,
          features: {
            payment_method_redisplay: 'enabled',
            payment_method_save: 'enabled',
            payment_method_remove: 'enabled',
            payment_method_allow_redisplay_filters: ['always', 'limited', 'unspecified'],
          },
        },
      },
    });
    expect(session.client_secret).toMatch(/^cuss_secret_[A-Za-z0-9]+$/);
    expect(session).toMatchObject({ object: 'customer_session', customer: customer.id, livemode: false });
    expect(session.expires_at - session.created).toBe(1800);
    expect(session.created).toBeGreaterThanOrEqual(before);
    expect(session.components?.payment_element).toEqual({
      enabled: true,
      features: {
        payment_method_allow_redisplay_filters: ['always', 'limited', 'unspecified'],
        payment_method_redisplay: 'enabled',
        payment_method_redisplay_limit: 3,
        payment_method_remove: 'enabled',
        payment_method_save: 'enabled',
        payment_method_save_usage: null,
      },
    });
    expect(session.components?.mobile_payment_element).toEqual({ enabled: false, features: null });
    expect(t.emu.customerSessions()).toEqual([session]);
  });

  it('takes the mobile payment element and customer sheet features, defaulting the filter to always', async () => {
    const customer = await t.stripe.customers.create();
    const mobile = await t.stripe.customerSessions.create({
      customer: customer.id,
      components: { mobile_payment_element: { enabled: true, features: { payment_method_remove: 'enabled' } } },
    });
    expect(mobile.components?.mobile_payment_element.features).toMatchObject({
      payment_method_allow_redisplay_filters: ['always'],
      payment_method_remove: 'enabled',
      payment_method_save: 'disabled',
    });
    const sheet = await t.stripe.customerSessions.create({
      customer: customer.id,
      components: { customer_sheet: { enabled: true, features: { payment_method_allow_redisplay_filters: ['unspecified'] } } },
    });
    expect(sheet.components?.customer_sheet).toEqual({
      enabled: true,
      features: { payment_method_allow_redisplay_filters: ['unspecified'], payment_method_remove: 'disabled' },
    });
  });

  it('refuses no enabled component, an unknown feature value, and a deleted customer', async () => {
    const customer = await t.stripe.customers.create();
    await expect(
      t.stripe.customerSessions.create({ customer: customer.id, components: { payment_element: { enabled: false } } }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'components' });
    await expect(
      t.stripe.customerSessions.create({
        customer: customer.id,
        components: { payment_element: { enabled: true, features: { payment_method_allow_redisplay_filters: ['sometimes'] } } },
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'components[payment_element][features][payment_method_allow_redisplay_filters][0]' });
    await t.stripe.customers.del(customer.id);
    await expect(
      t.stripe.customerSessions.create({ customer: customer.id, components: { payment_element: { enabled: true } } }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'customer' });
    expect(t.emu.customerSessions()).toEqual([]);
  });
});
