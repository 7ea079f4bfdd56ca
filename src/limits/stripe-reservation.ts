import type { StripeRequestGate } from '../core/stripe-gate.js';
import { SEND_WITHIN_MS } from './stripe-window.js';

/**
 * The Stripe requests one call reserved: each attempt it sends takes one while they last and
 * while their start is recent enough (SEND_WITHIN_MS); any other (an SDK retry, a renewed
 * ephemeral key, a replaced customer, taking back what a failed call created, a request after a
 * slow one) reserves one more for itself with `more`, which waits for a place as long as the
 * call's deadline allows, or throws `RateLimitedError`: then that request is not sent.
 */
export class StripeReservation implements StripeRequestGate {
  constructor(
    private left: number,
    /** `performance.now()` past which the reserved requests may no longer be sent. */
    private readonly sendBy: number,
    private readonly more: () => Promise<void>,
    private readonly sent: () => void,
  ) {}

  async beforeRequest(): Promise<void> {
    if (this.left > 0 && performance.now() <= this.sendBy) this.left -= 1;
    else await this.more();
    this.sent();
  }
}

/** When a reservation asked for at `askedAt`, starting `startInMs` after, must have sent its requests. */
export function sendDeadline(askedAt: number, startInMs: number): number {
  // From when it was asked, not answered: its start in Redis' time is no earlier.
  return askedAt + startInMs + SEND_WITHIN_MS;
}
