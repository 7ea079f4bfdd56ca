/**
 * The database cannot answer within DATABASE_TIMEOUT_MS: locked, down, unreachable, or not
 * migrated. No verdict on the request: REST 503 and GraphQL STORE_UNAVAILABLE (HTTP 503), both
 * with Retry-After; what the database said stays in the log (`cause`).
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  readonly retryAfterSeconds = 1;
  constructor(options?: ErrorOptions) {
    super('The gateway’s database cannot answer right now; try again shortly.', options);
  }
}
