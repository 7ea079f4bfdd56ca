import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { AuthUnavailableError, UnauthenticatedError } from '../core/errors.js';
import type { Identity, TokenResolver } from './token-resolver.js';

export interface TokenCacheOptions {
  /** AUTH_TOKEN_CACHE_SECONDS, in ms: how long an identity is reused (never past the token's expiry). */
  ttlMs: number;
  /** How long a verdict against a token is reused: briefly, so repeated junk costs one lookup. */
  refusalTtlMs?: number;
  /** After an outage, new tokens are not looked up for this long (503 at once). */
  outageCooldownMs?: number;
  maxEntries?: number;
}

export const DEFAULT_REFUSAL_TTL_MS = 10_000;
export const DEFAULT_OUTAGE_COOLDOWN_MS = 5_000;
export const DEFAULT_MAX_CACHED_TOKENS = 10_000;

type Verdict = { identity: Identity } | { refusal: string };

/** What the cache already knows of a token, without asking anyone: a verdict, or a lookup under way. */
export type Known = Verdict | { pending: true } | undefined;

export type CachedTokenResolver = TokenResolver & {
  known(token: string): Known;
};

/**
 * Wraps a token resolver once, whichever it is: answers are kept under the token's SHA-256 (never
 * the token) in a bounded LRU, simultaneous lookups of one token share one upstream call, and an
 * outage is no verdict (nothing is cached) but holds off new lookups for a cooldown, so a stream
 * of junk tokens cannot hammer a provider that is already struggling.
 */
export function cacheTokenResolver(resolve: TokenResolver, options: TokenCacheOptions): CachedTokenResolver {
  const {
    ttlMs,
    refusalTtlMs = Math.min(ttlMs, DEFAULT_REFUSAL_TTL_MS),
    outageCooldownMs = DEFAULT_OUTAGE_COOLDOWN_MS,
    maxEntries = DEFAULT_MAX_CACHED_TOKENS,
  } = options;
  const verdicts = new LRUCache<string, Verdict>({ max: maxEntries });
  const inFlight = new Map<string, Promise<Identity>>();
  let coolingUntil = 0;
  let lastOutage: AuthUnavailableError | undefined;

  const remember = (key: string, verdict: Verdict, ttl: number) => {
    // lru-cache reads a ttl of 0 as "forever": a verdict with no time left is not kept at all.
    if (ttl >= 1) verdicts.set(key, verdict, { ttl: Math.floor(ttl) });
  };

  const lookUp = async (key: string, token: string): Promise<Identity> => {
    try {
      const identity = await resolve(token);
      remember(key, { identity }, Math.min(ttlMs, (identity.expiresAt ?? Number.POSITIVE_INFINITY) - Date.now()));
      return identity;
    } catch (error) {
      if (error instanceof UnauthenticatedError) remember(key, { refusal: error.message }, refusalTtlMs);
      if (error instanceof AuthUnavailableError) {
        coolingUntil = Date.now() + outageCooldownMs;
        lastOutage = error;
      }
      throw error;
    } finally {
      inFlight.delete(key);
    }
  };

  const keyOf = (token: string) => createHash('sha256').update(token).digest('base64url');

  const cached: TokenResolver = (token) => {
    const key = keyOf(token);
    const verdict = verdicts.get(key);
    if (verdict) return 'identity' in verdict ? Promise.resolve(verdict.identity) : Promise.reject(new UnauthenticatedError(verdict.refusal));
    const pending = inFlight.get(key);
    if (pending) return pending;
    const coolingMs = coolingUntil - Date.now();
    if (coolingMs > 0 && lastOutage) {
      return Promise.reject(new AuthUnavailableError(lastOutage.provider, Math.max(1, Math.ceil(coolingMs / 1000))));
    }
    const lookup = lookUp(key, token);
    inFlight.set(key, lookup);
    return lookup;
  };
  return Object.assign(cached, {
    known: (token: string): Known => {
      const key = keyOf(token);
      return verdicts.get(key) ?? (inFlight.has(key) ? { pending: true } : undefined);
    },
  });
}
