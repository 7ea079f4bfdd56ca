import Stripe from 'stripe';
import { PaymentProviderError } from '../resolvers/errors.js';

/**
 * The one boundary where Stripe's errors become ours. Our own credentials being refused is
 * the operator's problem, so its message (which names part of the key) stays in the log.
 */
export function translateStripeError(error: unknown): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
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

function isRetryable(error: Stripe.errors.StripeError): boolean {
  const shouldRetry = error.headers?.['stripe-should-retry'];
  if (shouldRetry !== undefined) return shouldRetry === 'true';
  if (error instanceof Stripe.errors.StripeConnectionError) return true;
  const status = error.statusCode;
  return status === 409 || status === 429 || (status !== undefined && status >= 500);
}
