import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config/config.js';
import { parseImportArguments, USAGE, UsageError } from './import/arguments.js';
import { ImportError } from './import/import-error.js';
import { importCustomers, type ImportServices } from './import/import-customers.js';
import { createReport } from './import/report.js';
import { formatSummary, isClean } from './import/summary.js';
import { openStore } from './store/open-store.js';
import { accountScopeResolver, storeScope } from './stripe/account-scope.js';
import { DEFAULT_STORE_ID } from './config/stores.js';
import { importStore } from './import/store-choice.js';
import { createStripeClient } from './stripe/client.js';

/** `npm run import-customers -- FILE.csv [--store ID] [--verify] [--dry-run]` (README, "Migrating from Spree"). */
async function main(argv: string[]): Promise<number> {
  const request = parseImportArguments(argv);
  const config = loadConfig();
  const target = importStore(config.stores, request.store);
  const { apiBase, timeoutMs } = config.stripe;
  const { secretKey, account } = target.stripe;
  const keyName = config.stores.length === 1 && request.store === undefined ? 'STRIPE_SECRET_KEY' : `the key of store "${target.id}"`;
  if (!secretKey) throw new ConfigError('STRIPE_SECRET_KEY', 'required: mappings are stored under its Stripe account');
  // A Connect store's client acts for its connected account: its customers, its scope.
  const stripe = createStripeClient({ secretKey, timeoutMs, apiBase, stripeAccount: account });
  const accountOf = await accountScopeResolver(stripe, secretKey, account)().catch((error: unknown) => {
    throw new ImportError(`Stripe could not name the account of ${keyName}${account ? ` (connected account ${account})` : ''}: ${(error as Error).message}`);
  });
  // The scope the gateway keeps this store's mappings under (the store `default`: the account's alone).
  const accountScope = storeScope(accountOf, target.id, DEFAULT_STORE_ID);
  if (config.stores.length > 1 || request.store !== undefined) console.error(`store: ${target.id}`);
  // The account and mode the mappings go under, for the operator to check against the gateway's.
  console.error(`Stripe account scope: ${accountScope}`);
  const store = await openImportStore(config.databaseUrl, config.databaseTimeoutMs, request.dryRun);
  const report = createReport(process.stderr);
  let summary;
  try {
    summary = await importCustomers(request, { accountScope, stripe, store, report });
  } finally {
    report.done();
    await store.close();
  }
  if (request.dryRun) console.error('dry run: nothing was written; an import would do this:');
  console.log(formatSummary(summary));
  return isClean(summary) ? 0 : 1;
}

type ImportStore = ImportServices['store'] & { close(): Promise<void> };

/** The gateway's store (migrated, so a new database gets its tables); a dry run creates no SQLite file. */
async function openImportStore(databaseUrl: string, timeoutMs: number, dryRun: boolean): Promise<ImportStore> {
  if (dryRun && databaseUrl.startsWith('sqlite:') && !existsSync(databaseUrl.slice('sqlite:'.length))) {
    return {
      findCustomers: async () => new Map(),
      importCustomers: async () => {
        throw new Error('a dry run writes nothing');
      },
      close: async () => {},
    };
  }
  try {
    return await openStore(databaseUrl, { poolSize: 2, timeoutMs });
  } catch (error) {
    // Never the URL itself: it may carry a password.
    throw new ImportError(`DATABASE_URL: the database cannot be opened: ${(error as Error).message}`, { cause: error });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) console.error(`import-customers: ${error.message}\n${USAGE}`);
    else if (error instanceof ConfigError) console.error(`import-customers: invalid configuration: ${error.message}`);
    else if (error instanceof ImportError) console.error(`import-customers: ${error.message}`);
    else console.error('import-customers: failed:', error);
    process.exitCode = 2;
  },
);
