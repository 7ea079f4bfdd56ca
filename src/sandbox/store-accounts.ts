import { DEFAULT_STORE_ID, type StoreConfig } from '../config/stores.js';
import { DEFAULT_EMULATOR_PUBLISHABLE_KEY, DEFAULT_EMULATOR_SECRET_KEY, type EmulatorAccountOptions } from '../emulator/index.js';

/** A store's account in the sandbox's emulator: its keys, and the connected account it acts for. */
export interface SandboxStoreAccount {
  storeId: string;
  secretKey: string;
  publishableKey: string;
  /** The store's `stripe.account`: a connected account of this emulator account. */
  connectedAccount: string | undefined;
}

/**
 * Sandbox mode with a stores file (contract 11): each store gets an emulator account of its own.
 * The store `default` (else the first) keeps the emulator's default keys, so the state a sandbox
 * kept before stores is still that store's; the others have keys made from their ids, the same
 * at every start, so the emulator's saved state finds each store's account again.
 */
export function sandboxStoreAccounts(stores: readonly StoreConfig[]): SandboxStoreAccount[] {
  const keeper = stores.find((store) => store.id === DEFAULT_STORE_ID) ?? stores[0];
  return stores.map((store) => {
    const own = store === keeper;
    const suffix = `sandbox_store_${store.id.replaceAll('-', '_')}`;
    return {
      storeId: store.id,
      secretKey: own ? DEFAULT_EMULATOR_SECRET_KEY : `sk_test_${suffix}`,
      publishableKey: own ? DEFAULT_EMULATOR_PUBLISHABLE_KEY : `pk_test_${suffix}`,
      connectedAccount: store.stripe.account,
    };
  });
}

/** The emulator's accounts for these stores. */
export function emulatorAccountsOf(accounts: readonly SandboxStoreAccount[]): EmulatorAccountOptions[] {
  return accounts.map((account) => ({
    secretKeys: [account.secretKey],
    publishableKeys: [account.publishableKey],
    ...(account.connectedAccount && { connectedAccounts: [account.connectedAccount] }),
  }));
}

/** One store without a connected account keeps the emulator's one default account, as before stores. */
export function needsOwnAccounts(accounts: readonly SandboxStoreAccount[]): boolean {
  return accounts.length > 1 || accounts.some((account) => account.connectedAccount !== undefined);
}
