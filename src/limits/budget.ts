import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { BudgetStore } from './budget-store.js';

export type Spent = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** So many calls per key per minute. */
export interface Budget {
  spend(key: string): Promise<Spent>;
}

/**
 * One budget kept in Redis while the store shares it, and in this instance's memory while it
 * does not. This is rate-limiter-flexible's `insuranceLimiter` arrangement made explicit: the
 * insurance limiter swallows the Redis error, leaving nothing to log or count, and would make
 * every call wait out the command timeout again while Redis stays frozen.
 */
export function createBudget(store: BudgetStore, options: { name: string; perMinute: number; keyPrefix: string }): Budget {
  const points = { points: options.perMinute, duration: 60 };
  const memory = new RateLimiterMemory({ ...points, keyPrefix: options.name });
  const shared =
    store.redis &&
    new RateLimiterRedis({
      ...points,
      storeClient: store.redis,
      keyPrefix: `${options.keyPrefix}:${options.name}`,
      // Reconnecting: straight to memory rather than an error from the client.
      rejectIfRedisNotReady: true,
    });

  /** Resolves when a point was spent; rejects with a RateLimiterRes when none is left. */
  const consume = async (key: string): Promise<void> => {
    if (shared && store.sharing) {
      try {
        await shared.consume(key);
        return;
      } catch (error) {
        if (error instanceof RateLimiterRes) throw error;
        store.fellBack(error);
      }
    }
    await memory.consume(key);
  };

  return {
    spend: async (key) => {
      try {
        await consume(key);
        return { allowed: true };
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      }
    },
  };
}
