import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, type GatewayConfig } from './config/config.js';
import { parseImportArguments, USAGE, UsageError } from './import/arguments.js';
import { ImportError } from './import/import-error.js';
import { importCustomers, type ImportRequest, type ImportServices } from './import/import-customers.js';
import { createReport } from './import/report.js';
import { formatSummary, isClean } from './import/summary.js';
import { startSandboxEmulator } from './sandbox/sandbox-emulator.js';
import { DEFAULT_EMULATOR_SECRET_KEY } from './emulator/index.js';
import { openStore } from './store/open-store.js';
import { accountScopeResolver, storeScope } from './stripe/account-scope.js';
import { DEFAULT_STORE_ID, type StoreConfig } from './config/stores.js';
import { emulatorAccountsOf, needsOwnAccounts, sandboxStoreAccounts } from './sandbox/store-accounts.js';
import { importStore } from './import/store-choice.js';
import { createStripeClient } from './stripe/client.js';

/** `npm run import-customers -- FILE.csv [--store ID] [--verify] [--dry-run]` (README, "Migrating from Spree"). */
async function main(argv: string[]): Promise<number> {
  const request = parseImportArguments(argv);
  const config = loadConfig();
  const target = importStore(config.stores, request.store);
  const access = await stripeAccess(config, target, request.dryRun);
  try {
    return await importInto(request, config, target, access);
  } finally {
    await access.close();
  }
}

interface StripeAccess {
  secretKey: string;
  apiBase: URL | undefined;
  close(): Promise<void>;
}

/**
 * STRIPE_SECRET_KEY's account; in sandbox mode (no key) the built-in emulator's account, whose
 * state the sandbox gateway on this DATABASE_URL keeps: an emulator of the import's own, on a free
 * port, reads it, so the mappings go under the account that gateway uses, and --verify sees its
 * customers. The import only reads from Stripe, so that state is never written back; a dry run
 * does not even create it.
 */
async function stripeAccess(config: GatewayConfig, target: StoreConfig, dryRun: boolean): Promise<StripeAccess> {
  const { apiBase } = config.stripe;
  const { secretKey } = target.stripe;
  if (secretKey) return { secretKey, apiBase, close: async () => {} };
  if (config.production) {
    throw new ConfigError('STRIPE_SECRET_KEY', 'required when NODE_ENV=production: mappings are stored under its Stripe account');
  }
  const accounts = sandboxStoreAccounts(config.stores);
  const sandbox = await startSandboxEmulator({
    databaseUrl: config.databaseUrl,
    databaseTimeoutMs: config.databaseTimeoutMs,
    port: 0,
    readOnly: dryRun,
    // As the sandbox gateway with this stores file has them: one account per store.
    ...(needsOwnAccounts(accounts) && { accounts: emulatorAccountsOf(accounts) }),
  });
  console.error(
    `sandbox mode (no STRIPE_SECRET_KEY): importing under the built-in emulator's account${needsOwnAccounts(accounts) ? ` of store "${target.id}"` : ''} (state: ${sandbox.stateDescription})`,
  );
  const own = accounts.find((account) => account.storeId === target.id)!;
  return { secretKey: own.secretKey, apiBase: new URL(sandbox.emulator.url), close: sandbox.close };
}

async function importInto(request: ImportRequest, config: GatewayConfig, target: StoreConfig, { secretKey, apiBase }: StripeAccess): Promise<number> {
  const { timeoutMs } = config.stripe;
  const { account } = target.stripe;
  const keyName = config.stores.length === 1 && request.store === undefined ? 'STRIPE_SECRET_KEY' : `the key of store "${target.id}"`;
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
      findCustomerOwners: async () => new Map(),
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
