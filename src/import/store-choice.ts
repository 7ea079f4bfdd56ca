import { DEFAULT_STORE_ID, type StoreConfig } from '../config/stores.js';
import { UsageError } from './arguments.js';

/**
 * The store an import writes for (contract 8, 11): the one `--store` names, else the only one.
 * With several stores the operator must say which: the customers belong to one store's account.
 */
export function importStore(stores: readonly StoreConfig[], requested: string | undefined): StoreConfig {
  if (requested === undefined) {
    if (stores.length === 1) return stores[0]!;
    throw new UsageError(
      `STORES_FILE names ${stores.length} stores: say whose customers these are with --store ID (one of ${stores.map((store) => store.id).join(', ')})`,
    );
  }
  const store = stores.find((candidate) => candidate.id === requested);
  if (store !== undefined) return store;
  const known = stores.map((candidate) => candidate.id).join(', ');
  throw new UsageError(
    `--store: no store ${JSON.stringify(requested)} (${stores.length === 1 && stores[0]!.id === DEFAULT_STORE_ID ? 'without STORES_FILE the only store is default' : `the stores are ${known}`})`,
  );
}
