import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { BudgetStore } from './budget-store.js';
import { MemoryWindows } from './memory-windows.js';
import type { Spent } from './spent.js';

/** So many calls per key per minute, a point of which can be given back (rate-limiter-flexible in Redis). */
export interface Budget {
  spend(key: string): Promise<Spent>;
  /** Gives back one point spent in the current window (a reservation that was not used). */
  refund(key: string): Promise<void>;
}

/**
 * One budget kept in Redis while the store shares it, and in this instance's memory while it
 * does not. This is rate-limiter-flexible's `insuranceLimiter` arrangement made explicit: the
 * insurance limiter swallows the Redis error, leaving nothing to log or count, and would make
 * every call wait out the command timeout again while Redis stays frozen.
 */
export function createBudget(store: BudgetStore, options: { name: string; perMinute: number; keyPrefix: string }): Budget {
  const points = { points: options.perMinute, duration: 60 };
  const memory = new MemoryWindows(options.perMinute, points.duration * 1000);
  const shared =
    store.redis &&
    new RateLimiterRedis({
      ...points,
      storeClient: store.redis,
      keyPrefix: `${options.keyPrefix}:${options.name}`,
      // Reconnecting: straight to memory rather than an error from the client.
      rejectIfRedisNotReady: true,
    });

  return {
    spend: async (key) => {
      if (shared && store.sharing) {
        try {
          await shared.consume(key);
          return { allowed: true };
        } catch (error) {
          if (error instanceof RateLimiterRes) {
            return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
          }
          store.fellBack(error);
        }
      }
      return memory.spend(key);
    },
    refund: async (key) => {
      if (shared && store.sharing) {
        try {
          await shared.reward(key, 1);
          return;
        } catch (error) {
          store.fellBack(error);
        }
      }
      memory.refund(key);
    },
  };
}
