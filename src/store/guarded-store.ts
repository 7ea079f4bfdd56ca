import type { CustomerStore } from './customer-store.js';
import { StoreUnavailableError } from '../core/store-unavailable.js';

/** How one backend's failures are told apart, and how long a busy database is waited for. */
export interface StoreGuard {
  /** The most one store call may take, waits for a busy database included. */
  timeoutMs: number;
  /** A failure that changed nothing and may succeed on a later attempt (SQLite's SQLITE_BUSY). */
  isBusy(error: unknown): boolean;
  /** A failure of the database, not of the call: down, unreachable, timed out, not migrated. */
  isUnavailable(error: unknown): boolean;
}

/** Told when the store stops and starts answering: logged once per change, counted per call. */
export interface StoreHealthWatcher {
  /** A call failed with StoreUnavailableError; `changed`: the first since the store last answered. */
  failed(cause: unknown, changed: boolean): void;
  /** A call succeeded after calls had failed. */
  recovered(): void;
}

const FIRST_BACKOFF_MS = 2;
const MAX_BACKOFF_MS = 50;

/**
 * Every method of `store` under `guard`: a busy database is tried again after a short sleep
 * (the event loop keeps serving meanwhile) until `timeoutMs`; a database that cannot answer
 * becomes StoreUnavailableError. Store methods are single statements or transactions, so an
 * attempt that met a busy database changed nothing and trying the whole method again is a fresh
 * call: exactly-once holds.
 */
export function guardStore<S extends CustomerStore>(store: S, guard: StoreGuard, watcher?: StoreHealthWatcher): S {
  let answering = true;
  const watched = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      const result = await attempt(work, guard);
      if (!answering) {
        answering = true;
        watcher?.recovered();
      }
      return result;
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        watcher?.failed(error.cause, answering);
        answering = false;
      }
      throw error;
    }
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'close' || property === 'constructor') return value;
      return (...args: unknown[]) => watched(() => value.apply(target, args));
    },
  });
}

async function attempt<T>(work: () => Promise<T>, guard: StoreGuard): Promise<T> {
  const giveUpAt = Date.now() + guard.timeoutMs;
  for (let backoffMs = FIRST_BACKOFF_MS; ; backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS)) {
    try {
      return await work();
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      if (guard.isBusy(error)) {
        const remainingMs = giveUpAt - Date.now();
        if (remainingMs <= 0) throw new StoreUnavailableError({ cause: error });
        // Jittered, so instances waiting on one lock do not retry in step.
        await sleep(Math.min(remainingMs, backoffMs / 2 + Math.random() * backoffMs));
        continue;
      }
      if (guard.isUnavailable(error)) throw new StoreUnavailableError({ cause: error });
      throw error;
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
