import type Stripe from 'stripe';
import type { RequestContext } from '../context.js';
import { invalidRequest, missingParameter } from '../errors.js';
import { newId, randomAlphanumeric, unixSeconds } from '../ids.js';
import { assertKnownParams, readBoolean, readEnum, readHash, readList, readMetadata, readString } from '../params.js';
import { findInMode } from '../state.js';
import { deletedCustomer, requireActiveCustomer } from './customers.js';

const CREATE_PARAMS = [
  'automatic_payment_methods',
  'customer',
  'description',
  'expand',
  'metadata',
  'payment_method_types',
  'usage',
];

function readAutomaticPaymentMethods(ctx: RequestContext): Stripe.SetupIntent.AutomaticPaymentMethods | undefined {
  const hash = readHash(ctx.params.automatic_payment_methods, 'automatic_payment_methods');
  if (hash === undefined) return undefined;
  assertKnownParams(hash, ['allow_redirects', 'enabled'], 'automatic_payment_methods');
  const enabled = readBoolean(hash.enabled, 'automatic_payment_methods[enabled]');
  if (enabled === undefined) throw missingParameter('automatic_payment_methods[enabled]');
  const allowRedirects = readEnum(hash.allow_redirects, 'automatic_payment_methods[allow_redirects]', ['always', 'never']);
  return enabled ? { allow_redirects: allowRedirects ?? 'always', enabled } : { enabled };
}

/** Applies `expand[]=customer`; other expand paths are accepted and left unexpanded. */
export function render(ctx: RequestContext, intent: Stripe.SetupIntent, expand: string[] | undefined): Stripe.SetupIntent {
  if (!expand?.includes('customer') || typeof intent.customer !== 'string') return intent;
  const customer = ctx.state.deletedCustomerIds.has(intent.customer)
    ? deletedCustomer(intent.customer)
    : ctx.state.customers.get(intent.customer)!;
  return { ...intent, customer };
}

export function createSetupIntent(ctx: RequestContext): Stripe.SetupIntent {
  const p = ctx.params;
  assertKnownParams(p, CREATE_PARAMS);
  const expand = readList(p.expand, 'expand');
  const automatic = readAutomaticPaymentMethods(ctx);
  const types = readList(p.payment_method_types, 'payment_method_types');
  if (automatic?.enabled && types?.length) {
    throw invalidRequest(
      'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.',
      'automatic_payment_methods',
    );
  }
  const customerId = readString(p.customer, 'customer');
  if (customerId !== undefined) requireActiveCustomer(ctx, customerId, 'customer', 400);
  // Since API version 2023-08-16, automatic payment methods are on unless types are given.
  const automaticPaymentMethods = types?.length ? null : (automatic ?? { allow_redirects: 'always', enabled: true });
  const paymentMethodTypes = types?.length ? types : ['card'];

  const id = newId('seti', 24);
  const intent: Stripe.SetupIntent = {
    id,
    object: 'setup_intent',
    allowed_payment_method_types: null,
    application: null,
    automatic_payment_methods: automaticPaymentMethods,
    cancellation_reason: null,
    client_secret: `${id}_secret_${randomAlphanumeric(25)}`,
    created: unixSeconds(),
    customer: customerId ?? null,
    description: readString(p.description, 'description') ?? null,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: ctx.livemode,
    mandate: null,
    metadata: readMetadata(p.metadata),
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: paymentMethodTypes.includes('card')
      ? { card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' } }
      : {},
    payment_method_types: paymentMethodTypes,
    single_use_mandate: null,
    status: 'requires_payment_method',
    usage: readEnum(p.usage, 'usage', ['off_session', 'on_session']) ?? 'off_session',
  };
  ctx.state.setupIntents.set(id, intent);
  ctx.events.push({ type: 'setup_intent.created', object: structuredClone(intent) });
  return render(ctx, intent, expand);
}

export function retrieveSetupIntent(ctx: RequestContext): Stripe.SetupIntent {
  const p = ctx.params;
  assertKnownParams(p, ['client_secret', 'expand']);
  const expand = readList(p.expand, 'expand');
  const clientSecret = readString(p.client_secret, 'client_secret');
  const intent = findInMode(ctx.state.setupIntents, ctx.id, ctx.livemode, { noun: 'setupintent', param: 'intent', status: 404 });
  if (clientSecret !== undefined && clientSecret !== intent.client_secret) {
    throw invalidRequest(
      'The client_secret provided does not match the client_secret associated with the SetupIntent.',
      'client_secret',
    );
  }
  return render(ctx, intent, expand);
}

const CANCELABLE: ReadonlySet<Stripe.SetupIntent.Status> = new Set([
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
]);

/** Cancels a SetupIntent that has not succeeded; it cannot be used again. */
export function cancelSetupIntent(ctx: RequestContext): Stripe.SetupIntent {
  const p = ctx.params;
  assertKnownParams(p, ['cancellation_reason', 'expand']);
  const expand = readList(p.expand, 'expand');
  const reason = readEnum(p.cancellation_reason, 'cancellation_reason', ['abandoned', 'duplicate', 'requested_by_customer']);
  const intent = findInMode(ctx.state.setupIntents, ctx.id, ctx.livemode, { noun: 'setupintent', param: 'intent', status: 404 });
  if (!CANCELABLE.has(intent.status)) {
    throw invalidRequest(
      `You cannot cancel this SetupIntent because it has a status of ${intent.status}.`,
      undefined,
      'setup_intent_unexpected_state',
    );
  }
  intent.status = 'canceled';
  intent.cancellation_reason = reason ?? null;
  ctx.events.push({ type: 'setup_intent.canceled', object: structuredClone(intent) });
  return render(ctx, intent, expand);
}
