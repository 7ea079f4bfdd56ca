import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { startStripeEmulator, stripeSignatureHeader, type StripeEmulator } from '../../src/emulator/index.js';
import { sdk } from './helpers.js';

const SECRET = 'whsec_emulator_test_0123456789';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('emulator: signed webhook delivery', () => {
  let emu: StripeEmulator;
  let stripe: Stripe;
  let receiver: Server;
  let url: string;
  let received: Received[];
  /** Statuses to answer with, in order; 200 once used up. */
  let statuses: number[];

  beforeEach(async () => {
    received = [];
    statuses = [];
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(statuses.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    emu = await startStripeEmulator({ webhooks: { retryDelaysMs: [20, 40, 80] } });
    stripe = sdk(emu);
  });
  afterEach(async () => {
    await emu.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('signs each event exactly as Stripe does, so the SDK’s constructEvent accepts it', async () => {
    emu.addWebhookEndpoint({ url, secret: SECRET, enabledEvents: ['customer.deleted', 'setup_intent.succeeded'] });
    const customer = await stripe.customers.create();
    const intent = await stripe.setupIntents.create({ customer: customer.id });
    await stripe.setupIntents.confirm(intent.id, { payment_method: 'pm_card_visa' }, { idempotencyKey: 'confirm-1' });
    await stripe.customers.del(customer.id);
    await emu.webhooksIdle();

    const events = received.map(({ headers, body }) => {
      const header = headers['stripe-signature'] as string;
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      const t = Number(/t=(\d+)/.exec(header)![1]);
      expect(header).toBe(stripeSignatureHeader(body, SECRET, t));
      expect(headers['content-type']).toBe('application/json; charset=utf-8');
      return stripe.webhooks.constructEvent(body, header, SECRET);
    });
    expect(events.map((event) => event.type)).toEqual(['setup_intent.succeeded', 'customer.deleted']);
    const [succeeded, deleted] = events;
    expect(succeeded!.id).toMatch(/^evt_[A-Za-z0-9]{24}$/);
    expect(succeeded).toMatchObject({
      object: 'event',
      api_version: Stripe.API_VERSION,
      livemode: false,
      request: { idempotency_key: 'confirm-1' },
      data: { object: { id: intent.id, status: 'succeeded', customer: customer.id } },
    });
    expect(deleted).toMatchObject({ data: { object: { id: customer.id, object: 'customer' } } });
    expect(() => stripe.webhooks.constructEvent(received[0]!.body, received[0]!.headers['stripe-signature'] as string, 'whsec_other')).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it('retries with backoff until the endpoint answers 2xx, then stops', async () => {
    statuses = [500, 503];
    emu.addWebhookEndpoint({ url, secret: SECRET });
    await stripe.customers.create();
    await emu.webhooksIdle();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => JSON.parse(r.body).id)).size).toBe(1);
    expect(emu.webhookDeliveries()).toEqual([
      expect.objectContaining({ type: 'customer.created', attempts: 3, lastStatus: 200, state: 'delivered' }),
    ]);
  });

  it('gives up after the last retry', async () => {
    statuses = [500, 500, 500, 500, 500];
    emu.addWebhookEndpoint({ url, secret: SECRET });
    await stripe.customers.create();
    await emu.webhooksIdle();
    expect(received).toHaveLength(4);
    expect(emu.webhookDeliveries()[0]).toMatchObject({ attempts: 4, lastStatus: 500, state: 'failed' });
  });

  it('sends a Dashboard deletion with request null, and resends an event under the same id', async () => {
    emu.addWebhookEndpoint({ url, secret: SECRET, enabledEvents: ['customer.deleted'] });
    const customer = await stripe.customers.create();
    emu.deleteCustomer(customer.id);
    await emu.webhooksIdle();
    const first = JSON.parse(received[0]!.body) as Stripe.Event;
    expect(first).toMatchObject({ type: 'customer.deleted', request: null });
    emu.resendEvent(first.id);
    await emu.webhooksIdle();
    expect(received.map((r) => JSON.parse(r.body).id)).toEqual([first.id, first.id]);
  });

  it('sends nothing and keeps no events while no endpoint is configured', async () => {
    await stripe.customers.create();
    await emu.webhooksIdle();
    expect(emu.events()).toEqual([]);
    expect(received).toEqual([]);
  });
});
