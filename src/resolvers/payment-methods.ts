import type Stripe from 'stripe';
import type { Viewer } from '../auth/viewer.js';
import { isResourceMissing, listCustomerPaymentMethods } from '../stripe/payment-methods.js';
import { translateStripeError } from '../stripe/translate-error.js';
import type { Caller } from './caller.js';
import { storedCustomerFor } from './customers.js';
import { withinDeadline } from '../core/deadline.js';
import { AuthenticationRequiredError, NotFoundError } from '../core/errors.js';
import type { SavedPaymentMethod } from './saved-payment-method.js';
import type { GatewayServices } from './services.js';

export type { SavedPaymentMethod };

export interface DetachStripePaymentMethodInput {
  paymentMethodId: string;
}

/** Stripe's object ids: a prefix, an underscore, letters and digits. Anything else cannot be one. */
const PAYMENT_METHOD_ID = /^[a-z]{2,10}_[A-Za-z0-9]{1,250}$/;

function toSaved(method: Stripe.PaymentMethod): SavedPaymentMethod {
  const { card } = method;
  return {
    id: method.id,
    type: method.type,
    card: card
      ? { brand: card.brand, last4: card.last4, expMonth: card.exp_month, expYear: card.exp_year, wallet: card.wallet?.type ?? null }
      : null,
    createdAt: new Date(method.created * 1000),
  };
}

function idOf(value: string | { id: string } | null): string | null {
  return value === null || typeof value === 'string' ? value : value.id;
}

/**
 * The signed-in user's saved payment methods, newest first, read from Stripe (the gateway
 * stores no card data). Never creates a customer: a guest, a user without one, and a user
 * whose customer was deleted in Stripe all have none.
 */
export async function listSavedPaymentMethods(services: GatewayServices, viewer: Viewer): Promise<SavedPaymentMethod[]> {
  if (viewer.kind === 'guest') return [];
  const listings = services.paymentMethodListings;
  const work = async () => {
    const customerId = await storedCustomerFor(services, viewer);
    // Every read counts against the user's read budget; only one that asks Stripe, the account's.
    const asksStripe = customerId !== undefined && listings.recent(customerId) === undefined;
    await services.callBudgets.spendRead(viewer, asksStripe ? 1 : 0);
    if (customerId === undefined) return [];
    let listing = listings.recent(customerId);
    if (listing === undefined) {
      listing = listFromStripe(services, customerId);
      listings.remember(customerId, listing);
    }
    return listing;
  };
  try {
    return await withinDeadline(work, services.requestDeadlineMs);
  } catch (error) {
    throw translateStripeError(error);
  }
}

async function listFromStripe(services: GatewayServices, customerId: string): Promise<SavedPaymentMethod[]> {
  try {
    return (await listCustomerPaymentMethods(services.stripe, customerId)).map(toSaved);
  } catch (error) {
    if (isResourceMissing(error)) return [];
    throw error;
  }
}

/**
 * Detaches one of the caller's own payment methods. Another customer's method and an id that
 * does not exist are the same NotFoundError, and nothing changes: ids cannot be probed.
 */
export async function detachStripePaymentMethod(
  services: GatewayServices,
  { viewer, clientAddress }: Caller,
  { paymentMethodId }: DetachStripePaymentMethodInput,
): Promise<{ id: string }> {
  if (viewer.kind === 'guest') throw new AuthenticationRequiredError('Sign in to remove a saved payment method.');
  const notFound = () => new NotFoundError('No such payment method among yours.');
  const work = async () => {
    const customerId = PAYMENT_METHOD_ID.test(paymentMethodId) ? await storedCustomerFor(services, viewer) : undefined;
    // Every call counts, found or not: probing ids costs the prober's own budget. Stripe is
    // asked twice (the method, then the detach) only when there is a customer to ask about.
    await services.callBudgets.spend(viewer, clientAddress, customerId === undefined ? 0 : 2);
    if (customerId === undefined) throw notFound();
    let method: Stripe.PaymentMethod;
    try {
      method = await services.stripe.paymentMethods.retrieve(paymentMethodId);
    } catch (error) {
      if (isResourceMissing(error)) throw notFound();
      throw error;
    }
    if (idOf(method.customer) !== customerId) throw notFound();
    try {
      await services.stripe.paymentMethods.detach(paymentMethodId);
    } catch (error) {
      // Detached in between (another tab, the webhook's deduplication): no longer the caller's.
      if (isResourceMissing(error) || (error as { code?: string }).code === 'payment_method_unexpected_state') throw notFound();
      throw error;
    } finally {
      services.paymentMethodListings.forget(customerId);
    }
    services.logger.info({ customerId, paymentMethodId }, 'detached a payment method at the customer’s request');
    return { id: paymentMethodId };
  };
  try {
    return await withinDeadline(work, services.requestDeadlineMs);
  } catch (error) {
    throw translateStripeError(error);
  }
}
