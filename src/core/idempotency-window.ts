/** Stripe keeps idempotency keys for 24 hours; a client's key means the same for as long. */
export const CLIENT_IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
