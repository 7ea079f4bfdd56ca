import Stripe from 'stripe';
import type { SignedIn, Viewer } from '../auth/viewer.js';
import { CustomerTakenError } from '../store/customer-store.js';
import { customerClaims } from '../stripe/customer-claims.js';
import { derivedIdempotencyKey } from '../stripe/idempotency-keys.js';
import { CLIENT_IDEMPOTENCY_WINDOW_MS } from '../core/idempotency-window.js';
import type { GatewayServices } from './services.js';

/**
 * The customer to save the card to.
 * Signed-in user:
 * 1. the customer stored for (account scope, user id), if any;
 * 2. else a new Stripe customer (email, name, metadata.user_id; a claim Stripe would refuse left off), created with an idempotency key
 *    derived from the installation, the scope and the user, so racing first calls on any instance
 *    of this installation get the same customer back from Stripe, and another installation (its
 *    own database) on the same Stripe account never does; when a customer.deleted webhook made
 *    the store forget the user's customer, the key also names the forgotten one (as a lazy
 *    replacement's does), or Stripe would replay the deleted customer for 24 hours;
 * 3. the mapping is claimed with insert-on-conflict and the stored winner is used; a customer
 *    of ours that lost (its key had expired, or the token's email changed) is deleted in Stripe.
 * Guest: a new customer every call.
 */
export async function customerFor(
  services: GatewayServices,
  viewer: Viewer,
  /** The user's stored customer, when the caller already looked it up. */
  known?: { stored: string | undefined },
): Promise<string> {
  if (viewer.kind === 'guest') return (await services.stripe.customers.create()).id;
  const scope = await services.accountScope();
  const stored = known ? known.stored : await services.store.findCustomer(scope, viewer.userId);
  if (stored) return stored;
  const notBefore = new Date(Date.now() - CLIENT_IDEMPOTENCY_WINDOW_MS);
  const forgotten = await services.store.findForgottenCustomer(scope, viewer.userId, notBefore);
  const created = await createUserCustomer(services, scope, viewer, forgotten);
  let claimed: string;
  try {
    claimed = await services.store.claimCustomer(scope, viewer.userId, created);
  } catch (error) {
    if (!(error instanceof CustomerTakenError)) throw error;
    // Stripe replayed a customer made for this user that an import has since given to another
    // user: it stays theirs (never shared), and this user gets one of their own, keyed on the
    // taken id so racing calls again share one.
    services.logger.error(
      { customerId: created },
      'the Stripe customer made for this user is mapped to another user (an import); a new customer is made for this one',
    );
    const own = await createUserCustomer(services, scope, viewer, created);
    return keepWinner(services, own, await services.store.claimCustomer(scope, viewer.userId, own));
  }
  return keepWinner(services, created, claimed);
}

/**
 * The stored customer was deleted in Stripe: create another (keyed on the stale id, so racing
 * requests again share one) and swap it in unless another request already did.
 */
export async function replaceStaleCustomer(services: GatewayServices, user: SignedIn, staleId: string): Promise<string> {
  const scope = await services.accountScope();
  const created = await createUserCustomer(services, scope, user, staleId);
  const stored = await services.store.replaceCustomer(scope, user.userId, staleId, created);
  services.logger.info({ staleCustomerId: staleId, customerId: stored }, 'replaced a customer deleted in Stripe');
  return keepWinner(services, created, stored);
}

export async function storedCustomerFor(services: GatewayServices, viewer: Viewer): Promise<string | undefined> {
  if (viewer.kind === 'guest') return undefined;
  return services.store.findCustomer(await services.accountScope(), viewer.userId);
}

async function createUserCustomer(
  services: GatewayServices,
  scope: string,
  user: SignedIn,
  replacing: string | undefined,
): Promise<string> {
  const claims = customerClaims(user.email, user.name);
  if (claims.refused.length > 0) {
    services.logger.warn({ refusedClaims: claims.refused }, 'token claims Stripe would refuse were left off the Stripe customer');
  }
  const params: Stripe.CustomerCreateParams = { ...claims.params, metadata: { user_id: user.userId } };
  const idempotencyKey = derivedIdempotencyKey('customer', services.installationId, scope, user.userId, replacing ?? '');
  try {
    return (await services.stripe.customers.create(params, { idempotencyKey })).id;
  } catch (error) {
    // Stripe would answer this key the same way for 24 hours: the key was first used with other
    // parameters (the token's email or name changed), or Stripe saved a server error under it.
    // Create afresh under a key of the SDK's own; the claim below settles which customer is kept.
    if (!isSpoiledKey(error)) throw error;
    return (await services.stripe.customers.create(params)).id;
  }
}

function isSpoiledKey(error: unknown): boolean {
  if (error instanceof Stripe.errors.StripeIdempotencyError) return error.statusCode === 400;
  return (
    error instanceof Stripe.errors.StripeError &&
    (error.statusCode ?? 0) >= 500 &&
    error.headers?.['stripe-should-retry'] === 'false'
  );
}

async function keepWinner(services: GatewayServices, created: string, stored: string): Promise<string> {
  if (stored !== created) {
    try {
      await services.stripe.customers.del(created);
    } catch (error) {
      services.logger.warn({ err: error, customerId: created }, 'could not delete a duplicate Stripe customer');
    }
  }
  return stored;
}
