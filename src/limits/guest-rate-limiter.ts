import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface GuestRateLimiter {
  /** Spends one guest call for the address; resolves with the seconds to wait when none is left. */
  consume(clientAddress: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }>;
  close(): Promise<void>;
}

/** How long start-up waits for Redis before serving on the insurance limiter. */
const REDIS_CONNECT_WAIT_MS = 2_000;

export interface GuestRateLimitOptions {
  perMinute: number;
  /** Shared budget across instances when set. */
  redisUrl: string | undefined;
  keyPrefix: string;
}

/**
 * Guests can be anyone, so each address gets a budget of guest calls per minute: in memory for
 * one instance, in Redis for several. If Redis is unreachable, a per-instance memory budget
 * stands in rather than letting every guest through or refusing them all.
 */
export async function createGuestRateLimiter({
  perMinute,
  redisUrl,
  keyPrefix,
}: GuestRateLimitOptions): Promise<GuestRateLimiter> {
  const budget = { points: perMinute, duration: 60 };
  let redis: Redis | undefined;
  let limiter: RateLimiterAbstract;
  if (redisUrl) {
    // No offline queue: while Redis is down, calls fail fast into the insurance limiter.
    redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    redis.on('error', () => {}); // reconnects by itself; the insurance limiter covers the gap
    await connected(redis, REDIS_CONNECT_WAIT_MS);
    limiter = new RateLimiterRedis({
      ...budget,
      storeClient: redis,
      keyPrefix: `${keyPrefix}:guest`,
      insuranceLimiter: new RateLimiterMemory(budget),
    });
  } else {
    limiter = new RateLimiterMemory(budget);
  }
  return {
    consume: async (clientAddress) => {
      try {
        await limiter.consume(clientAddress);
        return { allowed: true };
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      }
    },
    close: async () => {
      redis?.disconnect();
    },
  };
}

async function connected(redis: Redis, waitMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
