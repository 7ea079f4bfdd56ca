import type Stripe from 'stripe';
import type { RequestContext } from '../context.js';
import { invalidRequest, missingParameter, resourceMissing, type ApiError } from '../errors.js';
import type { Params } from '../form.js';
import { newId, unixSeconds } from '../ids.js';
import { assertKnownParams, readEnum, readHash, readLimit, readList, readMetadata, readString } from '../params.js';
import { findInMode } from '../state.js';
import { requireActiveCustomer } from './customers.js';
import { cardFingerprint, testCardExpiry, testCardForPaymentMethod, testCardForToken, type TestCard } from './test-cards.js';

const ALLOW_REDISPLAY = ['always', 'limited', 'unspecified'] as const;
const NOUN = 'PaymentMethod';

function unsupportedCard(param: string): ApiError {
  return invalidRequest(
    'The emulator saves Stripe test cards only: pass a test token such as tok_visa, or confirm with a test payment method such as pm_card_visa.',
    param,
    'parameter_invalid_string',
  );
}

function nullAddress(): Stripe.Address {
  return { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };
}

function readBillingDetails(value: Params[string] | undefined, param: string): Stripe.PaymentMethod.BillingDetails {
  const hash = readHash(value, param) ?? {};
  assertKnownParams(hash, ['email', 'name', 'phone'], param);
  return {
    address: nullAddress(),
    email: readString(hash.email, `${param}[email]`, 800) ?? null,
    name: readString(hash.name, `${param}[name]`) ?? null,
    phone: readString(hash.phone, `${param}[phone]`) ?? null,
    tax_id: null,
  };
}

export interface NewCardOptions {
  allowRedisplay: Stripe.PaymentMethod.AllowRedisplay;
  billingDetails?: Stripe.PaymentMethod.BillingDetails;
  metadata?: Record<string, string>;
}

