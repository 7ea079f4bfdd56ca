import Stripe from 'stripe';
import type { Viewer } from '../auth/viewer.js';
import type { Caller } from './caller.js';
import { derivedIdempotencyKey } from '../stripe/idempotency-keys.js';
import { translateStripeError } from '../stripe/translate-error.js';
import { customerFor, replaceStaleCustomer } from './customers.js';
import { withinDeadline } from './deadline.js';
import { AuthenticationRequiredError, PaymentProviderError, RateLimitedError, ValidationError } from './errors.js';
import { claimClientIdempotencyKey } from './idempotency.js';
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
  caller: Caller,
  input: CreateStripeSetupIntentInput,
): Promise<StripeSetupIntentResult> {
  const started = process.hrtime.bigint();
  try {
    const result = await resolve(services, caller, input);
    services.metrics.observeSetupIntent(caller.surface, 'success', started);
    return result;
  } catch (error) {
    services.metrics.observeSetupIntent(caller.surface, outcomeOf(error), started);
    throw error;
  }
}

async function resolve(
  services: GatewayServices,
  { viewer, clientAddress }: Caller,
  input: CreateStripeSetupIntentInput,
): Promise<StripeSetupIntentResult> {
  const { stripeVersion = services.ephemeralKeyVersion, idempotencyKey } = validateInput(input);
  if (viewer.kind === 'guest' && !services.allowGuests) throw new AuthenticationRequiredError();
  const work = async () => {
    // Before the idempotency key is claimed: a refused call leaves no record behind.
    await services.callBudgets.spend(viewer, clientAddress);
    // Guests' keys are ignored: a guest cannot be told apart from another guest.
    const clientKey =
      viewer.kind === 'user' && idempotencyKey !== undefined
        ? await claimClientIdempotencyKey(services, viewer, idempotencyKey, stripeVersion)
        : undefined;
    const create = (customerId: string) => createKeyAndIntent(services, viewer, customerId, stripeVersion, clientKey);
    const customerId = await customerFor(services, viewer);
    try {
      return await create(customerId);
    } catch (error) {
      if (viewer.kind === 'guest' || !isMissingCustomer(error)) throw error;
      return await create(await replaceStaleCustomer(services, viewer, customerId));
    }
  };
  try {
    return await withinDeadline(work(), services.requestDeadlineMs);
  } catch (error) {
    throw translateStripeError(error);
  }
}

/**
 * The key and the intent do not depend on each other: one round trip, not two. With a client
 * idempotency key their Stripe keys derive from it, so a retry is answered by Stripe's replay.
 */
async function createKeyAndIntent(
  services: GatewayServices,
  viewer: Viewer,
  customerId: string,
  stripeVersion: string,
  clientKey: string | undefined,
): Promise<StripeSetupIntentResult> {
  const keyFor = (purpose: string) =>
    clientKey === undefined ? {} : { idempotencyKey: derivedIdempotencyKey(purpose, clientKey, customerId) };
  const [ephemeralKey, setupIntent] = await Promise.all([
    services.stripe.ephemeralKeys.create(
      { customer: customerId },
      { apiVersion: stripeVersion, ...keyFor('ephemeral-key') },
    ),
    services.stripe.setupIntents.create(
      {
        customer: customerId,
        automatic_payment_methods: { enabled: true },
        ...(viewer.kind === 'user' && { metadata: { user_id: viewer.userId } }),
      },
      keyFor('setup-intent'),
    ),
  ]);
  if (!ephemeralKey.secret || !setupIntent.client_secret) {
    throw new Error('Stripe answered without an ephemeral key secret or a client secret');
  }
  return { customerId, ephemeralKeySecret: ephemeralKey.secret, setupIntentClientSecret: setupIntent.client_secret };
}

function isMissingCustomer(error: unknown): boolean {
  return (
    error instanceof Stripe.errors.StripeInvalidRequestError &&
    error.code === 'resource_missing' &&
    error.param === 'customer'
  );
}

const TYPED_ERRORS = [ValidationError, PaymentProviderError, AuthenticationRequiredError, RateLimitedError];

function outcomeOf(error: unknown): string {
  return TYPED_ERRORS.find((type) => error instanceof type)?.name ?? 'unexpected';
}
