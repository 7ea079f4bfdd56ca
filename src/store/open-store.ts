import { ConfigError, DEFAULT_DATABASE_POOL_SIZE } from '../config/config.js';
import type { CustomerStore } from './customer-store.js';
import { PostgresCustomerStore, type PostgresStoreOptions } from './postgres-store.js';
import { SqliteCustomerStore } from './sqlite-store.js';

export type OpenStoreOptions = Partial<PostgresStoreOptions>;

/**
 * The store named by `DATABASE_URL`, migrated and ready: `sqlite:PATH` (the embedded default)
 * or `postgres://…` / `postgresql://…` (a pool of `poolSize` connections).
 */
export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<CustomerStore> {
  if (databaseUrl.startsWith('sqlite:')) return new SqliteCustomerStore(databaseUrl.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    return PostgresCustomerStore.open(databaseUrl, {
      ...options,
      poolSize: options.poolSize ?? DEFAULT_DATABASE_POOL_SIZE,
    });
  }
  throw new ConfigError('DATABASE_URL', 'expected sqlite:PATH or postgres://…');
}
