/** The expected failures of the resolver: each is a typed GraphQL error and a REST status. */

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
  constructor() {
    super('Sign in to save a payment method: this gateway does not serve guests.');
  }
}

/** A guest address or a signed-in user spent its budget of calls; REST answers 429 with Retry-After. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many calls; try again in ${retryAfterSeconds} s.`);
  }
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
