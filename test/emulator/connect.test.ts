import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { call, sdk, useEmulator } from './helpers.js';

const PLATFORM_KEY = 'sk_test_platform0000000000000000';
const PLATFORM_PK = 'pk_test_platform0000000000000000';
const OTHER_PLATFORM_KEY = 'sk_test_otherplatform00000000000';
const PLAIN_KEY = 'sk_test_plainaccount000000000000';
const CONNECTED = 'acct_1ConnectedShop42';
const OTHERS_CONNECTED = 'acct_1SomeoneElses0001';

const OPTIONS = {
  accounts: [
    { id: 'acct_platform', secretKeys: [PLATFORM_KEY], publishableKeys: [PLATFORM_PK], connectedAccounts: [CONNECTED] },
    { id: 'acct_otherplatform', secretKeys: [OTHER_PLATFORM_KEY], connectedAccounts: [OTHERS_CONNECTED] },
    { id: 'acct_plain', secretKeys: [PLAIN_KEY] },
  ],
};

/** What Stripe.js sends to confirm with a publishable key (client_secret is not in the server SDK's types). */
const clientConfirm = (intent: Stripe.SetupIntent) =>
  ({ client_secret: intent.client_secret!, payment_method: 'pm_card_visa' }) as Stripe.SetupIntentConfirmParams;

const NO_ACCESS = (account: string) =>
  `The provided key 'sk_test_****0000' does not have access to account '${account}' (or that account does not exist). Application access may have been revoked.`;

