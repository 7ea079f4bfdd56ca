import type { SignedIn } from '../auth/viewer.js';
import { CLIENT_IDEMPOTENCY_WINDOW_MS } from '../core/idempotency-window.js';
import { ValidationError } from '../core/errors.js';
import type { GatewayServices } from './services.js';

/** A signed-in client's idempotency key, claimed for this call. */
export interface ClientKey {
  /** What this attempt's Stripe idempotency keys derive from: installation, account, user, key, attempt. */
  readonly derivedFrom: string;
  /**
   * This attempt's Stripe keys can no longer give a success (Stripe saved a failure under them,
   * or the call took back what it created): the next call with the key starts the next attempt.
   */
  abandon(): Promise<void>;
}

/** What a call asked for, as its idempotency key records it; one key space for every mutation. */
export interface CallRequest {
  /** The mutation, e.g. `createStripeSetupIntent`. */
  mutation: string;
  stripeVersion: string;
  usage: string;
  /** What else tells one request of the mutation from another (a session's component, …). */
  details?: Record<string, string | boolean>;
}

/**
 * The record of a request. `createStripeSetupIntent` with the default usage keeps the form
 * recorded before other mutations shared the key space, so a repeat across an upgrade still matches.
 */
export function requestFingerprint({ mutation, stripeVersion, usage, details }: CallRequest): string {
  if (mutation === 'createStripeSetupIntent' && usage === 'off_session' && details === undefined) {
    return JSON.stringify({ stripeVersion });
  }
  return JSON.stringify({ mutation, stripeVersion, usage, ...details });
}

/**
 * Records what a signed-in user's idempotency key was first used for, and refuses it for
 * anything else. The Stripe keys it yields are scoped to the installation, the account and the
 * user, so one user's key can never reach another user's answer, nor another installation's;
 * and to the attempt, so a repeat after a failure Stripe would replay for 24 hours can succeed.
 */
export async function claimClientIdempotencyKey(
  services: GatewayServices,
  user: SignedIn,
  key: string,
  fingerprint: string,
): Promise<ClientKey> {
  const scope = await services.accountScope();
  const now = new Date();
  const notBefore = new Date(now.getTime() - CLIENT_IDEMPOTENCY_WINDOW_MS);
  const stored = await services.store.claimIdempotencyKey(scope, user.userId, key, fingerprint, now, notBefore);
  if (stored.fingerprint !== fingerprint) {
    throw new ValidationError([
      {
        field: 'idempotencyKey',
        messages: [
          'This idempotency key was already used for a different request (another mutation, component, stripeVersion or usage); send a new key.',
        ],
      },
    ]);
  }
  return {
    derivedFrom: JSON.stringify([services.installationId, scope, user.userId, key, stored.attempt]),
    abandon: async () => {
      await services.store.advanceIdempotencyAttempt(scope, user.userId, key, stored.attempt);
    },
  };
}
