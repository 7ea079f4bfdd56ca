import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { FaultSpec } from '../src/emulator/index.js';
import { callGraphQL, callRest, tokenFor } from './support/clients.js';
import { useWorld } from './support/gateway.js';
import { eventPayload, postWebhook, signatureFor, WEBHOOK_SECRET } from './support/webhooks.js';

/** Long enough for the SDK's retries (its timeout, then 0.5-1 s backoff) to reach Stripe, had they been left running. */
const AFTERMATH_MS = 4000;

describe('a call answered at its deadline', () => {
  const world = useWorld({ REQUEST_DEADLINE_MS: '300', STRIPE_TIMEOUT_MS: '1000' });

  it.each<[string, FaultSpec]>([
    ['a SetupIntent Stripe never answers', { kind: 'hang', match: { method: 'POST', path: '/v1/setup_intents' } }],
    ['a customer Stripe creates slowly', { kind: 'latency', ms: 600, match: { method: 'POST', path: '/v1/customers' } }],
  ])('starts no Stripe request after the answer: %s', async (_what, fault) => {
    world().emulator.injectFault(fault);
    const answer = await callRest(world().gateway.url, { token: await tokenFor({ sub: 'impatient_user' }) });
    expect(answer.body).toMatchObject({ error: expect.stringMatching(/did not answer in time/), retryable: true });
    const seenAtAnswer = world().emulator.requests().length;
    await sleep(AFTERMATH_MS);
    const after = world().emulator.requests().slice(seenAtAnswer).map((request) => `${request.method} ${request.path}`);
    expect(after).toEqual([]);
  });
});

describe('customer sessions, saved cards and webhooks answered at their deadline', () => {
  const world = useWorld({ REQUEST_DEADLINE_MS: '300', STRIPE_TIMEOUT_MS: '1000', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET });

  /** Runs `call` with Stripe hanging on `path`; no Stripe request of the call may follow its answer. */
  async function whileStripeHangs<T>(path: string | RegExp, call: () => Promise<T>): Promise<T> {
    world().emulator.injectFault({ kind: 'hang', match: { path } });
    const answer = await call();
    const seenAtAnswer = world().emulator.requests().length;
    await sleep(AFTERMATH_MS);
    expect(world().emulator.requests().slice(seenAtAnswer).map((request) => `${request.method} ${request.path}`)).toEqual([]);
    return answer;
  }

  it('createStripeCustomerSession: a retryable StripeError, and nothing after it', async () => {
    const token = await tokenFor({ sub: 'impatient_session' });
    const answer = await whileStripeHangs('/v1/customer_sessions', () =>
      callGraphQL(
        world().gateway.url,
        'mutation { createStripeCustomerSession(input: { component: PAYMENT_ELEMENT }) { __typename ... on StripeError { message retryable } } }',
        { token },
      ),
    );
    expect(answer.body.data.createStripeCustomerSession).toEqual({
      __typename: 'StripeError',
      message: expect.stringMatching(/did not answer in time/),
      retryable: true,
    });
  });

  it('viewer.paymentMethods and detachStripePaymentMethod: Stripe’s silence ends at the deadline', async () => {
    const token = await tokenFor({ sub: 'impatient_wallet' });
    // The user gets a customer first; 300 ms is short on a loaded machine, so a few tries.
    let status = 0;
    for (let attempt = 0; attempt < 10 && status !== 200; attempt++) status = (await callRest(world().gateway.url, { token })).status;
    expect(status).toBe(200);
    const listed = await whileStripeHangs(/\/payment_methods$/, () =>
      callGraphQL(world().gateway.url, '{ viewer { paymentMethods { id } } }', { token }),
    );
    expect(listed.body.errors[0]).toMatchObject({ message: expect.stringMatching(/did not answer in time/), extensions: { code: 'STRIPE_ERROR', retryable: true } });
    world().emulator.clearFaults();
    const detached = await whileStripeHangs(/^\/v1\/payment_methods\//, () =>
      callGraphQL(world().gateway.url, 'mutation { detachStripePaymentMethod(input: { paymentMethodId: "pm_1Slow" }) { __typename } }', { token }),
    );
    expect(detached.body.data.detachStripePaymentMethod.__typename).toBe('StripeError');
  });

  it('a webhook whose handling Stripe does not answer: 503, so Stripe delivers it again', async () => {
    const payload = eventPayload('setup_intent.succeeded', {
      id: 'seti_slow',
      object: 'setup_intent',
      customer: 'cus_slow',
      payment_method: 'pm_slow',
    });
    const answer = await whileStripeHangs(/\/payment_methods$/, () =>
      postWebhook(world().gateway.url, payload, signatureFor(payload)),
    );
    expect(answer.status).toBe(503);
  });
});

describe('a repeat after a call was answered at its deadline', () => {
  const world = useWorld({ REQUEST_DEADLINE_MS: '300', STRIPE_TIMEOUT_MS: '1000' });

  it('picks up what Stripe finished under the first call’s keys: one SetupIntent, none left behind', async () => {
    const token = await tokenFor({ sub: 'patient_user' });
    const headers = { 'idempotency-key': 'slow-checkout' };
    await callRest(world().gateway.url, { token }); // the customer exists: only the pair is slow
    const slow = world().emulator.injectFault({ kind: 'latency', ms: 700, match: { method: 'POST', path: '/v1/setup_intents' } });
    const late = await callRest(world().gateway.url, { token, headers });
    expect(late.body).toMatchObject({ error: expect.stringMatching(/did not answer in time/), retryable: true });
    await sleep(3000); // Stripe finishes the SetupIntent it began; anything of the call left running would have too
    slow.remove();

    const repeated = await callRest(world().gateway.url, { token, headers });
    expect(repeated.status, JSON.stringify(repeated.body)).toBe(200);
    const intents = world().emulator.setupIntents().filter((intent) => intent.metadata?.user_id === 'patient_user');
    expect(intents.map((intent) => intent.status)).toEqual(['requires_payment_method', 'requires_payment_method']);
    expect(repeated.body.setup_intent_client_secret).toBe(intents[1]!.client_secret);
  });
});
