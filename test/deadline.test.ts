import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { FaultSpec } from '../src/emulator/index.js';
import { callRest, tokenFor } from './support/clients.js';
import { useWorld } from './support/gateway.js';

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
