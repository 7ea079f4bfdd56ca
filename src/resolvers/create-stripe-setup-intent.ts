import type { Viewer } from '../auth/viewer.js';
import { translateStripeError } from '../stripe/translate-error.js';
import { customerFor } from './customers.js';
import { AuthenticationRequiredError } from './errors.js';
import { validateInput, type CreateStripeSetupIntentInput } from './input.js';
import type { GatewayServices } from './services.js';

/** What PaymentSheet / Payment Element need to save a card. */
export interface StripeSetupIntentResult {
  customerId: string;
  ephemeralKeySecret: string;
  setupIntentClientSecret: string;
}

/**
 * The one resolver behind both the GraphQL mutation and the REST path. Throws the typed
 * errors of `./errors.ts`; anything else is unexpected.
 */
export async function createStripeSetupIntent(
  services: GatewayServices,
  viewer: Viewer,
  input: CreateStripeSetupIntentInput,
): Promise<StripeSetupIntentResult> {
  const { stripeVersion } = validateInput(input);
  if (viewer.kind === 'guest' && !services.allowGuests) throw new AuthenticationRequiredError();
  try {
    const customerId = await customerFor(services, viewer);
    // The key and the intent do not depend on each other: one round trip, not two.
    const [ephemeralKey, setupIntent] = await Promise.all([
      services.stripe.ephemeralKeys.create(
        { customer: customerId },
        { apiVersion: stripeVersion ?? services.ephemeralKeyVersion },
      ),
      services.stripe.setupIntents.create({
        customer: customerId,
        automatic_payment_methods: { enabled: true },
        ...(viewer.kind === 'user' && { metadata: { user_id: viewer.userId } }),
      }),
    ]);
    if (!ephemeralKey.secret || !setupIntent.client_secret) {
      throw new Error('Stripe answered without an ephemeral key secret or a client secret');
    }
    return {
      customerId,
      ephemeralKeySecret: ephemeralKey.secret,
      setupIntentClientSecret: setupIntent.client_secret,
    };
  } catch (error) {
    throw translateStripeError(error);
  }
}
