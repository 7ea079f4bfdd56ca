import { createHash } from 'node:crypto';
import Stripe from 'stripe';
import { stripeMode } from './client.js';

/**
 * The Stripe account and mode a client's requests act on (`acct_…:test`): the key's own account,
 * or for a Connect client (`stripeAccount` in its config) the connected account, since
 * `GET /v1/account` answers the account the `Stripe-Account` header names. Looked up once,
 * lazily, so start-up does not depend on Stripe being reachable.
 */
export function accountScopeResolver(stripe: Stripe, secretKey: string, connectedAccount?: string): () => Promise<string> {
  const mode = stripeMode(secretKey);
  let pending: Promise<string> | undefined;
  return () =>
    (pending ??= stripe.accounts.retrieveCurrent().then(
      (account) => `${account.id}:${mode}`,
      (error: unknown) => {
        // A restricted key may not read the account: fall back to the key's fingerprint (and the
        // connected account the client acts for, which the header names).
        if (error instanceof Stripe.errors.StripePermissionError) {
          return `key_${fingerprint(secretKey)}${connectedAccount ? `/${connectedAccount}` : ''}:${mode}`;
        }
        pending = undefined;
        throw error;
      },
    ));
}

/**
 * The scope a store's customer mappings, idempotency keys and user budgets are kept under: the
 * account scope alone for the store `default` (so a database from before stores keeps every
 * mapping with no migration), the account scope and the store id for any other store (so two
 * stores on one Stripe account never share a customer). Never a prefix of another store's scope.
 */
export function storeScope(accountScope: string, storeId: string, defaultStoreId: string): string {
  return storeId === defaultStoreId ? accountScope : `${accountScope}:store:${storeId}`;
}

function fingerprint(secretKey: string): string {
  return createHash('sha256').update(secretKey).digest('hex').slice(0, 24);
}
