import type Stripe from 'stripe';

/** Where the store's own events come from: the key's mode and, for a Connect store, its connected account. */
export interface EventOrigin {
  livemode: boolean;
  /** The store's connected account (`Stripe-Account`); undefined: the key's own account. */
  account: string | undefined;
}

/**
 * Why a verified event is not the store's to act on, or undefined when it is. A signing secret can
 * be shared by a test and a live endpoint, or by a platform's Connect endpoint: the signature
 * alone does not say the event concerns this store's customers.
 */
export function foreignOrigin(event: Stripe.Event, origin: EventOrigin): string | undefined {
  if (event.livemode !== origin.livemode) return `a ${event.livemode ? 'live' : 'test'}-mode event for a ${origin.livemode ? 'live' : 'test'}-mode key`;
  const raw = (event as { account?: unknown }).account;
  const account = raw === null ? undefined : raw;
  if (account !== origin.account) {
    if (origin.account === undefined) return 'an event of a connected account; the store uses none';
    // A Connect store's events name its connected account; the platform's own events name none.
    return account === undefined ? 'an event of the platform’s own account; the store is its connected account' : 'an event of another connected account';
  }
  return undefined;
}
