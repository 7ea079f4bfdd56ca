import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Viewer } from '../auth/viewer.js';
import { RateLimitedError } from '../core/errors.js';
import { guestBudgetKey } from './address-key.js';
import { createBudget } from './budget.js';
import { BudgetStore, type FallbackMetrics } from './budget-store.js';

export interface CallBudgetOptions {
  guestPerMinute: number;
  userPerMinute: number;
  /** Shared budgets across instances when set. */
  redisUrl: string | undefined;
  keyPrefix: string;
  requestDeadlineMs: number;
  /** The Stripe account scope: a user's budget is per account, as their customer is. */
  accountScope: () => Promise<string>;
  logger: Logger;
  metrics: FallbackMetrics;
  /** Where the budgets live, when the caller keeps other budgets there too; else opened here. */
  store?: BudgetStore;
  /**
   * Set for every store but `default` (its id): guests' budgets are per store too. Unset, the keys
   * are those from before stores, so budgets spent across an upgrade still count.
   */
  guestScope?: string | undefined;
}

/**
 * The rate limits on calls that create Stripe objects (SetupIntents, ephemeral keys, customer
 * sessions), which is what card testers are after: guests per client address, signed-in users
 * per user and Stripe account.
 */
export interface CallBudgets {
  /**
   * Spends one call for the caller, or throws `RateLimitedError`. Every mutation that creates
   * Stripe objects calls it first, inside its request deadline.
   */
  spend(viewer: Viewer, clientAddress: string): Promise<void>;
  /** Never waits on Redis. */
  close(): void;
}

export async function createCallBudgets(options: CallBudgetOptions): Promise<CallBudgets> {
  const store = options.store ?? (await BudgetStore.open(options));
  const guests = createBudget(store, { name: 'guest', perMinute: options.guestPerMinute, keyPrefix: options.keyPrefix });
  const users = createBudget(store, { name: 'user', perMinute: options.userPerMinute, keyPrefix: options.keyPrefix });
  return {
    spend: async (viewer, clientAddress) => {
      const spent =
        viewer.kind === 'guest'
          ? await guests.spend(options.guestScope === undefined ? guestBudgetKey(clientAddress) : `${options.guestScope}/${guestBudgetKey(clientAddress)}`)
          : await users.spend(userBudgetKey(await options.accountScope(), viewer.userId));
      if (!spent.allowed) throw new RateLimitedError(spent.retryAfterSeconds);
    },
    // A store passed in is the caller's to close (one for every store's budgets).
    close: () => {
      if (options.store === undefined) store.close();
    },
  };
}

/** Hashed: user ids stay out of Redis, and any id (up to 500 characters) makes a short key. */
function userBudgetKey(accountScope: string, userId: string): string {
  return createHash('sha256').update(JSON.stringify([accountScope, userId])).digest('base64url');
}
