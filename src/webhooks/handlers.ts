import type Stripe from 'stripe';
import type { GatewayServices } from '../resolvers/services.js';
import { isResourceMissing } from '../stripe/payment-methods.js';
import { deduplicateSavedCard } from './deduplicate-payment-methods.js';

export interface WebhookOptions {
  deduplicatePaymentMethods: boolean;
}

/** What a handler did, for the log and the answer. */
export type Outcome = 'handled' | 'ignored';

type EventHandler<E extends Stripe.Event> = (services: GatewayServices, options: WebhookOptions, event: E) => Promise<Outcome>;
type HandlerTable = { [T in Stripe.Event['type']]?: EventHandler<Extract<Stripe.Event, { type: T }>> };

/** One small function per event type the gateway acts on; every other type is acknowledged and ignored. */
const HANDLERS: HandlerTable = {
  /**
   * The mappings go, so the user's next call creates a customer without a failed round trip first;
   * but only once Stripe confirms the deletion: an event is no proof (a replayed or foreign one would
   * take a shopper's saved cards away).
   */
  'customer.deleted': async (services, _options, event) => {
    const customerId = event.data.object.id;
    if (!(await deletedInStripe(services, customerId))) {
      services.logger.info({ customerId, eventId: event.id }, 'ignored customer.deleted for a customer Stripe still has');
      return 'ignored';
    }
    const forgotten = await services.store.forgetCustomer(customerId, new Date());
    if (forgotten > 0) services.logger.info({ customerId, forgotten }, 'forgot a customer deleted in Stripe');
    return 'handled';
  },
  'setup_intent.succeeded': async (services, options, event) => {
    forgetListing(services, event.data.object.customer);
    if (!options.deduplicatePaymentMethods) return 'ignored';
    await deduplicateSavedCard(services, event.data.object);
    return 'handled';
  },
  /** A method attached or detached elsewhere (the Dashboard, a Customer Sheet): the listing is stale. */
  'payment_method.attached': async (services, _options, event) => {
    forgetListing(services, event.data.object.customer);
    return 'handled';
  },
  'payment_method.detached': async (services, _options, event) => {
    const previous = event.data.previous_attributes as { customer?: string | Stripe.Customer | null } | undefined;
    forgetListing(services, previous?.customer ?? event.data.object.customer);
    return 'handled';
  },
};

/** Stripe's own word: a deleted customer retrieves as `deleted: true`, one it never had as resource_missing. */
async function deletedInStripe(services: GatewayServices, customerId: string): Promise<boolean> {
  try {
    const customer = await services.stripe.customers.retrieve(customerId);
    return customer.deleted === true;
  } catch (error) {
    if (isResourceMissing(error)) return true;
    throw error;
  }
}

function forgetListing(services: GatewayServices, customer: string | { id: string } | null | undefined): void {
  if (customer) services.paymentMethodListings.forget(typeof customer === 'string' ? customer : customer.id);
}

export function handlerFor(event: Stripe.Event): ((services: GatewayServices, options: WebhookOptions) => Promise<Outcome>) | undefined {
  const handler = HANDLERS[event.type] as EventHandler<Stripe.Event> | undefined;
  return handler && ((services, options) => handler(services, options, event));
}
