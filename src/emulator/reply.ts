import { ApiError, docUrl, type StripeErrorBody } from './errors.js';
import type { ErrorFault, RateLimitFault } from './faults.js';

/** A complete answer, body already serialised (idempotent replays must be byte-identical). */
export interface Reply {
  status: number;
  body: string;
  headers: Readonly<Record<string, string>>;
}

const NO_HEADERS: Readonly<Record<string, string>> = {};

export function jsonReply(status: number, body: object, headers = NO_HEADERS): Reply {
  return { status, body: JSON.stringify(body), headers };
}

/** Stripe's error envelope for an ApiError; anything else is a bug in the emulator, reported as api_error 500. */
export function errorReply(error: unknown, requestId: string, livemode: boolean): Reply {
  const apiError =
    error instanceof ApiError
      ? error
      : new ApiError(500, { type: 'api_error', message: `Emulator internal error: ${String(error)}` });
  const body: StripeErrorBody = {
    ...apiError.body,
    request_log_url: `https://dashboard.stripe.com/${livemode ? '' : 'test/'}logs/${requestId}`,
  };
  return jsonReply(apiError.status, { error: body }, apiError.headers);
}

export function faultError(fault: ErrorFault): ApiError {
  const body: StripeErrorBody = {
    type: fault.type,
    ...(fault.code === undefined ? {} : { code: fault.code, doc_url: docUrl(fault.code) }),
    ...(fault.declineCode === undefined ? {} : { decline_code: fault.declineCode }),
    ...(fault.param === undefined ? {} : { param: fault.param }),
    message: fault.message ?? `Injected ${fault.status} ${fault.type} (emulator fault).`,
  };
  const headers = fault.shouldRetry === undefined ? NO_HEADERS : { 'Stripe-Should-Retry': String(fault.shouldRetry) };
  return new ApiError(fault.status, body, headers);
}

const RATE_LIMITS = {
  rate_limit: {
    message:
      'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
    headers: NO_HEADERS,
  },
  lock_timeout: {
    message:
      'This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request. If you see this error frequently and are making multiple concurrent requests to a single object, make your requests serially or at a lower rate. See https://stripe.com/docs/rate-limits for more details.',
    headers: { 'Stripe-Should-Retry': 'true' },
  },
} as const;

/** Stripe's 429: an invalid_request_error with code rate_limit or lock_timeout. */
export function rateLimitError(fault: RateLimitFault): ApiError {
  const code = fault.reason ?? 'rate_limit';
  const { message, headers } = RATE_LIMITS[code];
  return new ApiError(429, { type: 'invalid_request_error', code, doc_url: docUrl(code), message }, headers);
}
