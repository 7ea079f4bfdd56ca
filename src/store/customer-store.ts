/**
 * Where the gateway remembers each signed-in user's Stripe customer, keyed by the Stripe
 * account scope and the user id, and the idempotency keys its clients sent. Every backend must
 * behave identically; `test/store/contract.ts` holds them to it.
 */
/** A client idempotency key's record: what it was first used for, and which attempt it is on. */
export interface ClaimedIdempotencyKey {
  fingerprint: string;
  /** Raised each time a call under the key failed in a way its Stripe keys cannot recover from. */
  attempt: number;
}

export interface CustomerStore {
  /**
   * The random id this database was created with (32 hex digits), the same for every instance
   * sharing it and never the same for two databases.
   */
  installationId(): Promise<string>;
  findCustomer(accountScope: string, userId: string): Promise<string | undefined>;
  /** The stored customer of each of these users that has one, keyed by user id. */
  findCustomers(accountScope: string, userIds: readonly string[]): Promise<Map<string, string>>;
  /**
   * Stores the mapping unless one already exists, and returns the customer that is stored:
   * the caller's on a first write, the earlier one when another request won. A customer that
   * another user of the scope has is never given to a second one: CustomerTakenError.
   */
  claimCustomer(accountScope: string, userId: string, customerId: string): Promise<string>;
  /**
   * Swaps a stale customer (deleted in Stripe) for a new one, unless another request already
   * replaced it; returns the customer that is stored afterwards. With no mapping at all it
   * behaves as `claimCustomer`. CustomerTakenError when another user has `customerId`.
   */
  replaceCustomer(accountScope: string, userId: string, staleCustomerId: string, customerId: string): Promise<string>;
  /**
   * Stores each mapping whose user has none yet, as one transaction (all of the batch or none of
   * it), and never changes a stored one. Rows are taken in order, so a later row for a user an
   * earlier row mapped meets that mapping. Answers one result per row, in order: `imported` (this
   * row's mapping was written), `unchanged` (the user already had this customer) or `conflict`
   * (the user has another customer, which stays), with the customer stored afterwards; or `taken`
   * (another user of the scope has this customer, stored or from an earlier row), with that user.
   */
  importCustomers(accountScope: string, mappings: readonly CustomerMapping[]): Promise<ImportResult[]>;
  /**
   * Mappings the upgrade to one user per customer set aside (customer_mappings_set_aside): users
   * that shared a customer with an earlier one. Start-up warns while there are any.
   */
  countSetAsideMappings(): Promise<number>;
  /** The user each of these customers is mapped to in the scope, for those that are, keyed by customer id. */
  findCustomerOwners(accountScope: string, customerIds: readonly string[]): Promise<Map<string, string>>;
  /**
   * Records `fingerprint` (what the request asked for) under the user's idempotency key, made at
   * `now` with attempt 0, unless a record made at or after `notBefore` exists (an older one has
   * expired and is overwritten); returns the record stored afterwards: the caller's on first use
   * or after expiry, the earlier one otherwise. Times are the caller's clock, never the database's.
   */
  claimIdempotencyKey(
    accountScope: string,
    userId: string,
    key: string,
    fingerprint: string,
    now: Date,
    notBefore: Date,
  ): Promise<ClaimedIdempotencyKey>;
  /**
   * Moves the key's record from attempt `from` to the next one, unless another request already
   * did; returns the attempt stored afterwards (undefined when no record exists).
   */
  advanceIdempotencyAttempt(accountScope: string, userId: string, key: string, from: number): Promise<number | undefined>;
  /** Deletes idempotency records made before `before` (strictly); returns how many. */
  purgeIdempotencyKeys(before: Date): Promise<number>;
  /**
   * Deletes every mapping to `customerId` (a customer deleted in Stripe), whatever the scope or
   * user, remembering each as forgotten at `now`; returns how many. The user's next call then
   * creates a new customer.
   */
  forgetCustomer(customerId: string, now: Date): Promise<number>;
  /** The customer most recently forgotten for the user at or after `notBefore`, if any. */
  findForgottenCustomer(accountScope: string, userId: string, notBefore: Date): Promise<string | undefined>;
  /** Deletes what was forgotten before `before` (strictly); returns how many. */
  purgeForgottenCustomers(before: Date): Promise<number>;
  /**
   * Records a webhook event id, received at `now` (the caller's clock); true on its first
   * receipt, false when it is already recorded (a redelivery, to be acknowledged and ignored).
   */
  claimWebhookEvent(eventId: string, now: Date): Promise<boolean>;
  /** Forgets an event whose handling failed, so that Stripe's next delivery of it is acted on. */
  releaseWebhookEvent(eventId: string): Promise<void>;
  /** Deletes event ids received before `before` (strictly); returns how many. */
  purgeWebhookEvents(before: Date): Promise<number>;
  /** Resolves while the store is reachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface CustomerMapping {
  userId: string;
  customerId: string;
}

export type ImportResult =
  /** `customerId`: the user's customer after the write, the row's own unless the outcome is `conflict`. */
  | { outcome: 'imported' | 'unchanged' | 'conflict'; customerId: string }
  /** The row's customer is another user's (one customer is never shared: its cards would show to both). */
  | { outcome: 'taken'; ownerUserId: string };

/** The outcome of a row whose user's stored customer is `stored` (undefined: none yet). */
export function importOutcome(row: CustomerMapping, stored: string | undefined): ImportResult {
  if (stored === undefined) return { outcome: 'imported', customerId: row.customerId };
  return { outcome: stored === row.customerId ? 'unchanged' : 'conflict', customerId: stored };
}

/**
 * A claim or replacement named a customer that another user of the scope has: the database's
 * uniqueness rule refused it, so two users never share one customer (and its saved cards).
 */
export class CustomerTakenError extends Error {
  override name = 'CustomerTakenError';
  constructor(readonly customerId: string) {
    super(`customer ${customerId} belongs to another user`);
  }
}
