import type { StripeRequestGate } from '../core/stripe-gate.js';
import { SEND_WITHIN_MS } from './stripe-window.js';

/**
 * The Stripe requests one call reserved: each attempt it sends takes one while they last and
 * while their start is recent enough (SEND_WITHIN_MS); any other (an SDK retry, a renewal, a
 * replaced customer, a request after a slow one) reserves one more for itself with `more`, which
 * may wait up to a second, or throws `RateLimitedError` (then nothing is sent). After a refusal,
 * the call's later attempts are refused at once without asking again.
 */
export class StripeReservation implements StripeRequestGate {
  private refusal: Error | undefined;

  constructor(
    private left: number,
    /** `performance.now()` past which the reserved requests may no longer be sent. */
    private sendBy: number,
    private readonly more: () => Promise<void>,
    private readonly sent: () => void,
  ) {}

  async beforeRequest(): Promise<void> {
    if (this.refusal) throw this.refusal;
    if (this.left > 0 && performance.now() <= this.sendBy) {
      this.left -= 1;
    } else {
      try {
        await this.more();
      } catch (error) {
        this.refusal = error as Error;
        throw error;
      }
    }
    this.sent();
  }
}

/** When a reservation made at `askedAt` that starts `startInMs` later must have sent its requests. */
export function sendDeadline(askedAt: number, startInMs: number): number {
  // From when it was asked, not answered: the place's start in Redis' time is no earlier.
  return askedAt + startInMs + SEND_WITHIN_MS;
}
