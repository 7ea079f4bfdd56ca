import { ACCOUNT_ID_PATTERN, AccountRegistry, accountObject, keyHash, type EmulatedAccount } from './accounts.js';
import { newId } from './ids.js';
import { restoreCollections, type PersistedEmulator } from './persistence.js';
import type { EmulatorState } from './state.js';
import type { EmulatorAccountOptions } from './types.js';

export interface OpenedAccounts {
  registry: AccountRegistry;
  /** The configured accounts, in the order given (the first is the emulator's accountId). */
  keyed: EmulatedAccount[];
  publishableKeys: Set<string>;
}

/**
 * The accounts of the options, each with its objects from the state file when it holds them:
 * an account is found again by its id when the options give one, else by one of its keys (the
 * file keeps only their hashes), and a file of the single-account format gives its account to
 * the first one. Accounts
 * in the file that no option names are kept (and written back), only unreachable by key.
 */
export function openAccounts(
  configured: readonly EmulatorAccountOptions[],
  saved: PersistedEmulator | undefined,
  newState: () => EmulatorState,
): OpenedAccounts {
  if (configured.length === 0) throw new Error('accounts must not be empty');
  const registry = new AccountRegistry(newState);
  for (const account of saved?.accounts ?? []) {
    const state = newState();
    restoreCollections(state, account.collections);
    registry.add({ id: account.id, platform: account.platform, object: account.object, keyHashes: account.keyHashes, state });
  }
  const claimed = new Set<EmulatedAccount>();
  const publishableKeys = new Set<string>();
  const keyed = configured.map((options, index) => {
    if (options.secretKeys.length === 0) throw new Error(`accounts[${index}].secretKeys must not be empty`);
    if (options.id !== undefined && !ACCOUNT_ID_PATTERN.test(options.id)) throw new Error(`accounts[${index}].id must look like acct_…`);
    const keys = [...options.secretKeys, ...(options.publishableKeys ?? [])];
    const hashes = keys.map(keyHash);
    const unclaimed = (account: EmulatedAccount) => !claimed.has(account) && account.platform === null;
    // An id given is the account's identity; without one, its keys are.
    const found =
      options.id !== undefined
        ? registry.get(options.id)
        : (registry.list().find((account) => unclaimed(account) && account.keyHashes.some((hash) => hashes.includes(hash))) ??
          (index === 0 ? registry.list().find((account) => unclaimed(account) && account.keyHashes.length === 0) : undefined));
    if (found !== undefined && (claimed.has(found) || found.platform !== null)) {
      throw new Error(`accounts[${index}]: ${found.id} is already another account's or a connected account`);
    }
    const id = options.id ?? newId('acct', 16);
    const account = found ?? registry.add({ id, platform: null, object: accountObject(id, 'standard'), keyHashes: [] });
    account.keyHashes = hashes;
    claimed.add(account);
    for (const key of keys) registry.bindKey(key, account);
    for (const key of options.publishableKeys ?? []) publishableKeys.add(key);
    for (const connectedId of options.connectedAccounts ?? []) {
      if (!ACCOUNT_ID_PATTERN.test(connectedId)) throw new Error(`accounts[${index}].connectedAccounts: ${connectedId} must look like acct_…`);
      const existing = registry.get(connectedId);
      if (existing === undefined) registry.connect(account, connectedId);
      else if (existing.platform !== account.id) throw new Error(`${connectedId} is not a connected account of ${account.id}`);
    }
    return account;
  });
  return { registry, keyed, publishableKeys };
}
