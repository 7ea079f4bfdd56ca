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
  const account = (event as { account?: unknown }).account;
  if (account !== undefined && account !== null && account !== origin.account) {
    return origin.account === undefined ? 'an event of a connected account; the store uses none' : 'an event of another connected account';
  }
  return undefined;
}
