/**
 * Where the gateway remembers each signed-in user's Stripe customer, keyed by the Stripe
 * account scope and the user id. Every backend must behave identically.
 */
export interface CustomerStore {
  findCustomer(accountScope: string, userId: string): Promise<string | undefined>;
  /**
   * Stores the mapping unless one already exists, and returns the customer that is stored:
   * the caller's on a first write, the earlier one when another request won.
   */
  claimCustomer(accountScope: string, userId: string, customerId: string): Promise<string>;
  /** Resolves while the store is reachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
