import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { GatewayMetrics } from '../http/metrics.js';
import type { CallBudgets } from '../limits/call-budgets.js';
import type { CustomerStore } from '../store/customer-store.js';
import type { PaymentMethodListings } from './payment-method-listings.js';

/**
 * What the resolvers work with for one store (contract 11); built once per store by the
 * composition root, the database, metrics and rate-limit store shared by all.
 */
export interface GatewayServices {
  /** The store's id (`default` without STORES_FILE): the `store` label of its metrics. */
  storeId: string;
  /** The store's Stripe client: its key, and for a Connect store its `Stripe-Account`. */
  stripe: Stripe;
  /** The connected account a Connect store acts for; clients initialise Stripe.js with it. */
  stripeAccount: string | undefined;
  store: CustomerStore;
  /** The scope of the store's mappings and keys: its Stripe account and mode, and its id (see storeScope). */
  accountScope: () => Promise<string>;
  /** The database's random id: part of every Stripe key that names a customer (see customers.ts). */
  installationId: string;
  /** STRIPE_PUBLISHABLE_KEY, handed to clients beside their secrets. */
  publishableKey: string | undefined;
  /** `Stripe-Version` for ephemeral keys when the client names none. */
  ephemeralKeyVersion: string;
  allowGuests: boolean;
  /** Rate limits of calls that create Stripe objects, guests' and users'. */
  callBudgets: CallBudgets;
  /** Recent listings of saved payment methods, per customer. */
  paymentMethodListings: PaymentMethodListings;
  requestDeadlineMs: number;
  metrics: GatewayMetrics;
  logger: Logger;
}
