import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { GatewayMetrics } from '../http/metrics.js';
import type { CallBudgets } from '../limits/call-budgets.js';
import type { CustomerStore } from '../store/customer-store.js';
import type { PaymentMethodListings } from './payment-method-listings.js';

/** What the resolvers work with; built once by the composition root. */
export interface GatewayServices {
  stripe: Stripe;
  store: CustomerStore;
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