describe('emulator: Stripe Connect (Stripe-Account)', () => {
  const t = useEmulator(OPTIONS);
  const platform = () => sdk(t.emu, PLATFORM_KEY);
  const onConnected = { stripeAccount: CONNECTED };

  it('acts for a connected account with the platform key: its objects are its own', async () => {
    const customer = await platform().customers.create({ email: 'shopper@example.com' }, onConnected);
    expect((await platform().customers.retrieve(customer.id, {}, onConnected)).id).toBe(customer.id);
    // The platform's own account does not hold it, as on Stripe.
    await expect(platform().customers.retrieve(customer.id)).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: `No such customer: '${customer.id}'`,
    });
    expect((await platform().customers.list()).data).toEqual([]);
    expect(t.emu.customers(CONNECTED).map((c) => c.id)).toEqual([customer.id]);
    expect(t.emu.customers('acct_platform')).toEqual([]);
  });

  it('answers GET /v1/account with the connected account when Stripe-Account names it', async () => {
    expect((await platform().accounts.retrieveCurrent(undefined, onConnected)).id).toBe(CONNECTED);
    expect((await platform().accounts.retrieveCurrent()).id).toBe('acct_platform');
    // Its own id in the header is its own account.
    expect((await platform().accounts.retrieveCurrent(undefined, { stripeAccount: 'acct_platform' })).id).toBe('acct_platform');
  });

  it.each([
    ['an unknown account', 'acct_1DoesNotExist000'],
    ['another platform’s connected account', OTHERS_CONNECTED],
    ['another platform itself', 'acct_otherplatform'],
  ])('refuses %s with Stripe’s 403 account_invalid, creating nothing', async (_label, account) => {
    const attempt = platform().customers.create({}, { stripeAccount: account });
    await expect(attempt).rejects.toBeInstanceOf(Stripe.errors.StripePermissionError);
    await expect(attempt).rejects.toMatchObject({
      statusCode: 403,
      rawType: 'invalid_request_error',
      code: 'account_invalid',
      doc_url: 'https://stripe.com/docs/error-codes/account-invalid',
      message: NO_ACCESS(account),
    });
    expect(t.emu.customers()).toEqual([]);
    const raw = await call(t.emu, 'GET', '/v1/customers', { key: PLATFORM_KEY, headers: { 'Stripe-Account': account } });
    expect(raw.status).toBe(403);
    expect(raw.text).not.toContain(PLATFORM_KEY);
    const recorded = t.emu.requests().at(-1)!;
    expect(recorded).toMatchObject({ status: 403, stripeAccount: account });
    expect(recorded.account).toBeUndefined();
  });

  it('refuses Stripe-Account from an account that is no platform with Stripe’s message', async () => {
    const attempt = sdk(t.emu, PLAIN_KEY).customers.create({}, onConnected);
    await expect(attempt).rejects.toBeInstanceOf(Stripe.errors.StripePermissionError);
    await expect(attempt).rejects.toMatchObject({
      statusCode: 403,
      rawType: 'invalid_request_error',
      message: expect.stringMatching(/^Only Stripe Connect platforms can work with other accounts\./),
    });
    expect(t.emu.customers()).toEqual([]);
  });

  it('records the Stripe-Account header of every request, through the whole card-saving loop', async () => {
    const stripe = platform();
    const customer = await stripe.customers.create({ metadata: { user_id: 'u1' } }, onConnected);
    const [key, intent, session] = await Promise.all([
      stripe.ephemeralKeys.create({ customer: customer.id }, { ...onConnected, apiVersion: '2020-08-27' }),
      stripe.setupIntents.create({ customer: customer.id, automatic_payment_methods: { enabled: true } }, onConnected),
      stripe.customerSessions.create(
        { customer: customer.id, components: { payment_element: { enabled: true, features: { payment_method_redisplay: 'enabled' } } } },
        onConnected,
      ),
    ]);
    expect(key.secret).toMatch(/^ek_test_/);
    expect(session.customer).toBe(customer.id);
    // The client confirms with the platform's publishable key and stripeAccount, as Stripe.js does.
    const confirmed = await sdk(t.emu, PLATFORM_PK).setupIntents.confirm(
      intent.id,
      clientConfirm(intent),
      onConnected,
    );
    expect(confirmed.status).toBe('succeeded');
    const methods = await stripe.customers.listPaymentMethods(customer.id, {}, onConnected);
    expect(methods.data).toHaveLength(1);
    await stripe.paymentMethods.detach(methods.data[0]!.id, {}, onConnected);

    const requests = t.emu.requests();
    expect(requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      [
        'POST /v1/customers',
        'POST /v1/ephemeral_keys',
        'POST /v1/setup_intents',
        'POST /v1/customer_sessions',
        `POST /v1/setup_intents/${intent.id}/confirm`,
        `GET /v1/customers/${customer.id}/payment_methods`,
        `POST /v1/payment_methods/${methods.data[0]!.id}/detach`,
      ].sort(),
    );
    expect(requests).toHaveLength(7);
    for (const request of requests) {
      expect(request, `${request.method} ${request.path}`).toMatchObject({ status: 200, stripeAccount: CONNECTED, account: CONNECTED });
    }
    expect(t.emu.paymentMethods(CONNECTED)).toHaveLength(1);
    expect(t.emu.setupIntents('acct_platform')).toEqual([]);
  });

  it('does not let the publishable key confirm a connected account’s SetupIntent without Stripe-Account', async () => {
    const customer = await platform().customers.create({}, onConnected);
    const intent = await platform().setupIntents.create({ customer: customer.id }, onConnected);
    await expect(
      sdk(t.emu, PLATFORM_PK).setupIntents.confirm(intent.id, clientConfirm(intent)),
    ).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    const viaOther = call(t.emu, 'POST', `/v1/setup_intents/${intent.id}/confirm`, {
      key: PLATFORM_PK,
      body: `client_secret=${intent.client_secret!}&payment_method=pm_card_visa`,
      headers: { 'Stripe-Account': OTHERS_CONNECTED },
    });
    expect((await viaOther).status).toBe(403);
  });

  it('scopes idempotency keys per connected account', async () => {
    const own = await platform().customers.create({}, { idempotencyKey: 'k' });
    const connected = await platform().customers.create({}, { idempotencyKey: 'k', ...onConnected });
    expect(connected.id).not.toBe(own.id);
    const replay = await platform().customers.create({}, { idempotencyKey: 'k', ...onConnected });
    expect(replay.id).toBe(connected.id);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
  });

  it('creates connected accounts with POST /v1/accounts, retrieves and lists them, and acts for them', async () => {
    const made = await platform().accounts.create({ type: 'express', country: 'DE', email: 'merchant@example.com', metadata: { shop: '42' } });
    expect(made).toMatchObject({
      id: expect.stringMatching(/^acct_[A-Za-z0-9]{16}$/),
      object: 'account',
      type: 'express',
      country: 'DE',
      email: 'merchant@example.com',
      metadata: { shop: '42' },
      charges_enabled: false,
    });
    expect(await platform().accounts.retrieve(made.id)).toEqual(expect.objectContaining({ id: made.id, type: 'express' }));
    expect((await platform().accounts.list()).data.map((a) => a.id)).toEqual([made.id, CONNECTED]);
    expect((await platform().customers.create({}, { stripeAccount: made.id })).id).toMatch(/^cus_/);
    expect(t.emu.customers(made.id)).toHaveLength(1);
    expect(t.emu.accounts()).toContainEqual(expect.objectContaining({ id: made.id, platform: 'acct_platform' }));

    await expect(sdk(t.emu, OTHER_PLATFORM_KEY).accounts.retrieve(made.id)).rejects.toMatchObject({
      statusCode: 403,
      code: 'account_invalid',
    });
    await expect(sdk(t.emu, OTHER_PLATFORM_KEY).customers.create({}, { stripeAccount: made.id })).rejects.toMatchObject({
      statusCode: 403,
      code: 'account_invalid',
    });
    // A plain account becomes a platform by connecting one, and a connected account cannot connect others.
    const first = await sdk(t.emu, PLAIN_KEY).accounts.create({ type: 'custom' });
    expect((await sdk(t.emu, PLAIN_KEY).accounts.retrieveCurrent(undefined, { stripeAccount: first.id })).id).toBe(first.id);
    await expect(platform().accounts.create({ type: 'standard' }, onConnected)).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/^You can only create new accounts if you've signed up for Connect/),
    });
    await expect(platform().accounts.create({ type: 'banana' as 'standard' })).rejects.toMatchObject({ statusCode: 400, param: 'type' });
  });

  it('connects accounts from code as well (connectAccount)', async () => {
    const id = t.emu.connectAccount('acct_plain', 'acct_1FromTheTest00000');
    expect((await sdk(t.emu, PLAIN_KEY).customers.create({}, { stripeAccount: id })).id).toMatch(/^cus_/);
    expect(() => t.emu.connectAccount(CONNECTED)).toThrow(/not an account with keys/);
  });
});

