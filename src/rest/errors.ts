import type { ErrorRequestHandler } from 'express';
import {
  AuthenticationRequiredError,
  AuthUnavailableError,
  PaymentProviderError,
  RateLimitedError,
  UnauthenticatedError,
  ValidationError,
} from '../core/errors.js';
import { StoreUnavailableError } from '../core/store-unavailable.js';
import { sendJsonApi } from './json-api.js';

/** The spec's `Error` schema: `error`, plus `errors` keyed by body field where fields are at fault. */
interface ErrorBody {
  error: string;
  errors?: Record<string, string[]>;
  [detail: string]: unknown;
}

/** A request the REST shim refuses before the resolver sees it. */
export class RestRequestError extends Error {
  override name = 'RestRequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Input fields by their REST names. */
const REST_FIELD: Record<string, string> = { stripeVersion: 'stripe_version', idempotencyKey: 'idempotency_key' };

/** body-parser's failures, which carry an HTTP status and a `type`. */
const BODY_ERRORS: Record<string, string> = {
  'entity.parse.failed': 'The request body is not valid JSON.',
  'entity.too.large': 'The request body is too large.',
  'encoding.unsupported': 'The request body’s content encoding is not supported.',
  'charset.unsupported': 'The request body’s charset is not supported.',
  'request.aborted': 'The request was aborted.',
};

export function restErrorResponse(error: unknown): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (error instanceof ValidationError) {
    const errors = Object.fromEntries(error.fieldErrors.map(({ field, messages }) => [REST_FIELD[field] ?? field, messages]));
    return { status: 422, body: { error: error.message, errors } };
  }
  if (error instanceof PaymentProviderError) {
    const { code, declineCode, requestId, retryable } = error.details;
    return {
      status: 422,
      body: {
        error: error.message,
        ...(code && { code }),
        ...(declineCode && { decline_code: declineCode }),
        ...(requestId && { request_id: requestId }),
        retryable,
      },
    };
  }
  if (error instanceof UnauthenticatedError) {
    return { status: 401, body: { error: error.message }, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } };
  }
  if (error instanceof AuthUnavailableError) {
    return { status: 503, body: { error: error.message }, headers: { 'Retry-After': String(error.retryAfterSeconds) } };
  }
  if (error instanceof AuthenticationRequiredError) return { status: 403, body: { error: error.message } };
  if (error instanceof RateLimitedError) {
    // The Stripe account's budget (the gateway's or Stripe's own) is no fault of the caller's.
    return { status: error.budget === 'caller' ? 429 : 503, body: { error: error.message }, headers: { 'Retry-After': String(error.retryAfterSeconds) } };
  }
  if (error instanceof StoreUnavailableError) {
    return { status: 503, body: { error: error.message }, headers: { 'Retry-After': String(error.retryAfterSeconds) } };
  }
  if (error instanceof RestRequestError) return { status: error.status, body: { error: error.message } };
  const bodyError = bodyParserError(error);
  if (bodyError) return bodyError;
  return { status: 500, body: { error: 'Internal server error.' } };
}

/** Every REST failure as JSON in the spec's shape; only unexpected ones are logged in full. */
export const restErrorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
  const { status, body, headers } = restErrorResponse(error);
  // An identity provider or database outage is logged where it is seen, once per change of state;
  // a spent Stripe budget is counted in /metrics, not an error.
  const outage = error instanceof AuthUnavailableError || error instanceof StoreUnavailableError || error instanceof RateLimitedError;
  if (status >= 500 && !outage) res.locals.logger.error({ err: error }, 'unexpected error on the REST path');
  sendJsonApi(res, status, body, headers);
};

function bodyParserError(error: unknown) {
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, status } = error as { type?: unknown; status?: unknown };
  if (typeof type !== 'string' || typeof status !== 'number' || !(type in BODY_ERRORS)) return undefined;
  return { status, body: { error: BODY_ERRORS[type] ?? 'Bad request.' } };
}
