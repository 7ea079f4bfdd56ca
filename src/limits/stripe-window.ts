/**
 * How a Stripe account's requests are counted. Stripe (and contract 6.14) count requests per
 * second as they arrive, in any second: a sliding window, not fixed windows (which let 2N
 * through across a boundary). A call reserves its requests before sending the first, so each
 * reserved request holds its place from the reservation's start until one window after the
 * latest moment it may be sent: for any one-second span of arrivals, the last reservation among
 * those that sent in it saw every other one still holding its place, and was admitted only
 * within the ceiling. A request that would go out later than SEND_WITHIN_MS after its start (a
 * retry, a renewal, a slow call) reserves again for itself.
 */
export const WINDOW_MS = 1_000;
/** A reserved request must be sent within this long after its reservation's start. */
export const SEND_WITHIN_MS = 1_000;
/** Sending to arriving at Stripe (and being logged there): the place is held this much longer. */
export const TRANSIT_MS = 100;
/** How long a place is held: SEND_WITHIN_MS + WINDOW_MS + TRANSIT_MS. */
export const HOLD_MS = SEND_WITHIN_MS + WINDOW_MS + TRANSIT_MS;
/** A call waits at most this long for its requests (contract section 12); past it, answered at once. */
export const MAX_WAIT_MS = 1_000;
/**
 * A request of a call that already sent others (its objects exist) waits for a place as long as
 * the call's deadline allows, less this much for the request itself: a call once begun is
 * finished rather than left half done (a customer without its SetupIntent).
 */
export const LATER_REQUEST_MARGIN_MS = 1_000;

/** What reserving gave: a start (ms from now) for the requests, or when to try again. */
export type Reserved = { allowed: true; startInMs: number } | { allowed: false; retryAfterMs: number };

/**
 * The same rule in this instance's memory (Redis unset or unreachable): per account, the
 * expiries of the places held, oldest first, as runs of equal expiry.
 */
export class MemoryStripeWindows {
  private readonly accounts = new Map<string, { runs: Array<{ expiresAt: number; count: number }>; live: number }>();

  constructor(private readonly limit: number) {}

  /** Reserves `requests` places for `account`, starting at once or within `maxWaitMs`. */
  reserve(account: string, requests: number, maxWaitMs = MAX_WAIT_MS, now = Date.now()): Reserved {
    if (requests <= 0) return { allowed: true, startInMs: 0 };
    if (requests > this.limit) return { allowed: false, retryAfterMs: WINDOW_MS };
    const held = this.held(account, now);
    const { runs } = held;
    let startAt = now;
    let excess = held.live + requests - this.limit;
    if (excess > 0) {
      // The moment the excess-th oldest place frees: from then on, enough are free.
      for (const run of runs) {
        excess -= run.count;
        if (excess <= 0) {
          startAt = run.expiresAt;
          break;
        }
      }
      if (startAt - now > maxWaitMs) return { allowed: false, retryAfterMs: startAt - now };
    }
    insert(runs, startAt + HOLD_MS, requests);
    held.live += requests;
    return { allowed: true, startInMs: startAt - now };
  }

  /**
   * Places the shared window (Redis) granted this instance, kept here too: should Redis stop
   * answering, this instance's fallback still counts what it sent just before.
   */
  record(account: string, requests: number, startAt: number, now = Date.now()): void {
    if (requests <= 0) return;
    const held = this.held(account, now);
    insert(held.runs, startAt + HOLD_MS, requests);
    held.live += requests;
  }

  /** The account's places, those freed by `now` dropped. */
  private held(account: string, now: number) {
    let held = this.accounts.get(account);
    if (held === undefined) this.accounts.set(account, (held = { runs: [], live: 0 }));
    const { runs } = held;
    let freed = 0;
    while (freed < runs.length && runs[freed]!.expiresAt <= now) held.live -= runs[freed++]!.count;
    if (freed > 0) runs.splice(0, freed);
    return held;
  }
}

/** Expiries mostly grow with time: the new run usually goes last. */
function insert(runs: Array<{ expiresAt: number; count: number }>, expiresAt: number, count: number): void {
  let at = runs.length;
  while (at > 0 && runs[at - 1]!.expiresAt > expiresAt) at -= 1;
  if (at > 0 && runs[at - 1]!.expiresAt === expiresAt) runs[at - 1]!.count += count;
  else runs.splice(at, 0, { expiresAt, count });
}
