import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { DEFAULT_EMULATOR_PUBLISHABLE_KEY, DEFAULT_EMULATOR_SECRET_KEY } from '../src/emulator/index.js';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION } from './support/clients.js';
import { exitOf, runToExit, runTs, startGatewayProcess, stopChild, waitForLog } from './support/process.js';

describe('sandbox mode (no STRIPE_SECRET_KEY), as `npm start` runs it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-sandbox-'));
  const env = {
    PORT: '0',
    HOST: '127.0.0.1',
    SANDBOX_EMULATOR_PORT: '0',
    DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`,
    // The guests' budget is what is tested here, not the Stripe account's ceiling (20 a second),
    // which a loaded machine's slow calls would reach first (test/stripe-budget.test.ts tests it).
    STRIPE_MAX_REQUESTS_PER_SECOND: '1000',
  };
  // Started in beforeAll: a run that filters these tests out (-t) leaves no gateway behind.
  let child: ReturnType<typeof runTs>;
  let exit: ReturnType<typeof exitOf>;
  const logs: Record<string, unknown>[] = [];
  let url = '';

  beforeAll(async () => {
    child = runTs('src/main.ts', [], env);
    exit = exitOf(child);
    const listening = await waitForLog(child, (line) => line.msg?.toString().startsWith('listening') ?? false, logs);
    url = String(listening.url);
  });
  afterAll(async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('says it is in sandbox mode in one line: the emulator address, its publishable key, how to mint a development token', () => {
    const sandboxLines = logs.filter((line) => /sandbox/i.test(String(line.msg)));
    expect(sandboxLines).toHaveLength(1);
    const [line] = sandboxLines as [Record<string, unknown>];
    const message = String(line.msg);
    expect(line.stripeApiBase).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(line.publishableKey).toBe(DEFAULT_EMULATOR_PUBLISHABLE_KEY);
    expect(message).toMatch(/^SANDBOX MODE: no STRIPE_SECRET_KEY, so Stripe calls go to the built-in emulator at /);
    expect(message).toContain(`emulator at ${line.stripeApiBase} (publishable key ${DEFAULT_EMULATOR_PUBLISHABLE_KEY})`);
    expect(message).toContain('npm run token -- --sub user_1');
    expect(message).toContain(`GraphiQL at ${url}/graphql opens signed in as user_1`);
    expect(message).not.toContain('\n');
  });

  it('serves a token from `npm run token` on both surfaces, reusing the customer', async () => {
    const minted = await exitOf(runTs('scripts/token.ts', ['--sub', 'user_1', '--email', 'a@example.com'], {}));
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    const rest = await callRest(url, { token });
    expect(rest.status).toBe(200);
    const graphql = await callGraphQL(url, SETUP_INTENT_MUTATION, { token });
    expect(graphql.body.data.createStripeSetupIntent.customerId).toBe(rest.body.customer_id);
    const viewer = await callGraphQL(url, '{ viewer { email } }', { token });
    expect(viewer.body.data.viewer.email).toBe('a@example.com');
  });

  it('closes the loop with no Stripe account: a card saved through a customer session is listed, its duplicate detached by the webhook, then removed', async () => {
    const sandboxLine = logs.find((line) => String(line.msg).startsWith('SANDBOX MODE: no STRIPE_SECRET_KEY'))!;
    const apiBase = new URL(String(sandboxLine.stripeApiBase));
    // What a mobile or web client does, with the publishable key the log names.
    const client = new Stripe(String(sandboxLine.publishableKey), {
      host: apiBase.hostname,
      port: apiBase.port,
      protocol: 'http',
      telemetry: false,
    });
    const token = (await exitOf(runTs('scripts/token.ts', ['--sub', 'loop_user'], {}))).stdout.trim();
    const save = async () => {
      const session = await callGraphQL(
        url,
        'mutation { createStripeCustomerSession(input: { component: MOBILE_PAYMENT_ELEMENT }) { ... on StripeCustomerSession { setupIntentClientSecret publishableKey } } }',
        { token },
      );
      const { setupIntentClientSecret: secret, publishableKey } = session.body.data.createStripeCustomerSession;
      expect(publishableKey).toBe(sandboxLine.publishableKey);
      return client.setupIntents.confirm(secret.split('_secret_')[0], {
        payment_method: 'pm_card_visa',
        client_secret: secret,
      } as Stripe.SetupIntentConfirmParams);
    };
    const listed = async () =>
      (await callGraphQL(url, '{ viewer { paymentMethods { id card { brand last4 } } } }', { token })).body.data.viewer.paymentMethods;

    const first = await save();
    expect(await listed()).toEqual([{ id: first.payment_method, card: { brand: 'visa', last4: '4242' } }]);
    await save();
    // The emulator's setup_intent.succeeded reaches the gateway, which detaches the second copy.
    const deadline = Date.now() + 10_000;
    while ((await listed()).length !== 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await listed()).toEqual([{ id: first.payment_method, card: { brand: 'visa', last4: '4242' } }]);
    const detached = await callGraphQL(
      url,
      'mutation($id: String!) { detachStripePaymentMethod(input: { paymentMethodId: $id }) { __typename } }',
      { token, variables: { id: first.payment_method } },
    );
    expect(detached.body.data.detachStripePaymentMethod.__typename).toBe('DetachedStripePaymentMethod');
    expect(await listed()).toEqual([]);
  });

  it('answers /health and /ready', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/ready`)).status).toBe(200);
  });

  it('gives guests a budget that pressing ▶ again and again does not exhaust (1000 a minute, not 10)', async () => {
    const statuses = [];
    for (let i = 0; i < 15; i += 1) statuses.push((await callRest(url)).status);
    expect(statuses).toEqual(Array(15).fill(200));
    expect(logs.find((line) => line.guestRateLimitPerMinute !== undefined)).toMatchObject({ guestRateLimitPerMinute: 1000 });
  });

  it('answers GET / as JSON with what a script needs (the contract\'s object), and a page for a browser', async () => {
    const index = await fetch(`${url}/`, { headers: { accept: 'application/json' } });
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-store');
    const body = await index.json();
    const sandboxLine = logs.find((line) => String(line.msg).startsWith('SANDBOX MODE: no STRIPE_SECRET_KEY'))!;
    expect(body).toEqual({
      mode: 'sandbox',
      stripeApiBase: sandboxLine.stripeApiBase,
      publishableKey: 'pk_test_emulator_0123456789abcdefABCDEF',
      graphql: '/graphql',
      restPath: '/api/v2/storefront/stripe/setup_intents',
      webhookPath: '/webhooks/stripe',
      token: expect.stringMatching(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/),
    });
    // The token signs in as user_1 on the paths it names.
    const viewer = await callGraphQL(url, '{ viewer { signedIn userId } }', { token: body.token });
    expect(viewer.body.data.viewer).toEqual({ signedIn: true, userId: 'user_1' });
    // The emulator it names answers with the publishable key it names.
    const confirmable = await fetch(`${body.stripeApiBase}/v1/setup_intents/seti_missing?client_secret=x`, {
      headers: { authorization: `Bearer ${body.publishableKey}` },
    });
    expect(confirmable.status).toBe(404);

    const html = await fetch(`${url}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await html.text();
    expect(page).toContain('<a href="/graphql">');
    expect(page).toContain(body.token);
    expect(page).toContain(body.stripeApiBase);
    expect(page).toContain('<a href="/docs/sandbox.md">');
    const doc = await fetch(`${url}/docs/sandbox.md`);
    expect(doc.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await doc.text()).toMatch(/^# Sandbox/);
  });

  it('declines the next card confirmed when asked from outside (POST /_sandbox/faults), fails other calls by name, then recovers', async () => {
    const token = (await exitOf(runTs('scripts/token.ts', ['--sub', 'user_faults'], {}))).stdout.trim();
    const sandboxLine = logs.find((line) => String(line.msg).startsWith('SANDBOX MODE: no STRIPE_SECRET_KEY'))!;
    const apiBase = new URL(String(sandboxLine.stripeApiBase));
    const client = new Stripe(String(sandboxLine.publishableKey), { host: apiBase.hostname, port: apiBase.port, protocol: 'http', telemetry: false });
    const confirm = (secret: string) =>
      client.setupIntents.confirm(secret.split('_secret_')[0]!, { payment_method: 'pm_card_visa', client_secret: secret } as Stripe.SetupIntentConfirmParams);
    const injected = await fetch(`${url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fault: 'card_declined' }),
    });
    expect(injected.status).toBe(201);
    expect(await injected.json()).toEqual({ fault: 'card_declined', operation: 'confirm_setup_intent', times: 1 });
    // The gateway's own calls (customer, ephemeral key, SetupIntent) are never declined: Stripe declines a card when it is used.
    const saved = await callRest(url, { token });
    expect(saved.status).toBe(200);
    await expect(confirm(saved.body.setup_intent_client_secret)).rejects.toMatchObject({ type: 'StripeCardError', code: 'card_declined' });
    const again = await callRest(url, { token });
    await expect(confirm(again.body.setup_intent_client_secret)).resolves.toMatchObject({ status: 'succeeded' });

    const misaimed = await fetch(`${url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fault: 'card_declined', operation: 'customers' }),
    });
    expect(misaimed.status).toBe(422);
    expect((await misaimed.json()).errors).toEqual({ operation: [expect.stringMatching(/^card_declined happens only on confirm_setup_intent/)] });

    await fetch(`${url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fault: 'processing_error', times: 2 }),
    });
    for (let i = 0; i < 2; i += 1) {
      const failed = await callGraphQL(url, SETUP_INTENT_MUTATION, { token });
      expect(failed.body.data.createStripeSetupIntent).toMatchObject({ __typename: 'StripeError' });
    }
    const recovered = await callGraphQL(url, SETUP_INTENT_MUTATION, { token });
    expect(recovered.body.data.createStripeSetupIntent.__typename).toBe('StripeSetupIntent');

    const unknown = await fetch(`${url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fault: 'meteor_strike', times: 0 }),
    });
    expect(unknown.status).toBe(422);
    expect(Object.keys((await unknown.json()).errors).sort()).toEqual(['fault', 'times']);
    expect((await fetch(`${url}/_sandbox/faults`, { method: 'DELETE' })).status).toBe(204);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    child.kill('SIGTERM');
    const { code } = await exit;
    expect(code).toBe(0);
  });
});

describe('sandbox mode across a restart', () => {
  it('keeps the emulator’s state in a file beside the SQLite database (gateway.sqlite-stripe-emulator.json): the same customer after a restart', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-sandbox-restart-'));
    const env = { PORT: '0', HOST: '127.0.0.1', SANDBOX_EMULATOR_PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}` };
    const token = (await exitOf(runTs('scripts/token.ts', ['--sub', 'returning_user'], {}))).stdout.trim();
    const run = async () => {
      const child = runTs('src/main.ts', [], env);
      const exit = exitOf(child);
      try {
        const listening = await waitForLog(child, (line) => String(line.msg).startsWith('listening'));
        const rest = await callRest(String(listening.url), { token, headers: { 'idempotency-key': 'restart-1' } });
        expect(rest.status).toBe(200);
        child.kill('SIGTERM');
        expect((await exit).code).toBe(0);
        return rest.body;
      } finally {
        await stopChild(child);
      }
    };
    try {
      const first = await run();
      const statePath = join(dir, 'gateway.sqlite-stripe-emulator.json');
      expect(existsSync(statePath)).toBe(true);
      expect(readFileSync(statePath, 'utf8')).toContain(first.customer_id);
      // The stored customer still exists in the emulator, and the idempotent answer is replayed.
      const second = await run();
      expect(second).toEqual(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the sandbox emulator at a fixed address (SANDBOX_EMULATOR_PORT)', () => {
  /** A port nothing listens on now: taken from the system, then let go. */
  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it('defaults to 12111, stripe-mock’s port', () => {
    expect(loadConfig({}).sandboxEmulatorPort).toBe(12111);
  });

  it('listens on 127.0.0.1 at the port given, and the Stripe SDK reaches it there', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'gateway-sandbox-port-'));
    const gateway = await startGatewayProcess({
      PORT: '0',
      HOST: '127.0.0.1',
      SANDBOX_EMULATOR_PORT: String(port),
      DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`,
    });
    try {
      expect(gateway.sandboxLine?.stripeApiBase).toBe(`http://127.0.0.1:${port}`);
      const customerId = (await callRest(gateway.url)).body.customer_id;
      const stripe = new Stripe(DEFAULT_EMULATOR_SECRET_KEY, { host: '127.0.0.1', port, protocol: 'http', telemetry: false });
      expect((await stripe.customers.retrieve(customerId)).id).toBe(customerId);
    } finally {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a port in use stops start-up with one line naming SANDBOX_EMULATOR_PORT, no stack trace', { timeout: 60_000 }, async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const dir = mkdtempSync(join(tmpdir(), 'gateway-sandbox-port-'));
    try {
      const { code, stdout, stderr } = await runToExit('src/main.ts', [], {
        PORT: '0',
        HOST: '127.0.0.1',
        SANDBOX_EMULATOR_PORT: String(port),
        DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`,
      });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain(`SANDBOX_EMULATOR_PORT: 127.0.0.1:${port} is in use`);
    } finally {
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('start-up refusals', { timeout: 45_000 }, () => {
  it.each(['production', 'Production', 'PRODUCTION'])(
    'refuses sandbox mode with NODE_ENV=%s with one line naming the variable',
    async (nodeEnv) => {
      const { code, stderr } = await runToExit('src/main.ts', [], { NODE_ENV: nodeEnv, PORT: '0', SANDBOX_EMULATOR_PORT: '0' });
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/STRIPE_SECRET_KEY/);
    },
  );

  it('a STRIPE_SECRET_KEY set but blank is invalid configuration, not sandbox mode', async () => {
    const { code, stdout, stderr } = await runToExit('src/main.ts', [], { STRIPE_SECRET_KEY: '  ', PORT: '0', SANDBOX_EMULATOR_PORT: '0' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim()).toMatch(/^stripe-setup-gateway: invalid configuration: STRIPE_SECRET_KEY: set but blank/);
  });

  it.each([
    ['PORT', 'eighty'],
    ['STRIPE_SECRET_KEY', 'pk_test_publishable'],
    ['STRIPE_API_BASE', 'not a url'],
    ['ALLOW_GUESTS', 'maybe'],
    ['DATABASE_URL', 'mysql://db'],
    ['STRIPE_WEBHOOK_SECRET', 'sk_test_not_a_signing_secret'],
    ['STRIPE_PUBLISHABLE_KEY', 'sk_test_secret_not_publishable'],
    ['SANDBOX_EMULATOR_PORT', '65536'],
  ])('refuses an invalid %s with one line naming it', async (variable, value) => {
    const { code, stderr } = await runToExit('src/main.ts', [], { [variable]: value });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(variable);
  });
});
