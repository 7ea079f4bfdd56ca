import { ApiError, invalidRequest } from './errors.js';

const DAY_MS = 24 * 60 * 60 * 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** A finished response, kept verbatim so a replay is byte-identical. */
export interface StoredResponse {
  status: number;
  body: string;
  requestId: string;
  /** Headers replayed with it (a saved 500's `Stripe-Should-Retry: false`). */
  headers?: Readonly<Record<string, string>>;
}

interface Entry {
  method: string;
  path: string;
  fingerprint: string;
  createdAt: number;
  /** Absent while the first request is still being processed. */
  response?: StoredResponse;
}

/** A finished entry as the state file keeps it: in-flight reservations are not kept. */
export type PersistedIdempotencyEntry = [scope: string, entry: Required<Entry>];

export type IdempotencyOutcome =
  /** First use: the key is now reserved; call complete() or release(). */
  | { kind: 'execute' }
  | { kind: 'replay'; response: StoredResponse };

export interface IdempotencyStoreOptions {
  /** Stripe keeps keys at least 24 h. */
  ttlMs?: number;
  /** Oldest entries are evicted past this, so a long benchmark does not grow without bound. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * Stripe's idempotency layer for POSTs. Keys are scoped by the caller (per API key);
 * the fingerprint is the canonical form of the decoded params.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: IdempotencyStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? DAY_MS;
    this.maxEntries = options.maxEntries ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Replays, reserves, or throws Stripe's idempotency errors (400 mismatch, 409 in flight). */
  begin(scope: string, key: string, method: string, path: string, fingerprint: string): IdempotencyOutcome {
    if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw invalidRequest(
        `Idempotency-Key is too long: it can be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, but you passed one with ${key.length}.`,
        'idempotency_key',
      );
    }
    const now = this.now();
    const entry = this.entries.get(scope);
    if (entry !== undefined && now - entry.createdAt < this.ttlMs) {
      if (entry.method !== method || entry.path !== path) {
        throw idempotencyError(
          `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${entry.method} ${entry.path}' vs '${method} ${path}'). Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      if (entry.fingerprint !== fingerprint) {
        throw idempotencyError(
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      if (entry.response === undefined) {
        throw new ApiError(
          409,
          {
            type: 'idempotency_error',
            code: 'idempotency_key_in_use',
            message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
          },
          { 'Stripe-Should-Retry': 'true' },
        );
      }
      return { kind: 'replay', response: entry.response };
    }
    this.entries.delete(scope); // expired: re-insert at the back of the eviction order
    this.entries.set(scope, { method, path, fingerprint, createdAt: now });
    this.evict(now);
    return { kind: 'execute' };
  }

  snapshot(): PersistedIdempotencyEntry[] {
    return [...this.entries].filter((pair): pair is PersistedIdempotencyEntry => pair[1].response !== undefined);
  }

  restore(entries: PersistedIdempotencyEntry[]): void {
    for (const [scope, entry] of entries) this.entries.set(scope, entry);
    this.evict(this.now());
  }

  complete(scope: string, response: StoredResponse): void {
    const entry = this.entries.get(scope);
    if (entry !== undefined) entry.response = response;
  }

  /** Forget a reservation whose result must not be replayed (a request that failed validation). */
  release(scope: string): void {
    const entry = this.entries.get(scope);
    if (entry !== undefined && entry.response === undefined) this.entries.delete(scope);
  }

  /** Map order is insertion order, so the oldest entries are at the front. */
  private evict(now: number): void {
    for (const [scope, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && now - entry.createdAt < this.ttlMs) return;
      this.entries.delete(scope);
    }
  }
}

function idempotencyError(message: string): ApiError {
  return new ApiError(400, { type: 'idempotency_error', message });
}
