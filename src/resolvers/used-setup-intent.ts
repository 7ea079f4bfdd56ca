import type Stripe from 'stripe';
import type { GatewayServices } from './services.js';

/**
 * The SetupIntent a repeat's create replayed has left `requires_payment_method`: it succeeded, was
 * canceled or is processing, and Stripe.js refuses its client secret. The call moves its client
 * key to the next attempt, whose keys create a fresh SetupIntent once for every repeat.
 */
export class SetupIntentUsedError extends Error {
  override readonly name = 'SetupIntentUsedError';

  constructor(readonly setupIntentId: string) {
    super(`the SetupIntent ${setupIntentId} replayed for a repeat was already used`);
  }
}

/**
 * Stripe replays a create as it first answered it (`requires_payment_method`) whatever happened to
 * the SetupIntent since, so a replayed one is looked up; a first call asks nothing more.
 */
export async function assertUnused(services: GatewayServices, intent: Stripe.Response<Stripe.SetupIntent>): Promise<void> {
  if (intent.lastResponse?.headers?.['idempotent-replayed'] !== 'true') return;
  const current = await services.stripe.setupIntents.retrieve(intent.id);
  if (current.status !== 'requires_payment_method') throw new SetupIntentUsedError(intent.id);
}
