import { Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EMULATOR_SECRET_KEY, startStripeEmulator } from '../src/emulator/index.js';
import { createLogger } from '../src/http/logger.js';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION, tokenFor } from './support/clients.js';
import { startGateway, TEST_JWT_SECRET } from './support/gateway.js';
import { confirmWithTestCard, eventPayload, postWebhook, signatureFor, WEBHOOK_PATH, WEBHOOK_SECRET } from './support/webhooks.js';

describe('the log of a full scenario', () => {
  it('holds request ids and never a token, a Stripe key, a webhook secret, an ephemeral key secret or a client secret', async () => {
    let captured = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        captured += chunk.toString();
        done();
      },
    });
    const emulator = await startStripeEmulator();
    const dir = mkdtempSync(join(tmpdir(), 'gateway-logs-'));
    const secrets: string[] = [DEFAULT_EMULATOR_SECRET_KEY, TEST_JWT_SECRET, WEBHOOK_SECRET];
    const logged = await startGateway(
      emulator,
      `sqlite:${join(dir, 'gateway.sqlite')}`,
      { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET },
      createLogger('trace', sink),
    );
    emulator.addWebhookEndpoint({ url: `${logged.url}${WEBHOOK_PATH}`, secret: WEBHOOK_SECRET });
    try {
      const token = await tokenFor({ sub: 'logged_user', email: 'logged@example.com' });
      const forged = await tokenFor({ sub: 'logged_user' }, 'a-different-secret-for-forging-0123456789');
      secrets.push(token, forged);
      const answers = [
        await callRest(logged.url, { token, headers: { 'idempotency-key': 'log-key-1' } }),
        await callRest(logged.url),
        await callGraphQL(logged.url, SETUP_INTENT_MUTATION, { token }),
      ];
      for (const { body } of answers) {
        const result = body.data?.createStripeSetupIntent ?? body;
        secrets.push(
          result.ephemeral_key_secret ?? result.ephemeralKeySecret,
          result.setup_intent_client_secret ?? result.setupIntentClientSecret,
        );
      }
      // A customer session, a card saved with it twice (the webhook detaches the copy), a listing and a detach.
      const session = await callGraphQL(
        logged.url,
        'mutation { createStripeCustomerSession(input: { component: PAYMENT_ELEMENT }) { ... on StripeCustomerSession { customerSessionClientSecret setupIntentClientSecret } } }',
        { token },
      );
      const { customerSessionClientSecret, setupIntentClientSecret } = session.body.data.createStripeCustomerSession;
      secrets.push(customerSessionClientSecret, setupIntentClientSecret);
      const saved = await confirmWithTestCard(emulator, setupIntentClientSecret);
      await confirmWithTestCard(emulator, answers[0]!.body.setup_intent_client_secret);
      await emulator.webhooksIdle();
      await callGraphQL(logged.url, '{ viewer { paymentMethods { id } } }', { token });
      await callGraphQL(logged.url, `mutation { detachStripePaymentMethod(input: { paymentMethodId: "${saved.payment_method}" }) { __typename } }`, { token });
      const forgedEvent = eventPayload('customer.deleted', { id: 'cus_x', object: 'customer' });
      await postWebhook(logged.url, forgedEvent, signatureFor(forgedEvent, 'whsec_not_the_gateways'));
      await callRest(logged.url, { token: forged });
      await callGraphQL(logged.url, '{ viewer { userId } }', { token: forged });
      emulator.injectFault({ kind: 'error', status: 401, type: 'invalid_request_error', message: `Invalid API Key provided: ${DEFAULT_EMULATOR_SECRET_KEY}` });
      await callRest(logged.url, { token });
      emulator.clearFaults();
      await logged.app.services.store.close();
      await callRest(logged.url, { token });
      await callGraphQL(logged.url, SETUP_INTENT_MUTATION, { token });
    } finally {
      await logged.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }

    const lines = captured.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.msg === 'request finished').length).toBeGreaterThanOrEqual(8);
    expect(lines.every((line) => line.msg !== 'request finished' || typeof line.requestId === 'string')).toBe(true);
    expect(lines.some((line) => line.level >= 50)).toBe(true); // the masked 500s were logged in full
    const messages = lines.map((line) => line.msg);
    expect(messages).toContain('detached a duplicate card');
    expect(messages).toContain('refused a webhook without a valid Stripe-Signature');
    expect(messages).toContain('detached a payment method at the customer’s request');
    expect(secrets.filter(Boolean).length).toBeGreaterThanOrEqual(10);
    for (const secret of secrets.filter(Boolean)) expect(captured).not.toContain(secret);
  });
});
