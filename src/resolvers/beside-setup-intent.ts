import type Stripe from 'stripe';
import type { CustomerCall } from './customer-call.js';
import { callDeadline } from '../core/deadline.js';
import type { GatewayServices } from './services.js';
import { assertUnused } from './used-setup-intent.js';

/** What a mutation creates beside the SetupIntent: an ephemeral key, a customer session. */
export interface Companion<C> {
  /** Names the object in logs and in its derived idempotency key. */
  purpose: string;
  create(call: CustomerCall): Promise<C>;
  /** Takes back a companion whose SetupIntent failed, so no live object is left; none: nothing to take back. */
  discard?(companion: C): Promise<void>;
}

/**
 * Creates the companion and the SetupIntent concurrently (one round trip, not two). When either
 * fails, the other is taken back before the failure is answered: the SetupIntent canceled, the
 * companion discarded; a failure to take back is logged, and the original failure answered.
 * A replayed SetupIntent that was used since fails with SetupIntentUsedError, taking nothing back:
 * what was replayed is what the client was first given.
 */
export async function createBesideSetupIntent<C>(
  services: GatewayServices,
  call: CustomerCall,
  companion: Companion<C>,
): Promise<{ companion: C; setupIntent: Stripe.SetupIntent }> {
  const [made, intent] = await Promise.allSettled([companion.create(call), createSetupIntent(services, call)]);
  if (made.status === 'fulfilled' && intent.status === 'fulfilled') {
    await assertUnused(services, intent.value);
    return { companion: made.value, setupIntent: intent.value };
  }
  const failure = made.status === 'rejected' ? made.reason : (intent as PromiseRejectedResult).reason;
  // Answered at the deadline already: what Stripe began stays under this attempt's keys, for the
  // client's repeat to pick up; nothing more is done for this call.
  if (callDeadline()?.answered) throw failure;
  const takeBack: Promise<void>[] = [];
  if (intent.status === 'fulfilled') {
    takeBack.push(cancelSetupIntent(services, call, intent.value));
  }
  if (made.status === 'fulfilled' && companion.discard) {
    takeBack.push(
      companion.discard(made.value).catch((error: unknown) => {
        services.logger.warn({ err: error }, `could not take back the ${companion.purpose} of a failed call`);
      }),
    );
  }
  await Promise.all(takeBack);
  // What this attempt's keys would replay was taken back: a repeat must create afresh.
  if (takeBack.length > 0) await call.abandonAttempt();
  throw failure;
}

export function createSetupIntent(services: GatewayServices, call: CustomerCall): Promise<Stripe.Response<Stripe.SetupIntent>> {
  // A card may be saved to the customer next: a listing from before would not show it.
  services.paymentMethodListings.forget(call.customerId);
  return services.stripe.setupIntents.create(
    {
      customer: call.customerId,
      automatic_payment_methods: { enabled: true },
      usage: call.usage,
      ...(call.viewer.kind === 'user' && { metadata: { user_id: call.viewer.userId } }),
    },
    call.requestOptions('setup-intent'),
  );
}

async function cancelSetupIntent(services: GatewayServices, call: CustomerCall, intent: Stripe.SetupIntent): Promise<void> {
  try {
    await services.stripe.setupIntents.cancel(intent.id, {}, call.requestOptions('setup-intent-cancel', intent.id));
  } catch (error) {
    services.logger.warn({ err: error, setupIntentId: intent.id }, 'could not cancel the SetupIntent of a failed call');
  }
}
