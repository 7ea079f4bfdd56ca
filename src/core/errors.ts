/** The expected failures of the resolver: each is a typed GraphQL error and a REST status. */
import { StoreUnavailableError } from './store-unavailable.js';

export interface FieldError {
  /** The GraphQL input field: `stripeVersion`, `idempotencyKey`. */
  field: string;
  messages: string[];
}

export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(readonly fieldErrors: FieldError[]) {
    super(fieldErrors.flatMap((fieldError) => fieldError.messages).join('; '));
  }
}

/** Stripe refused or failed the request; carries what Stripe said. */
export class PaymentProviderError extends Error {
  override name = 'PaymentProviderError';
  constructor(
    message: string,
    readonly details: {
      code: string | null;
      declineCode: string | null;
      requestId: string | null;
      retryable: boolean;
    },
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** No bearer token while guests are not allowed. */
export class AuthenticationRequiredError extends Error {
  override name = 'AuthenticationRequiredError';
  constructor(message = 'Sign in to save a payment method: this gateway does not serve guests.') {
    super(message);
  }
}

/** The object is not the caller's, or does not exist: the two look the same, so ids cannot be probed. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/**
 * Which budget turned a call away: the caller's own (a guest address, a signed-in user: REST 429),
 * or the Stripe account's requests per second, the gateway's or Stripe's own (REST 503).
 */
export type SpentBudget = 'caller' | 'stripe-account';

/** A budget was spent; nothing was sent to Stripe for the call. Both surfaces carry Retry-After. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(
    readonly retryAfterSeconds: number,
    readonly budget: SpentBudget = 'caller',
  ) {
    super(
      budget === 'caller'
        ? `Too many calls; try again in ${retryAfterSeconds} s.`
        : `The payment provider is busy; try again in ${retryAfterSeconds} s.`,
    );
  }
}

/**
 * A client address spent its budget of refused bearer tokens (AUTH_FAILURE_RATE_LIMIT_PER_MINUTE):
 * REST 429 and GraphQL RATE_LIMITED, both with Retry-After; no identity provider is asked.
 */
export class RefusedTokensLimitedError extends RateLimitedError {
  constructor(retryAfterSeconds: number) {
    super(retryAfterSeconds);
    this.message = `Too many refused bearer tokens from this address; try again in ${retryAfterSeconds} s.`;
  }
}

/** The typed errors a mutation answers with, by name; anything else is `unexpected` (for metrics). */
export function outcomeOf(error: unknown): string {
  const typed = [ValidationError, PaymentProviderError, AuthenticationRequiredError, RateLimitedError, NotFoundError, StoreUnavailableError];
  return typed.find((type) => error instanceof type)?.name ?? 'unexpected';
}

/** A bearer token that is present but invalid, expired or not verifiable. Never a guest. */
export class UnauthenticatedError extends Error {
  override name = 'UnauthenticatedError';
}

/**
 * The identity provider that must vouch for a bearer token (the JWKS, Spree, the introspection
 * endpoint) cannot answer: no verdict on the token, so never a 401 and never a guest. REST 503 and
 * GraphQL AUTH_UNAVAILABLE, both with Retry-After.
 */
export class AuthUnavailableError extends Error {
  override name = 'AuthUnavailableError';
  constructor(
    /** Which provider: `jwks`, `spree`, `introspection` (a metrics label; never a URL). */
    readonly provider: string,
    readonly retryAfterSeconds: number,
    options?: ErrorOptions,
  ) {
    super(`The identity provider cannot be reached to check the bearer token; try again in ${retryAfterSeconds} s.`, options);
  }
}
