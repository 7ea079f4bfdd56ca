import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { callGraphQL, callRest, tokenFor } from './support/clients.js';
import { BACKENDS } from './support/databases.js';
import { startGateway, type TestGateway } from './support/gateway.js';
import type { TestDatabase } from './support/postgres.js';
import { confirmWithTestCard, eventPayload, postWebhook, signatureFor, stripeFor, WEBHOOK_PATH, WEBHOOK_SECRET } from './support/webhooks.js';

/**
 * A signed event is acted on only when it comes from the key's own mode and account, and
 * `customer.deleted` forgets a mapping only once Stripe confirms the customer deleted (contract 9).
 * Every refusal here is what a user observes: the same customer, with their saved cards, next call.
 */
describe('webhook events from elsewhere, or about customers Stripe still has', () => {
  let emulator: StripeEmulator;
  let database: TestDatabase;
  let gateway: TestGateway;
  let endpoint: { remove(): void };

  beforeEach(async () => {
    emulator = await startStripeEmulator();
    database = await BACKENDS[0]!.create();
    gateway = await startGateway(emulator, database.url, { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET });
    endpoint = emulator.addWebhookEndpoint({ url: `${gateway.url}${WEBHOOK_PATH}`, secret: WEBHOOK_SECRET });
  });
  afterEach(async () => {
    await gateway.close();
    await emulator.close();
    await database.drop();
  });

  /** A shopper who saved a card: their token, customer and saved card. */
  async function shopperWithACard(sub: string) {
    const token = await tokenFor({ sub });
    const saved = await callRest(gateway.url, { token });
    const intent = await confirmWithTestCard(emulator, saved.body.setup_intent_client_secret);
    await emulator.webhooksIdle();
    return { token, customerId: saved.body.customer_id as string, card: intent.payment_method as string };
  }

  /** What the shopper's next call shows: their customer, and the cards listed for it. */
  async function nextCall(token: string) {
    const rest = await callRest(gateway.url, { token });
    const listed = await callGraphQL(gateway.url, '{ viewer { paymentMethods { id } } }', { token });
    return { customerId: rest.body.customer_id, cards: listed.body.data.viewer.paymentMethods.map((method: { id: string }) => method.id) };
  }

  /** A signed `customer.deleted` for `customerId`, with the event's origin fields as given. */
  async function deliverDeleted(customerId: string, origin: { livemode?: boolean; account?: string } = {}) {
    const event = { ...JSON.parse(eventPayload('customer.deleted', { id: customerId, object: 'customer', deleted: true })), ...origin };
    const payload = JSON.stringify(event);
    return postWebhook(gateway.url, payload, signatureFor(payload));
  }

  it.each([
    ['a live-mode event for a test key', { livemode: true }],
    ['an event of a connected account the store does not use', { account: 'acct_1SomeoneElse0000' }],
    ['an event for a customer Stripe still has', {}],
  ])('ignores %s: acknowledged, and the mapping and saved cards stay', async (_name, origin) => {
    const { token, customerId, card } = await shopperWithACard('keeps_cards');
    const answer = await deliverDeleted(customerId, origin);
    expect(answer.status).toBe(200);
    expect(await nextCall(token)).toEqual({ customerId, cards: [card] });
  });

  it('forgets the mapping once Stripe confirms the customer deleted, or has no such customer', async () => {
    const { token, customerId } = await shopperWithACard('really_deleted');
    endpoint.remove();
    await stripeFor(emulator).customers.del(customerId);
    expect((await deliverDeleted(customerId)).status).toBe(200);
    const store = gateway.app.services.store;
    const scope = await gateway.app.services.accountScope();
    expect(await store.findCustomer(scope, 'really_deleted')).toBeUndefined();

    await store.claimCustomer(scope, 'never_in_stripe', 'cus_NeverExisted0001');
    expect((await deliverDeleted('cus_NeverExisted0001')).status).toBe(200);
    expect(await store.findCustomer(scope, 'never_in_stripe')).toBeUndefined();
  });
});
