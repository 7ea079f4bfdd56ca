import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { noAccessToAccount, notAPlatform } from './auth.js';
import { newId, unixSeconds } from './ids.js';
import { EmulatorState } from './state.js';

/** One emulated Stripe account: its own objects, invisible to every other account. */
export interface EmulatedAccount {
  readonly id: string;
  readonly state: EmulatorState;
  /** The platform whose key acts for it with `Stripe-Account`; null for an account of its own (one with keys). */
  readonly platform: string | null;
  /** What GET /v1/account answers. */
  readonly object: Stripe.Account;
  /** Hashes of its keys: the state file finds the account again by them without holding a key. */
  keyHashes: string[];
}

/** Stripe's account ids: `acct_` and letters or digits (underscores too: tests name theirs). */
export const ACCOUNT_ID_PATTERN = /^acct_[A-Za-z0-9_]+$/;

export function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 24);
}

export function accountObject(id: string, type: Stripe.Account.Type, fields: Partial<Stripe.Account> = {}): Stripe.Account {
  return {
    id,
    object: 'account',
    business_type: null,
    charges_enabled: true,
    country: 'US',
    created: unixSeconds(),
    default_currency: 'usd',
    details_submitted: true,
    email: null,
    metadata: {},
    payouts_enabled: true,
    type,
    ...fields,
  };
}

/**
 * Every account of one emulator, found by id and by API key (secret or publishable). A key names
 * its own account; `Stripe-Account` then selects one of that account's connected accounts.
 */
export class AccountRegistry {
  private readonly byId = new Map<string, EmulatedAccount>();
  private readonly byKey = new Map<string, EmulatedAccount>();

  constructor(private readonly newState: () => EmulatorState) {}

  add(account: Omit<EmulatedAccount, 'state'> & { state?: EmulatorState }): EmulatedAccount {
    if (this.byId.has(account.id)) throw new Error(`duplicate emulator account ${account.id}`);
    const added: EmulatedAccount = { ...account, state: account.state ?? this.newState() };
    this.byId.set(added.id, added);
    return added;
  }

  /** Requests with `key` act as `account` (a key belongs to one account only). */
  bindKey(key: string, account: EmulatedAccount): void {
    const owner = this.byKey.get(key);
    if (owner !== undefined && owner !== account) throw new Error(`an API key cannot belong to two accounts (${owner.id}, ${account.id})`);
    this.byKey.set(key, account);
  }

  get(id: string): EmulatedAccount | undefined {
    return this.byId.get(id);
  }

  ofKey(key: string): EmulatedAccount | undefined {
    return this.byKey.get(key);
  }

  list(): EmulatedAccount[] {
    return [...this.byId.values()];
  }

  /** In creation order. */
  connectedTo(platform: string): EmulatedAccount[] {
    return this.list().filter((account) => account.platform === platform);
  }

  /** A new connected account of `platform` (POST /v1/accounts, or one named at start). */
  connect(platform: EmulatedAccount, id = newId('acct', 16), fields: Partial<Stripe.Account> = {}, type: Stripe.Account.Type = 'standard'): EmulatedAccount {
    return this.add({ id, platform: platform.id, object: accountObject(id, type, fields), keyHashes: [] });
  }

  /**
   * The account a request acts on: the key's own, or with `Stripe-Account` one connected to it
   * (the key's own id is accepted too, as on Stripe). Anything else is Stripe's 403.
   */
  resolve(key: string, own: EmulatedAccount, stripeAccount: string | undefined): EmulatedAccount {
    if (stripeAccount === undefined || stripeAccount === own.id) return own;
    return this.connectedOf(key, own, stripeAccount);
  }

  /** `id` when it is `own` or connected to it; Stripe's 403 otherwise. */
  connectedOf(key: string, own: EmulatedAccount, id: string): EmulatedAccount {
    if (id === own.id) return own;
    const target = this.byId.get(id);
    if (target !== undefined && target.platform === own.id) return target;
    if (this.connectedTo(own.id).length === 0) throw notAPlatform();
    throw noAccessToAccount(key, id);
  }
}
