import type Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { callGraphQL, callRest, tokenFor } from './support/clients.js';
import { BACKENDS } from './support/databases.js';
import { callsToStripe, startGateway, type TestGateway } from './support/gateway.js';
import type { TestDatabase } from './support/postgres.js';
import {
  confirmWithTestCard,
  eventPayload,
  postWebhook,
  signatureFor,
  stripeFor,
  WEBHOOK_PATH,
  WEBHOOK_SECRET,
} from './support/webhooks.js';

const OLD_SECRET = 'whsec_gateway_suite_previous_secret';

describe.each(BACKENDS)('POST /webhooks/stripe on $name', (backend) => {
  let emulator: StripeEmulator;
  let database: TestDatabase;
  let gateway: TestGateway;
  let endpoint: { remove(): void };

  async function start(env: Record<string, string> = {}) {
    gateway = await startGateway(emulator, database.url, {
      STRIPE_WEBHOOK_SECRET: `${WEBHOOK_SECRET},${OLD_SECRET}`,
      GUEST_RATE_LIMIT_PER_MINUTE: '1',
      ...env,
    });
    endpoint = emulator.addWebhookEndpoint({ url: `${gateway.url}${WEBHOOK_PATH}`, secret: WEBHOOK_SECRET });
  }

  /** Deleted in Stripe without the gateway hearing of it: the event is then posted by the test. */
  async function deleteUnheard(customerId: string) {
    endpoint.remove();
    await stripeFor(emulator).customers.del(customerId);
  }

  beforeEach(async (context) => {
    if (!backend.available) return context.skip();
    emulator = await startStripeEmulator({ webhooks: { retryDelaysMs: [50, 100, 200] } });
    database = await backend.create();
  });
  afterEach(async () => {
    if (!backend.available) return;
    await gateway?.close();
    await emulator.close();
    await database.drop();
  });

  const storedCustomer = async (token: string) =>
    (await callGraphQL(gateway.url, '{ viewer { stripeCustomerId } }', { token })).body.data.viewer.stripeCustomerId;

  it('forgets a customer deleted in the Dashboard: the next call creates one with no failed Stripe round trip', async () => {
    await start();
    const token = await tokenFor({ sub: 'deleted_user' });
    const first = await callRest(gateway.url, { token });
    expect(first.status).toBe(200);
    emulator.deleteCustomer(first.body.customer_id);
    await emulator.webhooksIdle();
    expect(await storedCustomer(token)).toBeNull();

    emulator.resetRequests();
    const second = await callRest(gateway.url, { token });
    expect(second.status).toBe(200);
    expect(second.body.customer_id).not.toBe(first.body.customer_id);
    const requests = emulator.requests();
    expect(requests.map((r) => `${r.method} ${r.path} ${r.status}`).sort()).toEqual(
      ['POST /v1/customers 200', 'POST /v1/ephemeral_keys 200', 'POST /v1/setup_intents 200'],
    );
    expect(requests.some((r) => JSON.stringify(r.params).includes(first.body.customer_id))).toBe(false);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/gateway_webhook_events_total\{type="customer\.deleted",outcome="handled",store="default"\} 1\b/);
    expect(metrics).toMatch(/gateway_webhook_events_total\{type="customer\.created",outcome="ignored",store="default"\} 2\b/);
  });

  it('refuses a missing, wrongly signed, stale or tampered event with 400 and changes nothing', async () => {
    await start();
    const token = await tokenFor({ sub: 'signed_user' });
    const customerId = (await callRest(gateway.url, { token })).body.customer_id;
    const payload = eventPayload('customer.deleted', { id: customerId, object: 'customer' });
    const tampered = payload.replace(customerId, 'cus_someone_else');
    const attempts = [
      { name: 'missing', body: payload, signature: undefined },
      { name: 'garbage', body: payload, signature: 'not a signature' },
      { name: 'wrong secret', body: payload, signature: signatureFor(payload, 'whsec_an_attackers_guess') },
      { name: 'stale', body: payload, signature: signatureFor(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 301) },
      { name: 'tampered', body: payload, signature: signatureFor(tampered) },
    ];
    for (const attempt of attempts) {
      const answer = await postWebhook(gateway.url, attempt.body, attempt.signature);
      expect(answer.status, attempt.name).toBe(400);
      expect(answer.body.error).toMatch(/Stripe-Signature/);
    }
    expect(await storedCustomer(token)).toBe(customerId);

    // The same body, properly signed (also with the secret being rotated out), is acted on.
    await deleteUnheard(customerId);
    expect((await postWebhook(gateway.url, payload, signatureFor(payload, OLD_SECRET))).status).toBe(200);
    expect(await storedCustomer(token)).toBeNull();
  });

  it('acts on a redelivered event once: the replay makes no Stripe call', async () => {
    await start();
    const token = await tokenFor({ sub: 'replay_user' });
    const saved = await callRest(gateway.url, { token });
    await confirmWithTestCard(emulator, saved.body.setup_intent_client_secret);
    await emulator.webhooksIdle();
    const succeeded = emulator.events().find((event) => event.type === 'setup_intent.succeeded')!;
    expect(emulator.requests().filter((r) => r.path.endsWith('/payment_methods'))).toHaveLength(1);

    emulator.resetRequests();
    emulator.resendEvent(succeeded.id);
    await emulator.webhooksIdle();
    expect(emulator.webhookDeliveries().filter((d) => d.eventId === succeeded.id)).toEqual([
      expect.objectContaining({ state: 'delivered', lastStatus: 200 }),
      expect.objectContaining({ state: 'delivered', lastStatus: 200 }),
    ]);
    expect(callsToStripe(emulator)).toEqual([]);
  });

  it('is safe out of order: a late customer.deleted for a replaced customer leaves the new one', async () => {
    await start();
    const token = await tokenFor({ sub: 'late_user' });
    const first = (await callRest(gateway.url, { token })).body.customer_id;
    // Deleted without the gateway hearing of it (no endpoint yet): the next call heals lazily.
    await stripeFor(emulator).customers.del(first);
    const payload = eventPayload('customer.deleted', { id: first, object: 'customer' });
    const healed = (await callRest(gateway.url, { token })).body.customer_id;
    expect(healed).not.toBe(first);
    expect((await postWebhook(gateway.url, payload, signatureFor(payload))).status).toBe(200);
    expect(await storedCustomer(token)).toBe(healed);
  });

  it('acknowledges event types it does not act on, and is not held to the guest rate limit', async () => {
    await start();
    for (let i = 0; i < 4; i++) {
      const payload = eventPayload('invoice.paid', { id: `in_${i}`, object: 'invoice' });
      const answer = await postWebhook(gateway.url, payload, signatureFor(payload));
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ received: true });
    }
    // The emulator's own customer.created, setup_intent.created, … are acknowledged too.
    await callRest(gateway.url, { token: await tokenFor({ sub: 'u_any' }) });
    await emulator.webhooksIdle();
    const deliveries = emulator.webhookDeliveries();
    expect(deliveries.length).toBeGreaterThanOrEqual(2);
    expect(deliveries.every((d) => d.state === 'delivered' && d.attempts === 1)).toBe(true);
  });

  it('bounds the body: 413, as JSON', async () => {
    await start();
    const payload = eventPayload('customer.deleted', { id: 'cus_x', object: 'customer', padding: 'x'.repeat(300 * 1024) });
    const answer = await postWebhook(gateway.url, payload, signatureFor(payload));
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({ error: 'The request body is too large.' });
  });

  it('answers 503 while its database is down, and acts on the event when Stripe delivers it again', async () => {
    await start();
    const token = await tokenFor({ sub: 'outage_user' });
    const customerId = (await callRest(gateway.url, { token })).body.customer_id;
    const payload = eventPayload('customer.deleted', { id: customerId, object: 'customer' });
    await deleteUnheard(customerId);
    await gateway.app.services.store.close();
    const down = await postWebhook(gateway.url, payload, signatureFor(payload));
    expect(down.status).toBe(503);
    await gateway.close();

    await start();
    expect((await postWebhook(gateway.url, payload, signatureFor(payload))).status).toBe(200);
    expect(await storedCustomer(token)).toBeNull();
  });

  it('detaches the second copy of the same test card and keeps the first', async () => {
    await start();
    const token = await tokenFor({ sub: 'twice_user' });
    const first = await callRest(gateway.url, { token });
    const kept = await confirmWithTestCard(emulator, first.body.setup_intent_client_secret);
    const second = await callRest(gateway.url, { token });
    const duplicate = await confirmWithTestCard(emulator, second.body.setup_intent_client_secret);
    const other = await callRest(gateway.url, { token });
    const mastercard = await confirmWithTestCard(emulator, other.body.setup_intent_client_secret, 'pm_card_mastercard');
    await emulator.webhooksIdle();

    const attached = await stripeFor(emulator).customers.listPaymentMethods(first.body.customer_id);
    expect(attached.data.map((m) => m.id).sort()).toEqual([kept.payment_method, mastercard.payment_method].sort());
    const detached = emulator.paymentMethods().find((m) => m.id === duplicate.payment_method);
    expect(detached?.customer).toBeNull();
  });

  it('keeps the oldest copy whatever order and concurrency the events arrive in', async () => {
    await start();
    const token = await tokenFor({ sub: 'reorder_user' });
    const stripe = stripeFor(emulator);
    const customerId = (await callRest(gateway.url, { token })).body.customer_id;
    // Three copies of one card, saved with no webhook reaching the gateway yet.
    const intents: Stripe.SetupIntent[] = [];
    for (let i = 0; i < 3; i++) {
      const intent = await stripe.setupIntents.create({ customer: customerId });
      intents.push(await stripe.setupIntents.confirm(intent.id, { payment_method: 'pm_card_visa' }));
    }
    const payloads = intents.map((intent) => eventPayload('setup_intent.succeeded', intent)).reverse();
    const answers = await Promise.all(payloads.map((payload) => postWebhook(gateway.url, payload, signatureFor(payload))));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const attached = (await stripe.customers.listPaymentMethods(customerId)).data.map((m) => m.id);
    expect(attached).toEqual([intents[0]!.payment_method]);
  });

  it('keeps both copies with DEDUPLICATE_PAYMENT_METHODS=false', async () => {
    await start({ DEDUPLICATE_PAYMENT_METHODS: 'false' });
    const token = await tokenFor({ sub: 'keep_user' });
    let customerId = '';
    for (let i = 0; i < 2; i++) {
      const answer = await callRest(gateway.url, { token });
      customerId = answer.body.customer_id;
      await confirmWithTestCard(emulator, answer.body.setup_intent_client_secret);
    }
    await emulator.webhooksIdle();
    expect((await stripeFor(emulator).customers.listPaymentMethods(customerId)).data).toHaveLength(2);
  });
});

describe('POST /webhooks/stripe without STRIPE_WEBHOOK_SECRET', () => {
  it('is not served', async () => {
    const emulator = await startStripeEmulator();
    const database = await BACKENDS[0]!.create();
    const gateway = await startGateway(emulator, database.url);
    try {
      const payload = eventPayload('customer.deleted', { id: 'cus_x', object: 'customer' });
      expect((await postWebhook(gateway.url, payload, signatureFor(payload))).status).toBe(404);
    } finally {
      await gateway.close();
      await emulator.close();
      await database.drop();
    }
  });
});
