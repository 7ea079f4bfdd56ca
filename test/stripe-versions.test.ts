import { describe, expect, it } from 'vitest';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION, tokenFor } from './support/clients.js';
import { CARD_DECLINED_ONCE, SETUP_INTENT_REFUSED_ONCE } from './support/faults.js';
import { useWorld } from './support/gateway.js';

describe('a client stripe_version', () => {
  const world = useWorld();
  const liveSetupIntents = () => world().emulator.setupIntents().filter((intent) => intent.status !== 'canceled');

  it('that Stripe never released is refused as a field error, and nothing is left in Stripe', async () => {
    const token = await tokenFor({ sub: 'versioned_user' });
    const rest = await callRest(world().gateway.url, { token, body: { stripe_version: '2024-06-21' } });
    expect(rest.status, JSON.stringify(rest.body)).toBe(422);
    expect(Object.keys(rest.body.errors)).toEqual(['stripe_version']);
    const graphql = await callGraphQL(world().gateway.url, SETUP_INTENT_MUTATION, {
      token,
      variables: { input: { stripeVersion: '2024-06-21' } },
    });
    expect(graphql.body.data.createStripeSetupIntent).toMatchObject({
      __typename: 'ValidationError',
      fieldErrors: [{ field: 'stripeVersion' }],
    });
    expect(liveSetupIntents()).toEqual([]);
    expect(world().emulator.ephemeralKeys()).toEqual([]);
  });

  it('dated after the newest version the SDK knows goes to Stripe, whose refusal is the same field error', async () => {
    const token = await tokenFor({ sub: 'future_user' });
    const rest = await callRest(world().gateway.url, { token, body: { stripe_version: '2099-01-01' } });
    expect(rest.status, JSON.stringify(rest.body)).toBe(422);
    expect(Object.keys(rest.body.errors)).toEqual(['stripe_version']);
    const asked = world().emulator.requests().filter((request) => request.path === '/v1/ephemeral_keys');
    expect(asked.map((request) => [request.stripeVersion, request.status])).toEqual([['2099-01-01', 400]]);
    // The SetupIntent created beside the refused key was canceled before the answer.
    expect(world().emulator.setupIntents().map((intent) => intent.status)).toEqual(['canceled']);
    expect(liveSetupIntents()).toEqual([]);
  });

  it('that Stripe released is used for the ephemeral key', async () => {
    const answer = await callRest(world().gateway.url, { body: { stripe_version: '2025-03-31.basil' } });
    expect(answer.status).toBe(200);
    expect(world().emulator.ephemeralKeys().map((key) => key.apiVersion)).toEqual(['2025-03-31.basil']);
  });
});

describe('when one of the two concurrent creates fails', () => {
  const world = useWorld();

  it('the SetupIntent created beside a refused ephemeral key is canceled before the answer', async () => {
    world().emulator.injectFault(CARD_DECLINED_ONCE);
    const answer = await callRest(world().gateway.url, { token: await tokenFor({ sub: 'declined_user' }) });
    expect(answer.status).toBe(422);
    expect(world().emulator.setupIntents().map((intent) => [intent.status, intent.cancellation_reason])).toEqual([
      ['canceled', null],
    ]);
  });

  it('the ephemeral key created beside a refused SetupIntent is expired before the answer', async () => {
    world().emulator.injectFault(SETUP_INTENT_REFUSED_ONCE);
    const answer = await callRest(world().gateway.url, { token: await tokenFor({ sub: 'refused_user' }) });
    expect(answer.status).toBe(422);
    expect(world().emulator.ephemeralKeys().map((key) => key.deleted)).toEqual([true]);
  });
});
