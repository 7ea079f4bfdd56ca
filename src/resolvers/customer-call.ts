import Stripe from 'stripe';
import type { Viewer } from '../auth/viewer.js';
import { derivedIdempotencyKey } from '../stripe/idempotency-keys.js';
import { translateStripeError } from '../stripe/translate-error.js';
import type { Caller } from './caller.js';
import { customerFor, replaceStaleCustomer, storedCustomerFor } from './customers.js';
import { callDeadline, withinDeadline } from '../core/deadline.js';
import { AuthenticationRequiredError } from '../core/errors.js';
import { claimClientIdempotencyKey, requestFingerprint } from './idempotency.js';
import { validateInput, type CreateStripeSetupIntentInput, type SetupIntentUsage } from './input.js';
import type { GatewayServices } from './services.js';
import { SetupIntentUsedError } from './used-setup-intent.js';

/** Fresh SetupIntents one call may move on to when each it is given was used meanwhile. */
const MAX_FRESH_SETUP_INTENTS = 3;

/** One call's customer and what its Stripe creates are keyed on. */
export interface CustomerCall {
  viewer: Viewer;
  customerId: string;
  /** The client's `stripeVersion`, else `STRIPE_EPHEMERAL_KEY_VERSION`. */
  stripeVersion: string;
  /** The SetupIntent's `usage`. */
  usage: SetupIntentUsage;
  /**
   * Request options for the Stripe create named `purpose`: with a client idempotency key, an
   * idempotency key derived from it (and the customer), so a repeat is answered by Stripe's replay.
   */
  requestOptions(purpose: string, ...inputs: string[]): Stripe.RequestOptions;
  /**
   * This call's Stripe keys can no longer give a success: a repeat with the client's key starts
   * a new attempt. Once per call; nothing without a client key.
   */
  abandonAttempt(): Promise<void>;
}

/** Which mutation runs (one idempotency key space for all), and what sets its requests apart. */
export interface CallKind {
  mutation: string;
  details?: Record<string, string | boolean>;
  /**
   * The Stripe requests `work` makes for a customer that exists (an ephemeral key and a
   * SetupIntent: 2); creating the customer is one more. Reserved before the first is sent.
   */
  stripeRequests: number;
}

/**
 * The steps every customer-scoped mutation shares, in order: input validation, the guest gate,
 * then under the request deadline: the caller's rate budget, the client idempotency claim, the
 * customer (a stored one deleted in Stripe is replaced once), `work`, and Stripe's errors translated.
 */
export async function runCustomerCall<T>(
  services: GatewayServices,
  { viewer, clientAddress, receivedAt = performance.now() }: Caller,
  kind: CallKind,
  input: CreateStripeSetupIntentInput,
  work: (call: CustomerCall) => Promise<T>,
): Promise<T> {
  const { stripeVersion = services.ephemeralKeyVersion, idempotencyKey, usage } = validateInput(input);
  const fingerprint = requestFingerprint({ mutation: kind.mutation, details: kind.details, stripeVersion, usage });
  if (viewer.kind === 'guest' && !services.allowGuests) throw new AuthenticationRequiredError();
  const run = async () => {
    // Whether the customer must be created decides how many Stripe requests to reserve.
    const known = viewer.kind === 'user' ? { stored: await storedCustomerFor(services, viewer) } : undefined;
    // Before the idempotency key is claimed: a refused call leaves no record behind.
    await services.callBudgets.spend(viewer, clientAddress, kind.stripeRequests + (known?.stored === undefined ? 1 : 0));
    // Guests' keys are ignored: a guest cannot be told apart from another guest.
    const claim = async () =>
      viewer.kind === 'user' && idempotencyKey !== undefined
        ? claimClientIdempotencyKey(services, viewer, idempotencyKey, fingerprint)
        : undefined;
    let clientKey = await claim();
    let abandoned: Promise<void> | undefined;
    const abandonAttempt = () =>
      (abandoned ??= (clientKey?.abandon() ?? Promise.resolve()).catch((error: unknown) => {
        services.logger.warn({ err: error }, 'could not record a failed attempt of a client idempotency key');
      }));
    const callFor = (customerId: string): CustomerCall => ({
      viewer,
      customerId,
      stripeVersion,
      usage,
      requestOptions: (purpose, ...inputs) =>
        clientKey === undefined
          ? {}
          : { idempotencyKey: derivedIdempotencyKey(purpose, clientKey.derivedFrom, customerId, ...inputs) },
      abandonAttempt,
    });
    const attempt = async (customerId: string): Promise<T> => {
      for (let fresh = 0; ; fresh += 1) {
        try {
          return await work(callFor(customerId));
        } catch (error) {
          // A repeat whose SetupIntent was used (6.18): the key's next attempt, shared by every
          // repeat (the move is compare-and-set), creates one fresh SetupIntent.
          const mayMoveOn = fresh < MAX_FRESH_SETUP_INTENTS && !callDeadline()?.answered;
          if (error instanceof SetupIntentUsedError && clientKey && mayMoveOn) {
            const { setupIntentId } = error;
            services.logger.info({ setupIntentId }, 'the SetupIntent of a repeated call was used since; making a fresh one');
            await clientKey.abandon();
            clientKey = await claim();
            continue;
          }
          // A missing customer is retried below with another; once the call was answered its
          // attempt stands: a repeat picks up what Stripe finished.
          if (isSavedUnderKey(error) && !isMissingCustomer(error) && !callDeadline()?.answered) {
            await abandonAttempt();
          }
          throw error;
        }
      }
    };
    const customerId = await customerFor(services, viewer, known);
    try {
      return await attempt(customerId);
    } catch (error) {
      if (viewer.kind === 'guest' || !isMissingCustomer(error)) throw error;
      const replacement = await replaceStaleCustomer(services, viewer, customerId);
      if (abandoned) {
        // The first try took back what it created: the retry and any repeat use the next attempt.
        await abandoned;
        abandoned = undefined;
        clientKey = await claim();
      }
      return await attempt(replacement);
    }
  };
  try {
    return await withinDeadline(run, Math.max(0, services.requestDeadlineMs - (performance.now() - receivedAt)));
  } catch (error) {
    throw translateStripeError(error);
  }
}

/**
 * Stripe answered, and may have kept that answer under the request's key (it keeps whatever a
 * request that began executing returned, a 500 included). Only an answer that proves nothing
 * began (409: the key is in use by another request) or no answer at all (a timeout, a reset:
 * Stripe may still finish the work, and a repeat must find it) leave the attempt usable.
 */
function isSavedUnderKey(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeError && error.statusCode !== undefined && error.statusCode !== 409;
}

function isMissingCustomer(error: unknown): boolean {
  return (
    error instanceof Stripe.errors.StripeInvalidRequestError &&
    error.code === 'resource_missing' &&
    error.param === 'customer'
  );
}
