import { answersWithin, type BudgetStore } from './budget-store.js';
import { MemoryWindows } from './memory-windows.js';
import { redisSpender, type SpendOutcome } from './spend-script.js';
import { MAX_WAIT_MS, MemoryStripeWindows } from './stripe-window.js';

/** A caller's budget: so many calls per key per minute. */
export interface CallerBudget {
  /** Names the budget: `guest`, `user`, `read`. */
  name: string;
  perMinute: number;
}

/** What one call spends, all at once: its caller's budget, and requests of a Stripe account. */
export interface Spending {
  caller?: { budget: CallerBudget; key: string } | undefined;
  /** `maxWaitMs`: how long the requests may wait for places (MAX_WAIT_MS unless the call already began). */
  account?: { id: string; requests: number; maxWaitMs?: number } | undefined;
}

export type { SpendOutcome };

/** Every budget of this instance, spent in one step. */
export interface Budgets {
  spend(spending: Spending): Promise<SpendOutcome>;
}

/**
 * The budgets kept in Redis while the store shares them (one script, one round trip: see
 * spend-script.ts), and in this instance's memory while it does not. A failed Redis command
 * switches the store to memory (logged and counted there) and this call is answered from memory.
 */
export function createBudgets(store: BudgetStore, options: { keyPrefix: string; stripeRequestsPerSecond: number }): Budgets {
  const memoryCallers = new Map<string, MemoryWindows>();
  const memoryAccounts = new MemoryStripeWindows(options.stripeRequestsPerSecond);
  const shared = store.redis && redisSpender(store.redis);
  const limit = options.stripeRequestsPerSecond;

  const inMemory = ({ caller, account }: Spending): SpendOutcome => {
    let windows: MemoryWindows | undefined;
    if (caller) {
      windows = memoryCallers.get(caller.budget.name);
      if (windows === undefined) memoryCallers.set(caller.budget.name, (windows = new MemoryWindows(caller.budget.perMinute, 60_000)));
      const peeked = windows.peek(caller.key);
      if (!peeked.allowed) return { allowed: false, budget: 'caller', retryAfterMs: peeked.retryAfterSeconds * 1000 };
    }
    const reserved = account
      ? memoryAccounts.reserve(account.id, account.requests, account.maxWaitMs ?? MAX_WAIT_MS)
      : { allowed: true as const, startInMs: 0 };
    if (!reserved.allowed) return { allowed: false, budget: 'stripe-account', retryAfterMs: reserved.retryAfterMs };
    if (caller) windows!.spend(caller.key);
    return reserved;
  };

  return {
    spend: async (spending) => {
      if (shared && store.sharing) {
        try {
          const outcome = await answersWithin(
            shared({
              caller: spending.caller && {
                key: `${options.keyPrefix}:${spending.caller.budget.name}:${spending.caller.key}`,
                perMinute: spending.caller.budget.perMinute,
              },
              account: spending.account && {
                key: `${options.keyPrefix}:stripe-account:${spending.account.id}`,
                requests: spending.account.requests,
                limit,
                maxWaitMs: spending.account.maxWaitMs ?? MAX_WAIT_MS,
              },
            }),
            store.commandTimeoutMs,
          );
          if (outcome.allowed && spending.account) {
            memoryAccounts.record(spending.account.id, spending.account.requests, Date.now() + outcome.startInMs);
          }
          return outcome;
        } catch (error) {
          store.fellBack(error);
        }
      }
      return inMemory(spending);
    },
  };
}
