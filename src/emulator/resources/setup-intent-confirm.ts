import type Stripe from 'stripe';
import type { RequestContext } from '../context.js';
import { invalidRequest } from '../errors.js';
import { assertKnownParams, readHash, readList, readString } from '../params.js';
import { findInMode } from '../state.js';
import { requireActiveCustomer } from './customers.js';
import { attachPaymentMethod, paymentMethodFromData, resolvePaymentMethod } from './payment-methods.js';
import { render } from './setup-intents.js';

const CONFIRM_PARAMS = [
  'client_secret',
  'expand',
  'mandate_data',
  'payment_method',
  'payment_method_data',
  'payment_method_options',
  'return_url',
  'use_stripe_sdk',
];
const CONFIRMABLE: ReadonlySet<Stripe.SetupIntent.Status> = new Set(['requires_payment_method', 'requires_confirmation']);

function unexpectedState(intent: Stripe.SetupIntent): Error {
  const why = intent.status === 'succeeded' ? 'it has already succeeded' : `it has a status of ${intent.status}`;
  return invalidRequest(
    `You cannot confirm this SetupIntent because ${why}.`,
    undefined,
    'setup_intent_unexpected_state',
  );
}

/**
 * Confirms with a test card: `payment_method=pm_card_visa` (saved with allow_redisplay
 * `unspecified`, as legacy integrations save cards), an existing pm_ id, or
 * `payment_method_data[type]=card&payment_method_data[card][token]=tok_visa` with an
 * `allow_redisplay` of its own (as the Payment Element sends when the shopper ticks "save").
 * Test cards need no authentication, so the intent succeeds at once and the card is attached
 * to the intent's customer.
 */
export function confirmSetupIntent(ctx: RequestContext): Stripe.SetupIntent {
  const p = ctx.params;
  assertKnownParams(p, CONFIRM_PARAMS);
  const expand = readList(p.expand, 'expand');
  const intent = findInMode(ctx.state.setupIntents, ctx.id, ctx.livemode, { noun: 'setupintent', param: 'intent', status: 404 });
  const clientSecret = readString(p.client_secret, 'client_secret');
  if (ctx.publishable && clientSecret === undefined) {
    throw invalidRequest('A client_secret is required to confirm a SetupIntent with a publishable key.', 'client_secret');
  }
  if (clientSecret !== undefined && clientSecret !== intent.client_secret) {
    throw invalidRequest(
      'The client_secret provided does not match the client_secret associated with the SetupIntent.',
      'client_secret',
    );
  }
  if (!CONFIRMABLE.has(intent.status)) throw unexpectedState(intent);
  const customerId = typeof intent.customer === 'string' ? intent.customer : (intent.customer?.id ?? null);
  if (customerId !== null) requireActiveCustomer(ctx, customerId, 'customer', 400);

  const paymentMethodId = readString(p.payment_method, 'payment_method');
  const data = readHash(p.payment_method_data, 'payment_method_data');
  if (paymentMethodId !== undefined && data !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: payment_method, payment_method_data.', 'payment_method_data');
  }
  const existing = typeof intent.payment_method === 'string' ? intent.payment_method : undefined;
  const method =
    data !== undefined
      ? paymentMethodFromData(ctx, data, 'payment_method_data')
      : paymentMethodId !== undefined
        ? resolvePaymentMethod(ctx, paymentMethodId, 'payment_method')
        : existing !== undefined
          ? resolvePaymentMethod(ctx, existing, 'payment_method')
          : undefined;
  if (method === undefined) {
    throw invalidRequest(
      'You cannot confirm this SetupIntent because it’s missing a payment method. Update the SetupIntent with a payment method and then confirm it again.',
      undefined,
      'setup_intent_unexpected_state',
    );
  }
  if (method.customer !== null && method.customer !== customerId) {
    throw invalidRequest(
      'The provided PaymentMethod was previously used with a different customer and cannot be reused.',
      'payment_method',
    );
  }
  if (customerId !== null) attachPaymentMethod(ctx, method, customerId);
  intent.payment_method = method.id;
  intent.status = 'succeeded';
  ctx.events.push({ type: 'setup_intent.succeeded', object: structuredClone(intent) });
  return render(ctx, intent, expand);
}
