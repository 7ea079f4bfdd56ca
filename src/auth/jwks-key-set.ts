import { createLocalJWKSet, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';
import { boundedFetch, ResponseTooLargeError } from './bounded-fetch.js';
import { describeFailure, type ProviderHealth } from './provider-health.js';

/** Contract 6.12: a key set answer over 1 MiB is refused. */
export const MAX_JWKS_BYTES = 1024 * 1024;
/** After a fetch, success or failure, the next waits this long (jose's own default cooldown). */
export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
/** Keys older than this are refreshed in the background; until that succeeds they keep verifying. */
export const DEFAULT_JWKS_MAX_AGE_MS = 10 * 60_000;

export interface JwksKeySetOptions {
  url: URL;
  timeoutMs: number;
  health: ProviderHealth;
  cooldownMs?: number;
  maxAgeMs?: number;
}

/**
 * The identity provider's published keys, fetched sparingly (jose's createRemoteJWKSet forgets
 * warm keys after 10 minutes of outage, refetches a failing JWKS on every token and reads any
 * answer whole): at most one fetch in flight, none within the cooldown of the last one, keys
 * already known kept while the JWKS is down. Key selection itself is jose's createLocalJWKSet.
 */
export class JwksKeySet {
  private keys: ReturnType<typeof createLocalJWKSet> | undefined;
  private kids = new Set<string>();
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private lastFetchedAt = Number.NEGATIVE_INFINITY;
  private lastFailed = false;
  private inFlight: Promise<void> | undefined;
  private readonly cooldownMs: number;
  private readonly maxAgeMs: number;

  constructor(private readonly options: JwksKeySetOptions) {
    this.cooldownMs = options.cooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_JWKS_MAX_AGE_MS;
  }

  /** Whether the keys at hand can check a token naming `kid`; if not (none loaded, a kid never seen), a fetch may be due. */
  knows(kid: string | undefined): boolean {
    return this.keys !== undefined && (kid === undefined || this.kids.has(kid));
  }

  /** jose's key lookup for jwtVerify. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    if (this.knows(header.kid)) {
      if (Date.now() - this.lastFetchedAt > this.maxAgeMs) this.refresh(false).catch(() => undefined);
    } else {
      // A rotation, or a forgery naming a made-up kid. Only a fresh key set can say the kid is not
      // the provider's (401); within the cooldown there is none to be had, so no verdict (503, retry
      // later), which keeps a shopper signed in across a rotation that came just after a fetch.
      await this.refresh(true);
    }
    if (!this.keys) throw this.options.health.unavailable(this.cooldownMs);
    return this.keys(header, token);
  };

  /** Fetches the key set unless one fetch is in flight (joined) or the cooldown forbids it. */
  private refresh(mustBeFresh: boolean): Promise<void> {
    if (this.inFlight) return this.inFlight;
    const sinceLastAttempt = Date.now() - this.lastAttemptAt;
    if (sinceLastAttempt < this.cooldownMs) {
      if (!mustBeFresh && !this.lastFailed) return Promise.resolve();
      return Promise.reject(this.options.health.unavailable(this.cooldownMs - sinceLastAttempt));
    }
    this.lastAttemptAt = Date.now();
    this.inFlight = this.fetchKeys().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<void> {
    const { url, timeoutMs, health } = this.options;
    let keySet: JSONWebKeySet;
    try {
      const response = await boundedFetch(
        url,
        { headers: { accept: 'application/jwk-set+json, application/json' } },
        { maxBytes: MAX_JWKS_BYTES, timeoutMs },
      );
      if (!response.ok) throw new Error(`answered HTTP ${response.status}`);
      keySet = (await response.json().catch(() => {
        throw new Error('answered something that is not JSON');
      })) as JSONWebKeySet;
      this.keys = createLocalJWKSet(keySet);
    } catch (error) {
      this.lastFailed = true;
      const reason = error instanceof ResponseTooLargeError ? `the key set is over ${MAX_JWKS_BYTES} bytes` : describeFailure(error);
      throw health.failed(reason, error);
    }
    this.kids = new Set(keySet.keys.flatMap((key) => (typeof key.kid === 'string' ? [key.kid] : [])));
    this.lastFetchedAt = Date.now();
    this.lastFailed = false;
    health.answered('ok');
  }
}