describe('emulator: Connect webhook events', () => {
  const t = useEmulator({ ...OPTIONS, webhooks: { retryDelaysMs: [] } });
  let receiver: Server;
  let base: string;
  const received: Array<{ path: string; event: Stripe.Event }> = [];
  const SECRET = 'whsec_connect_test_0123456789';

  beforeEach(async () => {
    received.length = 0;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const event = sdk(t.emu, PLATFORM_KEY).webhooks.constructEvent(body, req.headers['stripe-signature'] as string, SECRET);
        received.push({ path: req.url!, event });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise((resolve) => receiver.close(resolve)));

  it('sends a connected account’s events, carrying account, to the platform’s Connect endpoints only', async () => {
    t.emu.addWebhookEndpoint({ url: `${base}/platform`, secret: SECRET, account: 'acct_platform' });
    t.emu.addWebhookEndpoint({ url: `${base}/connect`, secret: SECRET, account: 'acct_platform', connect: true });
    t.emu.addWebhookEndpoint({ url: `${base}/other-connect`, secret: SECRET, account: 'acct_otherplatform', connect: true });
    t.emu.addWebhookEndpoint({ url: `${base}/plain`, secret: SECRET, account: 'acct_plain' });
    const stripe = sdk(t.emu, PLATFORM_KEY);
    const own = await stripe.customers.create();
    const connected = await stripe.customers.create({}, { stripeAccount: CONNECTED });
    await t.emu.webhooksIdle();

    expect(received.map(({ path, event }) => ({ path, account: event.account, id: (event.data.object as Stripe.Customer).id }))).toEqual(
      expect.arrayContaining([
        { path: '/platform', account: undefined, id: own.id },
        { path: '/connect', account: CONNECTED, id: connected.id },
      ]),
    );
    expect(received).toHaveLength(2);
    expect(t.emu.events().find((event) => event.account === CONNECTED)).toMatchObject({ type: 'customer.created' });

    // A Dashboard deletion of the connected account's customer is a Connect event too.
    t.emu.deleteCustomer(connected.id);
    await t.emu.webhooksIdle();
    expect(received.at(-1)).toMatchObject({ path: '/connect', event: { type: 'customer.deleted', account: CONNECTED } });
    expect(received).toHaveLength(3);
  });

  it('sends to an endpoint that names no account the first account’s events, as before', async () => {
    t.emu.addWebhookEndpoint({ url: `${base}/default`, secret: SECRET });
    await sdk(t.emu, PLATFORM_KEY).customers.create();
    await sdk(t.emu, PLAIN_KEY).customers.create();
    await sdk(t.emu, PLATFORM_KEY).customers.create({}, { stripeAccount: CONNECTED });
    await t.emu.webhooksIdle();
    expect(received.map(({ path, event }) => [path, event.account])).toEqual([['/default', undefined]]);
  });
});
