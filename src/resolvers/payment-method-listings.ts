import type { SavedPaymentMethod } from './saved-payment-method.js';

/** How long a customer's listing is reused: a wallet screen's reloads, not a shopper's next visit. */
export const LISTING_REUSE_MS = 3_000;
/** Bounds the memory: the oldest listing goes first. */
const MAX_CUSTOMERS = 10_000;

/**
 * Recent listings of saved payment methods, per customer, in this instance's memory: a listing
 * asked for again within LISTING_REUSE_MS (or while it is still in flight) costs Stripe nothing.
 * Whatever changes a customer's payment methods forgets theirs: a detach, a new SetupIntent
 * (a card may be saved next), the webhook events that attach or detach one. Other instances
 * keep theirs for at most LISTING_REUSE_MS.
 */
export class PaymentMethodListings {
  private readonly listings = new Map<string, { at: number; listing: Promise<SavedPaymentMethod[]> }>();

  /** A listing of the customer from the last LISTING_REUSE_MS, or in flight. */
  recent(customerId: string, now = performance.now()): Promise<SavedPaymentMethod[]> | undefined {
    const entry = this.listings.get(customerId);
    if (entry === undefined) return undefined;
    if (now - entry.at < LISTING_REUSE_MS) return entry.listing;
    this.listings.delete(customerId);
    return undefined;
  }

  /** Keeps a listing just started; a failed one is forgotten. */
  remember(customerId: string, listing: Promise<SavedPaymentMethod[]>): void {
    const entry = { at: performance.now(), listing };
    this.listings.delete(customerId);
    this.listings.set(customerId, entry);
    if (this.listings.size > MAX_CUSTOMERS) this.listings.delete(this.listings.keys().next().value!);
    listing.catch(() => {
      if (this.listings.get(customerId) === entry) this.listings.delete(customerId);
    });
  }

  forget(customerId: string): void {
    this.listings.delete(customerId);
  }
}
