import { callDeadline, type CallDeadline } from './deadline.js';

/**
 * What every Stripe request (each attempt, the SDK's retries included) passes before it is
 * sent: the Stripe account's request budget. Throws `RateLimitedError` when the request cannot
 * be had in time; then nothing is sent.
 */
export interface StripeRequestGate {
  beforeRequest(): Promise<void>;
}

/** The gate of each call, beside its deadline (one async context for both). */
const gates = new WeakMap<CallDeadline, StripeRequestGate>();

/** The running call's requests pass `gate` from now on (its reservation). Outside a call: nothing. */
export function useStripeGate(gate: StripeRequestGate): void {
  const deadline = callDeadline();
  if (deadline !== undefined) gates.set(deadline, gate);
}

/** The running call's gate, if it reserved its requests. */
export function callStripeGate(): StripeRequestGate | undefined {
  const deadline = callDeadline();
  return deadline === undefined ? undefined : gates.get(deadline);
}