/** A new card payment method for a test card, stored unattached. */
export function storeCardPaymentMethod(ctx: RequestContext, card: TestCard, options: NewCardOptions): Stripe.PaymentMethod {
  const method: Stripe.PaymentMethod = {
    id: newId('pm', 24),
    object: 'payment_method',
    allow_redisplay: options.allowRedisplay,
    billing_details: options.billingDetails ?? readBillingDetails(undefined, 'billing_details'),
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: card.country,
      display_brand: card.displayBrand,
      ...testCardExpiry(),
      fingerprint: cardFingerprint(ctx.accountId, card),
      funding: card.funding,
      generated_from: null,
      last4: card.number.slice(-4),
      networks: { available: [card.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: unixSeconds(),
    customer: null,
    customer_account: null,
    livemode: ctx.livemode,
    metadata: options.metadata ?? {},
    type: 'card',
  };
  ctx.state.paymentMethods.set(method.id, method);
  return method;
}

/**
 * `payment_method_data` as SetupIntent confirmation takes it: `type=card` with `card[token]`
 * a test token (tok_visa), plus `allow_redisplay`, `billing_details` and `metadata`.
 */
export function paymentMethodFromData(ctx: RequestContext, data: Params, param: string): Stripe.PaymentMethod {
  const at = (name: string) => (param === '' ? name : `${param}[${name}]`);
  assertKnownParams(data, ['allow_redisplay', 'billing_details', 'card', 'metadata', 'type'], param || undefined);
  const type = readString(data.type, at('type'));
  if (type === undefined) throw missingParameter(at('type'));
  if (type !== 'card') throw invalidRequest(`The emulator saves cards only, not ${type}.`, at('type'));
  const card = readHash(data.card, at('card'));
  if (card === undefined) throw missingParameter(at('card'));
  assertKnownParams(card, ['cvc', 'exp_month', 'exp_year', 'number', 'token'], at('card'));
  const token = readString(card.token, `${at('card')}[token]`);
  if (token === undefined) throw unsupportedCard(at('card'));
  const testCard = testCardForToken(token);
  if (testCard === undefined) throw invalidRequest(`No such token: '${token}'`, `${at('card')}[token]`, 'resource_missing');
  return storeCardPaymentMethod(ctx, testCard, {
    allowRedisplay: readEnum(data.allow_redisplay, at('allow_redisplay'), ALLOW_REDISPLAY) ?? 'unspecified',
    billingDetails: readBillingDetails(data.billing_details, at('billing_details')),
    metadata: readMetadata(data.metadata),
  });
}

/**
 * The `payment_method` a request names: a test id (pm_card_visa) stands for a new copy of that
 * card, as on Stripe; any other id must exist in this mode.
 */
export function resolvePaymentMethod(ctx: RequestContext, id: string, param: string): Stripe.PaymentMethod {
  const testCard = testCardForPaymentMethod(id);
  if (testCard !== undefined) return storeCardPaymentMethod(ctx, testCard, { allowRedisplay: 'unspecified' });
  return findInMode(ctx.state.paymentMethods, id, ctx.livemode, { noun: NOUN, param, status: 400 });
}

/** Attaches the method to the customer (a no-op when it already is) and raises payment_method.attached. */
export function attachPaymentMethod(ctx: RequestContext, method: Stripe.PaymentMethod, customerId: string): void {
  if (method.customer === customerId) return;
  if (method.customer !== null) {
    throw invalidRequest(
      'The payment method you provided has already been attached to a customer.',
      'payment_method',
      'payment_method_unexpected_state',
    );
  }
  method.customer = customerId;
  ctx.events.push({ type: 'payment_method.attached', object: structuredClone(method) });
}

export function createPaymentMethod(ctx: RequestContext): Stripe.PaymentMethod {
  const p = ctx.params;
  assertKnownParams(p, ['allow_redisplay', 'billing_details', 'card', 'expand', 'metadata', 'type']);
  readList(p.expand, 'expand');
  const { expand: _expand, ...data } = p;
  return paymentMethodFromData(ctx, data, '');
}

export function retrievePaymentMethod(ctx: RequestContext): Stripe.PaymentMethod {
  assertKnownParams(ctx.params, ['expand']);
  readList(ctx.params.expand, 'expand');
  return findInMode(ctx.state.paymentMethods, ctx.id, ctx.livemode, { noun: NOUN, param: 'payment_method', status: 404 });
}

/** `customer=cus_…`: the method (a test id such as pm_card_visa attaches a new copy, as on Stripe) joins the customer. */
export function attachPaymentMethodToCustomer(ctx: RequestContext): Stripe.PaymentMethod {
  assertKnownParams(ctx.params, ['customer', 'expand']);
  readList(ctx.params.expand, 'expand');
  const customerId = readString(ctx.params.customer, 'customer');
  if (customerId === undefined) throw missingParameter('customer');
  const testCard = testCardForPaymentMethod(ctx.id);
  const existing =
    testCard === undefined
      ? findInMode(ctx.state.paymentMethods, ctx.id, ctx.livemode, { noun: NOUN, param: 'payment_method', status: 404 })
      : undefined;
  requireActiveCustomer(ctx, customerId, 'customer', 400);
  const method = existing ?? storeCardPaymentMethod(ctx, testCard!, { allowRedisplay: 'unspecified' });
  attachPaymentMethod(ctx, method, customerId);
  return method;
}

export function detachPaymentMethod(ctx: RequestContext): Stripe.PaymentMethod {
  assertKnownParams(ctx.params, ['expand']);
  readList(ctx.params.expand, 'expand');
  const method = findInMode(ctx.state.paymentMethods, ctx.id, ctx.livemode, {
    noun: NOUN,
    param: 'payment_method',
    status: 404,
  });
  if (method.customer === null) {
    throw invalidRequest(
      'The payment method you provided is not attached to a customer so detachment is impossible.',
      undefined,
      'payment_method_unexpected_state',
    );
  }
  method.customer = null;
  ctx.events.push({ type: 'payment_method.detached', object: structuredClone(method) });
  return method;
}

/** Newest first, as Stripe lists; `allow_redisplay` and `type` filter. */
export function listCustomerPaymentMethods(ctx: RequestContext): Stripe.ApiList<Stripe.PaymentMethod> {
  const p = ctx.params;
  assertKnownParams(p, ['allow_redisplay', 'ending_before', 'expand', 'limit', 'starting_after', 'type']);
  readList(p.expand, 'expand');
  requireActiveCustomer(ctx, ctx.id, 'customer', 404);
  const limit = readLimit(p.limit);
  const allowRedisplay = readEnum(p.allow_redisplay, 'allow_redisplay', ALLOW_REDISPLAY);
  const type = readString(p.type, 'type');
  const startingAfter = readString(p.starting_after, 'starting_after');
  const endingBefore = readString(p.ending_before, 'ending_before');
  if (startingAfter !== undefined && endingBefore !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', 'ending_before');
  }
  const matching = [...ctx.state.paymentMethods.values()]
    .filter(
      (method) =>
        method.customer === ctx.id &&
        (allowRedisplay === undefined || method.allow_redisplay === allowRedisplay) &&
        (type === undefined || method.type === type),
    )
    .reverse();
  const positionOf = (id: string, param: string) => {
    const position = matching.findIndex((method) => method.id === id);
    if (position === -1) throw resourceMissing(NOUN, id, param, 400);
    return position;
  };
  let data: Stripe.PaymentMethod[];
  let hasMore: boolean;
  if (endingBefore !== undefined) {
    const end = positionOf(endingBefore, 'ending_before');
    data = matching.slice(Math.max(0, end - limit), end);
    hasMore = end - limit > 0;
  } else {
    const start = startingAfter === undefined ? 0 : positionOf(startingAfter, 'starting_after') + 1;
    data = matching.slice(start, start + limit);
    hasMore = start + limit < matching.length;
  }
  return { object: 'list', data, has_more: hasMore, url: `/v1/customers/${ctx.id}/payment_methods` };
}
