import { createHash } from 'node:crypto';
import Stripe from 'stripe';
import { stripeMode } from './client.js';

/**
 * The key customer mappings are stored under: the Stripe account and mode, so a test-mode
 * customer is never handed to a live key and rotating a key keeps the mappings. Looked up
 * once, lazily, so start-up does not depend on Stripe being reachable.
 */
export function accountScopeResolver(stripe: Stripe, secretKey: string): () => Promise<string> {
  const mode = stripeMode(secretKey);
  let pending: Promise<string> | undefined;
  return () =>
    (pending ??= stripe.accounts.retrieveCurrent().then(
      (account) => `${account.id}:${mode}`,
      (error: unknown) => {
        // A restricted key may not read the account: fall back to the key's fingerprint.
        if (error instanceof Stripe.errors.StripePermissionError) return `key_${fingerprint(secretKey)}:${mode}`;
        pending = undefined;
        throw error;
      },
    ));
}

function fingerprint(secretKey: string): string {
  return createHash('sha256').update(secretKey).digest('hex').slice(0, 24);
}
