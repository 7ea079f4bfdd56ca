import { ConfigError } from '../config/config.js';
import type { CustomerStore } from './customer-store.js';
import { SqliteCustomerStore } from './sqlite-store.js';

/** The store named by `DATABASE_URL`: `sqlite:PATH` (the embedded default). */
export async function openStore(databaseUrl: string): Promise<CustomerStore> {
  if (databaseUrl.startsWith('sqlite:')) return new SqliteCustomerStore(databaseUrl.slice('sqlite:'.length));
  throw new ConfigError('DATABASE_URL', 'this build has only the SQLite store (sqlite:PATH); PostgreSQL is not available yet');
}
