import { startChild, type BenchChild } from './children.js';

/** Spree's account endpoint answers after this long: a store across a network, as Stripe's 25 ms. */
export const SPREE_LATENCY_MS = 25;

export interface BenchSpree {
  child: BenchChild;
  /** One opaque access token per signed-in shopper. */
  tokens: string[];
  /** What the gateway needs to accept them. */
  gatewayEnv: Record<string, string>;
}

/**
 * One Spree store (bench/servers/spree.ts) for a whole run, its `users` shoppers signed in: the
 * gateway accepts its tokens beside JWTs, as a shop's gateway would.
 */
export async function startSpree(serversDir: string, users: number): Promise<BenchSpree> {
  const child = await startChild(serversDir, 'spree', {
    BENCH_SPREE_LATENCY_MS: String(SPREE_LATENCY_MS),
    BENCH_SPREE_USERS: String(users),
  });
  return {
    child,
    tokens: await child.call<string[]>('tokens'),
    // A long cache: the cells measure the cached path, which a 60 s default would leave mid-cell.
    gatewayEnv: { AUTH_SPREE_URL: child.url, AUTH_TOKEN_CACHE_SECONDS: '3600' },
  };
}
