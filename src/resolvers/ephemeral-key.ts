import Stripe from 'stripe';
import { INVALID_VERSION_MESSAGE } from '../stripe/stripe-versions.js';
import type { Companion } from './beside-setup-intent.js';
import type { CustomerCall } from './customer-call.js';
import { ValidationError } from '../core/errors.js';
import { STRIPE_VERSION_UNKNOWN } from './input.js';
import type { GatewayServices } from './services.js';

/**
 * The ephemeral key PaymentSheet opens the customer with, in the client's `Stripe-Version`.
 * A repeat under a client idempotency key replays the original key, which expires after about
 * an hour: one with less than a quarter of its life left is renewed. The renewal's Stripe key
 * names the original and the half-lifetime window it falls in, so racing repeats share one
 * renewal, and a renewal always has at least half a lifetime left when answered.
 */
export function ephemeralKey(services: GatewayServices): Companion<Stripe.EphemeralKey> {
  return {
    purpose: 'ephemeral-key',
    create: async (call) => {
      const original = await createKey(services, call, call.requestOptions('ephemeral-key'));
      const lifetime = original.expires - original.created;
      const now = Date.now() / 1000;
      if (original.expires - now >= lifetime / 4) return original;
      const window = String(Math.floor((now - original.created) / (lifetime / 2)));
      return createKey(services, call, call.requestOptions('ephemeral-key-renewal', original.id, window));
    },
    discard: async (key) => {
      await services.stripe.ephemeralKeys.del(key.id);
    },
  };
}

async function createKey(
  services: GatewayServices,
  call: CustomerCall,
  options: Stripe.RequestOptions,
): Promise<Stripe.EphemeralKey> {
  try {
    return await services.stripe.ephemeralKeys.create({ customer: call.customerId }, { ...options, apiVersion: call.stripeVersion });
  } catch (error) {
    // A version dated after the newest our SDK knows went to Stripe to decide: its refusal is
    // the same field error as ours.
    if (error instanceof Stripe.errors.StripeInvalidRequestError && INVALID_VERSION_MESSAGE.test(error.message)) {
      throw new ValidationError([{ field: 'stripeVersion', messages: [STRIPE_VERSION_UNKNOWN] }]);
    }
    throw error;
  }
}
