import type Stripe from 'stripe';
import { isResourceMissing, listCustomerPaymentMethods } from '../stripe/payment-methods.js';
import type { GatewayServices } from '../resolvers/services.js';

/** Same card: the same fingerprint (card number) and the same expiry. */
function sameCard(a: Stripe.PaymentMethod, b: Stripe.PaymentMethod): boolean {
  const [x, y] = [a.card, b.card];
  return (
    x !== undefined &&
    y !== undefined &&
    typeof x.fingerprint === 'string' &&
    x.fingerprint === y.fingerprint &&
    x.exp_month === y.exp_month &&
    x.exp_year === y.exp_year
  );
}

function idOf(value: string | { id: string } | null): string | undefined {
  return value === null ? undefined : typeof value === 'string' ? value : value.id;
}

/**
 * After a SetupIntent saved a card: when the customer already had that card (an older method
 * with the same fingerprint and expiry), the new one is detached. Decided on Stripe's current
 * list, not on the event's snapshot, and always in favour of the oldest copy, so events handled
 * late, twice, out of order or concurrently still leave exactly one copy attached.
 * Returns the detached method's id, if any.
 */
export async function deduplicateSavedCard(
  services: GatewayServices,
  intent: Stripe.SetupIntent,
): Promise<string | undefined> {
  const customerId = idOf(intent.customer);
  const savedId = idOf(intent.payment_method);
  if (customerId === undefined || savedId === undefined) return undefined;
  let methods: Stripe.PaymentMethod[];
  try {
    methods = await listCustomerPaymentMethods(services.stripe, customerId);
  } catch (error) {
    if (isResourceMissing(error)) return undefined; // the customer is gone: nothing to tidy
    throw error;
  }
  const index = methods.findIndex((method) => method.id === savedId);
  const saved = methods[index];
  // Not attached (any more): already detached, by us or the shopper.
  if (saved === undefined) return undefined;
  const olderCopy = methods.slice(index + 1).find((method) => sameCard(method, saved));
  if (olderCopy === undefined) return undefined;
  try {
    await services.stripe.paymentMethods.detach(saved.id);
  } catch (error) {
    // Detached meanwhile (a concurrent delivery): the outcome stands.
    if (isResourceMissing(error) || (error as { code?: string }).code === 'payment_method_unexpected_state') return undefined;
    throw error;
  }
  services.paymentMethodListings.forget(customerId);
  services.logger.info({ customerId, detached: saved.id, kept: olderCopy.id }, 'detached a duplicate card');
  return saved.id;
}
