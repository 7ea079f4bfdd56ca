import Stripe from 'stripe';
import { PaymentProviderError, RateLimitedError } from '../core/errors.js';
import { budgetRefusalOf } from './budgeted-http-client.js';

/** Stripe sends no Retry-After with its 429s; its limiter counts per second. */
const STRIPE_RETRY_AFTER_SECONDS = 1;

/**
 * The one boundary where Stripe's errors become ours. Our own credentials being refused is
 * the operator's problem, so its message (which names part of the key) stays in the log.
 */
export function translateStripeError(error: unknown): unknown {
  const refusal = budgetRefusalOf(error);
  if (refusal !== undefined) return refusal;
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  // Stripe's own limiter (any 429: `rate_limit`, and `lock_timeout` once the SDK's retries Stripe
  // asked for are spent; `type: rate_limit_error` from older shapes) is the account's budget too.
  if (error instanceof Stripe.errors.StripeRateLimitError || error.type === 'rate_limit_error' as string) {
    return new RateLimitedError(retryAfterOf(error), 'stripe-account');
  }
  const credentialsRefused =
    error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError;
  return new PaymentProviderError(
    credentialsRefused ? 'The payment provider refused the gateway’s credentials.' : error.message,
    {
      code: error.code ?? null,
      declineCode: error.decline_code ?? null,
      requestId: error.requestId ?? null,
      retryable: isRetryable(error),
    },
    { cause: error },
  );
}

/**
 * Whether the same call can succeed later. Stripe's `Stripe-Should-Retry: false` on a 500 speaks
 * of a retry under the same Stripe key, which the gateway never makes after it: the client's
 * repeat starts a new attempt (see idempotency.ts), a customer is created under a fresh key.
 * So no answer (timeouts, resets), conflicts, rate limits and Stripe's own failures can pass;
 * anything else Stripe refused will be refused again unless Stripe asks for a retry.
 */
function isRetryable(error: Stripe.errors.StripeError): boolean {
  if (error instanceof Stripe.errors.StripeConnectionError) return true;
  const status = error.statusCode;
  if (status === 409 || status === 429 || (status !== undefined && status >= 500)) return true;
  return error.headers?.['stripe-should-retry'] === 'true';
}

function retryAfterOf(error: Stripe.errors.StripeError): number {
  const header = Number(error.headers?.['retry-after']);
  return Number.isInteger(header) && header >= 1 && header <= 60 ? header : STRIPE_RETRY_AFTER_SECONDS;
}
