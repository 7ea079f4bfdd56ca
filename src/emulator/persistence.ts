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

export function readStateFile(path: string): PersistedEmulator | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const saved = JSON.parse(text) as PersistedEmulator | PersistedEmulatorV1;
  if (saved.version === 2) return saved;
  if (saved.version !== 1) throw new Error(`${path}: unknown emulator state version ${String((saved as { version: unknown }).version)}`);
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

/**
 * The emulator's state on disk: written a moment after a change (changes in a burst make one
 * write), atomically (a new file renamed over the old), and at once on close.
 */
export class StateFile {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    private readonly snapshot: () => PersistedEmulator,
    private readonly debounceMs = 250,
  ) {}

  changed(): void {
    this.timer ??= setTimeout(() => this.flush(), this.debounceMs).unref();
  }

  flush(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.snapshot()));
    renameSync(temporary, this.path);
  }
}
