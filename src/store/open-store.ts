import { ConfigError, DEFAULT_DATABASE_POOL_SIZE, DEFAULT_DATABASE_TIMEOUT_MS } from '../config/config.js';
import type { CustomerStore } from './customer-store.js';
import { guardStore, type StoreHealthWatcher } from './guarded-store.js';
import type { PostgresStoreOptions } from './postgres-store.js';
import { SqliteCustomerStore, sqliteGuard } from './sqlite-store.js';

export type OpenStoreOptions = Partial<PostgresStoreOptions> & { health?: StoreHealthWatcher };

/**
 * The store named by `DATABASE_URL`, migrated and ready: `sqlite:PATH` (the embedded default)
 * or `postgres://…` / `postgresql://…` (a pool of `poolSize` connections). Every call answers
 * within `timeoutMs` or fails with StoreUnavailableError (see guardStore).
 */
export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<CustomerStore> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DATABASE_TIMEOUT_MS;
  if (databaseUrl.startsWith('sqlite:')) {
    return guardStore(new SqliteCustomerStore(databaseUrl.slice('sqlite:'.length)), sqliteGuard(timeoutMs), options.health);
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    // Loaded only for PostgreSQL: `pg` is some 3.5 MB of RSS an SQLite gateway has no use for.
    const { PostgresCustomerStore, postgresGuard } = await import('./postgres-store.js');
    const store = await PostgresCustomerStore.open(databaseUrl, {
      ...options,
      poolSize: options.poolSize ?? DEFAULT_DATABASE_POOL_SIZE,
      timeoutMs,
    });
    return guardStore(store, postgresGuard(timeoutMs), options.health);
  }
  throw new ConfigError('DATABASE_URL', 'expected sqlite:PATH or postgres://…');
}
