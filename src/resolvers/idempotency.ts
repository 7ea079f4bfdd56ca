import type { SignedIn } from './customers.js';
import { ValidationError } from './errors.js';
import type { GatewayServices } from './services.js';

/** Stripe keeps idempotency keys for 24 hours; a client's key means the same for as long. */
export const CLIENT_IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Records what a signed-in user's idempotency key was first used for, and refuses it for
 * anything else. Returns the key's scope (installation, account, user, key) for deriving Stripe
 * keys, so one user's key can never reach another user's answer, nor another installation's.
 */
export async function claimClientIdempotencyKey(
  services: GatewayServices,
  user: SignedIn,
  key: string,
  stripeVersion: string,
): Promise<string> {
  const scope = await services.accountScope();
  const fingerprint = JSON.stringify({ stripeVersion });
  const now = new Date();
  const notBefore = new Date(now.getTime() - CLIENT_IDEMPOTENCY_WINDOW_MS);
  const stored = await services.store.claimIdempotencyKey(scope, user.userId, key, fingerprint, now, notBefore);
  if (stored !== fingerprint) {
    throw new ValidationError([
      {
        field: 'idempotencyKey',
        messages: ['This idempotency key was already used for a different request (another stripeVersion); send a new key.'],
      },
    ]);
  }
  return JSON.stringify([services.installationId, scope, user.userId, key]);
}
