import type Stripe from 'stripe';

/** Stripe's own default: a signature older than this is refused, so a captured event cannot be replayed later. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * The event, when `signature` (the Stripe-Signature header) signs these exact bytes with one of
 * the secrets (several while an endpoint's secret is being rolled); undefined otherwise.
 * Verification is the SDK's own `constructEvent`.
 */
export function verifiedEvent(
  stripe: Stripe,
  rawBody: Buffer,
  signature: string | undefined,
  secrets: readonly string[],
): Stripe.Event | undefined {
  if (signature === undefined || signature === '') return undefined;
  for (const secret of secrets) {
    try {
      return stripe.webhooks.constructEvent(rawBody, signature, secret, SIGNATURE_TOLERANCE_SECONDS);
    } catch {
      // not this secret (or not a valid signature at all): try the next
    }
  }
  return undefined;
}
