/**
 * The import cannot go on (unreadable file, missing header column, Stripe refusing the key):
 * the command prints the message and exits 2. Raised before the first write wherever it can be.
 */
export class ImportError extends Error {
  override name = 'ImportError';
}
