import { existsSync, renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { stateFile } from '../emulator/index.js';
import type { EmulatorStateLocation } from './emulator-state-location.js';

export type { EmulatorStateLocation };


/** Before each DATABASE_URL had its own state, every sandbox gateway shared this file beside the default database. */
const SHARED_STATE_FILE = 'stripe-emulator.json';
const DEFAULT_DATABASE_FILE = 'gateway.sqlite';

/**
 * Beside the gateway's own data, so two sandbox gateways on different DATABASE_URLs never share
 * Stripe objects: `PATH-stripe-emulator.json` next to a SQLite file (as SQLite's own `-wal`), the
 * table `stripe_emulator_state` in a PostgreSQL database; none for `sqlite::memory:` (in memory).
 * `readOnly` (a dry run): nothing is created, renamed or saved.
 */
export async function openEmulatorState(
  databaseUrl: string,
  timeoutMs: number,
  { readOnly = false }: { readOnly?: boolean } = {},
): Promise<EmulatorStateLocation | undefined> {
  if (databaseUrl.startsWith('sqlite:')) {
    const path = emulatorStateFile(databaseUrl.slice('sqlite:'.length));
    if (path === undefined) return undefined;
    const shared = sharedStateFile(path);
    if (readOnly) {
      const store = stateFile(shared !== undefined && !existsSync(path) ? shared : path);
      return { store: { load: store.load, save: async () => {} }, description: path, close: async () => {} };
    }
    if (shared !== undefined && !existsSync(path) && existsSync(shared)) renameSync(shared, path);
    return { store: stateFile(path), description: path, close: async () => {} };
  }
  // Loaded only for PostgreSQL, as the store does.
  const { openPostgresEmulatorState } = await import('./postgres-emulator-state.js');
  return openPostgresEmulatorState(databaseUrl, timeoutMs, { readOnly });
}

/** The state file of the SQLite database at `sqlitePath`; undefined for `:memory:`. */
export function emulatorStateFile(sqlitePath: string): string | undefined {
  return sqlitePath === ':memory:' ? undefined : `${sqlitePath}-stripe-emulator.json`;
}

/** The default database takes over (renames) the state an earlier version kept in the shared file: its customers stay. */
function sharedStateFile(path: string): string | undefined {
  const sqlitePath = path.slice(0, -'-stripe-emulator.json'.length);
  return basename(sqlitePath) === DEFAULT_DATABASE_FILE ? join(dirname(sqlitePath), SHARED_STATE_FILE) : undefined;
}
