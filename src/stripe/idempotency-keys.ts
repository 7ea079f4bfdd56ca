import { createHash } from 'node:crypto';

/**
 * A Stripe idempotency key derived from stable business inputs, so the same intent sent twice
 * (by two instances, two taps, or a client's retry) is one object in Stripe. Hashed: the inputs
 * (user ids, client keys) stay out of Stripe's request logs.
 */
export function derivedIdempotencyKey(purpose: string, ...inputs: string[]): string {
  const digest = createHash('sha256').update(inputs.join('\u0000')).digest('base64url');
  return `gateway:${purpose}:${digest}`;
}
