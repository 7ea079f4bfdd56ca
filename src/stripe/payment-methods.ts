import Stripe from 'stripe';

/** Far beyond any shopper's wallet; bounds the pages a customer with runaway duplicates costs. */
export const MAX_LISTED_PAYMENT_METHODS = 1_000;
const PAGE_SIZE = 100;

/**
 * Every payment method attached to the customer, newest first, paged through in full (Stripe
 * answers at most 100 per page). No `allow_redisplay` filter: these are the customer's own.
 */
export async function listCustomerPaymentMethods(stripe: Stripe, customerId: string): Promise<Stripe.PaymentMethod[]> {
  const methods = await stripe.customers
    .listPaymentMethods(customerId, { limit: PAGE_SIZE })
    .autoPagingToArray({ limit: MAX_LISTED_PAYMENT_METHODS });
  // Stripe lists newest first; sorting again keeps the promise whatever the page boundaries.
  return methods.sort((a, b) => b.created - a.created);
}

/** Stripe's answer for a customer (or payment method) that does not exist or was deleted. */
export function isResourceMissing(error: unknown, param?: string): boolean {
  return (
    error instanceof Stripe.errors.StripeInvalidRequestError &&
    error.code === 'resource_missing' &&
    (param === undefined || error.param === param)
  );
}
