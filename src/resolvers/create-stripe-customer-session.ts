import type Stripe from 'stripe';
import type { Caller } from './caller.js';
import { createBesideSetupIntent } from './beside-setup-intent.js';
import { runCustomerCall, type CustomerCall } from './customer-call.js';
import type { CustomerSessionComponent } from './customer-session-components.js';
import { customerSession } from './customer-session.js';
import { outcomeOf } from '../core/errors.js';
import type { GatewayServices } from './services.js';

export interface CreateStripeCustomerSessionInput {
  component: CustomerSessionComponent;
  /** Default true: also a SetupIntent for saving a new payment method. */
  withSetupIntent?: boolean | null | undefined;
  usage?: string | null | undefined;
  idempotencyKey?: string | null | undefined;
}

/** What a Payment Element, PaymentSheet or Customer Sheet opens the customer with. */
export interface StripeCustomerSessionResult {
  customerId: string;
  customerSessionClientSecret: string;
  expiresAt: Date;
  setupIntentClientSecret: string | null;
  publishableKey: string | null;
  /** The store's connected account (Stripe Connect), else null. */
  stripeAccount: string | null;
}

/**
 * The caller's customer and a CustomerSession for the component, beside a new SetupIntent unless
 * `withSetupIntent` is false: the same steps as createStripeSetupIntent (customer, idempotency,
 * budgets, deadline, errors, the no-leftover rule); only what is created beside the SetupIntent
 * differs.
 */
export async function createStripeCustomerSession(
  services: GatewayServices,
  caller: Caller,
  { component, withSetupIntent, usage, idempotencyKey }: CreateStripeCustomerSessionInput,
): Promise<StripeCustomerSessionResult> {
  const started = process.hrtime.bigint();
  const withIntent = withSetupIntent ?? true;
  // The session, and the SetupIntent beside it unless left out.
  const kind = { mutation: 'createStripeCustomerSession', details: { component, withSetupIntent: withIntent }, stripeRequests: withIntent ? 2 : 1 };
  try {
    const result = await runCustomerCall(services, caller, kind, { usage, idempotencyKey }, async (call) => {
      const companion = customerSession(services, component);
      if (!withIntent) return answer(services, call, await companion.create(call), null);
      const { companion: session, setupIntent } = await createBesideSetupIntent(services, call, companion);
      if (!setupIntent.client_secret) throw new Error('Stripe answered without a SetupIntent client secret');
      return answer(services, call, session, setupIntent.client_secret);
    });
    services.metrics.observeCustomerSession(services.storeId, component, 'success', started);
    return result;
  } catch (error) {
    services.metrics.observeCustomerSession(services.storeId, component, outcomeOf(error), started);
    throw error;
  }
}

function answer(
  services: GatewayServices,
  call: CustomerCall,
  session: Stripe.CustomerSession,
  setupIntentClientSecret: string | null,
): StripeCustomerSessionResult {
  if (!session.client_secret) throw new Error('Stripe answered without a customer session client secret');
  return {
    customerId: call.customerId,
    customerSessionClientSecret: session.client_secret,
    expiresAt: new Date(session.expires_at * 1000),
    setupIntentClientSecret,
    publishableKey: services.publishableKey ?? null,
    stripeAccount: services.stripeAccount ?? null,
  };
}
