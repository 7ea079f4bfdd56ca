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
  constructor(message = 'Sign in to save a payment method: this gateway does not serve guests.') {
    super(message);
  }
}

/** The object is not the caller's, or does not exist: the two look the same, so ids cannot be probed. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** A guest address spent its budget of calls; REST answers 429 with Retry-After. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many calls without signing in; try again in ${retryAfterSeconds} s.`);
  }
}

/** A bearer token that is present but invalid, expired or not verifiable. Never a guest. */
export class UnauthenticatedError extends Error {
  override name = 'UnauthenticatedError';
}
