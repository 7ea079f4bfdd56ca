import type { Caller } from './caller.js';
import { createBesideSetupIntent } from './beside-setup-intent.js';
import { runCustomerCall, type CallKind } from './customer-call.js';
import { ephemeralKey } from './ephemeral-key.js';
import { outcomeOf } from '../core/errors.js';
import type { CreateStripeSetupIntentInput } from './input.js';
import type { GatewayServices } from './services.js';

/** What PaymentSheet / Payment Element need to save a card. */
export interface StripeSetupIntentResult {
  customerId: string;
  ephemeralKeySecret: string;
  setupIntentClientSecret: string;
  /** When the ephemeral key stops working. */
  ephemeralKeyExpiresAt: Date;
  /** STRIPE_PUBLISHABLE_KEY, when set. */
  publishableKey: string | null;
  /** The store's connected account (Stripe Connect), else null. */
  stripeAccount: string | null;
}

/** An ephemeral key and a SetupIntent. */
const SETUP_INTENT_CALL: CallKind = { mutation: 'createStripeSetupIntent', stripeRequests: 2 };

/**
 * The one resolver behind both the GraphQL mutation and the REST path. Throws the typed
 * errors of `./errors.ts`; anything else is unexpected.
 */
export async function createStripeSetupIntent(
  services: GatewayServices,
  caller: Caller,
  input: CreateStripeSetupIntentInput,
): Promise<StripeSetupIntentResult> {
  const started = process.hrtime.bigint();
  try {
    const result = await runCustomerCall(services, caller, SETUP_INTENT_CALL, input, async (call) => {
      const { companion: key, setupIntent } = await createBesideSetupIntent(services, call, ephemeralKey(services));
      if (!key.secret || !setupIntent.client_secret) {
        throw new Error('Stripe answered without an ephemeral key secret or a client secret');
      }
      return {
        customerId: call.customerId,
        ephemeralKeySecret: key.secret,
        setupIntentClientSecret: setupIntent.client_secret,
        ephemeralKeyExpiresAt: new Date(key.expires * 1000),
        publishableKey: services.publishableKey ?? null,
        stripeAccount: services.stripeAccount ?? null,
      };
    });
    services.metrics.observeSetupIntent(services.storeId, caller.surface, 'success', started);
    return result;
  } catch (error) {
    services.metrics.observeSetupIntent(services.storeId, caller.surface, outcomeOf(error), started);
    throw error;
  }
}
