import { stripeVersionStanding } from '../stripe/stripe-versions.js';
import { ValidationError, type FieldError } from '../core/errors.js';

/** The SetupIntent's `usage`: whether the saved card will be charged with the shopper present. */
export type SetupIntentUsage = 'off_session' | 'on_session';
export const SETUP_INTENT_USAGES: readonly SetupIntentUsage[] = ['off_session', 'on_session'];

/** The mutation's input; REST maps its body and headers onto the same shape. */
export interface CreateStripeSetupIntentInput {
  stripeVersion?: string | null | undefined;
  idempotencyKey?: string | null | undefined;
  /** REST passes the body's value as it came; GraphQL's enum maps onto these strings. */
  usage?: string | null | undefined;
}

export interface ValidInput {
  stripeVersion: string | undefined;
  idempotencyKey: string | undefined;
  usage: SetupIntentUsage;
}

const STRIPE_VERSION = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(\.[a-z][a-z0-9_]*)?$/;
export const STRIPE_VERSION_UNKNOWN =
  'Stripe never released this API version; send the version your Stripe SDK is pinned to, such as 2024-06-20';

// Stripe's own limit for idempotency keys; printable ASCII so it survives an HTTP header.
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function validateInput(input: CreateStripeSetupIntentInput): ValidInput {
  const fieldErrors: FieldError[] = [];
  const stripeVersion = input.stripeVersion ?? undefined;
  const idempotencyKey = input.idempotencyKey ?? undefined;
  if (stripeVersion !== undefined && !STRIPE_VERSION.test(stripeVersion)) {
    fieldErrors.push({
      field: 'stripeVersion',
      messages: ['Stripe version must be a Stripe API version such as 2026-10-28.endive or 2024-06-20'],
    });
  } else if (stripeVersion !== undefined && stripeVersionStanding(stripeVersion) === 'unreleased') {
    // A date after the newest version our SDK knows is left to Stripe (see README, Stripe versions).
    fieldErrors.push({ field: 'stripeVersion', messages: [STRIPE_VERSION_UNKNOWN] });
  }
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    fieldErrors.push({
      field: 'idempotencyKey',
      messages: ['Idempotency key must be 1 to 255 printable ASCII characters without spaces'],
    });
  }
  const usage = input.usage ?? 'off_session';
  if (!isUsage(usage)) fieldErrors.push({ field: 'usage', messages: ['Usage must be off_session or on_session'] });
  if (fieldErrors.length > 0) throw new ValidationError(fieldErrors);
  return { stripeVersion, idempotencyKey, usage: usage as SetupIntentUsage };
}

function isUsage(value: string): value is SetupIntentUsage {
  return (SETUP_INTENT_USAGES as readonly string[]).includes(value);
}
