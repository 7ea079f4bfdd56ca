import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type Stripe from 'stripe';
import { accountObject, keyHash } from './accounts.js';
import type { PersistedIdempotencyEntry } from './idempotency.js';
import type { EmulatorState } from './state.js';

/** One account in the state file: its keys only as hashes, never the keys themselves. */
export interface PersistedAccount {
  id: string;
  platform: string | null;
  keyHashes: string[];
  object: Stripe.Account;
  collections: Collections;
}

type Collections = Record<string, { map: Array<[string, unknown]> } | { set: unknown[] }>;

/** What the state file holds: every account with every collection of its state, and idempotent results. */
export interface PersistedEmulator {
  version: 2;
  accounts: PersistedAccount[];
  idempotency: PersistedIdempotencyEntry[];
}

/** The single-account file of earlier versions. */
interface PersistedEmulatorV1 {
  version: 1;
  accountId: string;
  collections: Collections;
  idempotency: PersistedIdempotencyEntry[];
}

/** Where the emulator keeps its state between runs: a JSON file, or a row of the gateway's own database. */
export interface EmulatorStateStore {
  /** The state saved last; undefined when none was ever saved. */
  load(): Promise<PersistedEmulator | undefined>;
  save(state: PersistedEmulator): Promise<void>;
}

/** Every Map and Set of the state, whatever collections it grows. */
export function collectionsOf(state: EmulatorState): Collections {
  const collections: Collections = {};
  for (const [name, value] of Object.entries(state)) {
    if (value instanceof Map) collections[name] = { map: [...value.entries()] };
    else if (value instanceof Set) collections[name] = { set: [...value.values()] };
  }
  return collections;
}

export function restoreCollections(state: EmulatorState, collections: Collections): void {
  for (const [name, saved] of Object.entries(collections)) {
    const target: unknown = (state as unknown as Record<string, unknown>)[name];
    if (target instanceof Map && 'map' in saved) for (const [key, value] of saved.map) target.set(key, value);
    else if (target instanceof Set && 'set' in saved) for (const value of saved.set) target.add(value);
  }
}

/** The saved state from its JSON text (either version); `source` names where it came from in the error. */
export function parsePersistedEmulator(text: string, source: string): PersistedEmulator {
  const saved = JSON.parse(text) as PersistedEmulator | PersistedEmulatorV1;
  if (saved.version === 2) return saved;
  if (saved.version !== 1) throw new Error(`${source}: unknown emulator state version ${String((saved as { version: unknown }).version)}`);
  // Its one account is the first configured one (no key hashes: it matches by position).
  return {
    version: 2,
    accounts: [{ id: saved.accountId, platform: null, keyHashes: [], object: accountObject(saved.accountId, 'standard'), collections: saved.collections }],
    // Its scopes began with the API key itself; now with the key's hash.
    idempotency: saved.idempotency.map(([scope, entry]) => {
      const newline = scope.indexOf('\n');
      return [`${keyHash(scope.slice(0, newline))}${scope.slice(newline)}`, entry];
    }),
  };
}

export function readStateFile(path: string): PersistedEmulator | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parsePersistedEmulator(text, path);
}

/** A JSON file, replaced atomically (a new file renamed over the old): a crash never leaves half a state. */
export function stateFile(path: string): EmulatorStateStore {
  return {
    load: async () => readStateFile(path),
    save: async (state) => {
      mkdirSync(dirname(path), { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(state));
      renameSync(temporary, path);
    },
  };
}

/** After a failed save, the next attempt waits this long (a database that is down is not hammered). */
const RETRY_AFTER_FAILURE_MS = 5_000;

/**
 * Saves the emulator's state a moment after a change (changes in a burst make one save), one
 * save at a time, and at once on flush (close). A failed save is reported and tried again later.
 */
export class StateWriter {
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private saving: Promise<void> | undefined;

  constructor(
    private readonly store: EmulatorStateStore,
    private readonly snapshot: () => PersistedEmulator,
    private readonly onError: (error: unknown) => void,
    private readonly debounceMs = 250,
  ) {}

  changed(): void {
    this.dirty = true;
    if (this.saving === undefined) this.schedule(this.debounceMs);
  }

  /** Saves what changed now; rejects when that save fails. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.saving;
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await this.store.save(this.snapshot());
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }

  private schedule(delayMs: number): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.saving = this.saveInBackground().finally(() => {
        this.saving = undefined;
      });
    }, delayMs).unref();
  }

  private async saveInBackground(): Promise<void> {
    this.dirty = false;
    try {
      await this.store.save(this.snapshot());
    } catch (error) {
      this.dirty = true;
      this.onError(error);
      this.schedule(RETRY_AFTER_FAILURE_MS);
      return;
    }
    if (this.dirty) this.schedule(this.debounceMs); // changed while saving
  }
}
