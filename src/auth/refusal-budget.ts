/**
 * The refused-token budget of client addresses (contract 6.15: AUTH_FAILURE_RATE_LIMIT_PER_MINUTE),
 * as the authenticator spends it; src/limits keeps it. Each method throws RateLimitedError when the
 * address has none left, so that no identity provider is asked.
 */
export interface RefusalBudget {
  /** Memory only, no round trip: refuses an address already known to be past its budget. */
  check(clientAddress: string): void;
  /** Before an identity provider is asked: holds one refusal, given back unless the token is refused. */
  reserve(clientAddress: string): Promise<RefusalReservation>;
  /** A refusal the gateway reached without asking anyone (a JWT, a remembered verdict). */
  spend(clientAddress: string): Promise<void>;
}

export interface RefusalReservation {
  /** `refused`: the token was refused and the point stays spent; otherwise it is given back. */
  settle(refused: boolean): void;
}
