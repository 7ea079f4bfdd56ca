import { AsyncLocalStorage } from 'node:async_hooks';
import { PaymentProviderError } from './errors.js';

/** The time one call has left; every dependency call it makes checks it. */
export interface CallDeadline {
  /** True once the call is answered, on time or not: nothing of it may start from then on. */
  readonly answered: boolean;
  /** Runs `callback` once the call is answered (at once if it was). */
  onAnswered(callback: () => void): void;
  /** Forgets a callback that no longer needs to run (its request finished first). */
  offAnswered(callback: () => void): void;
  remainingMs(): number;
}

/**
 * A plain flag and a short list rather than an AbortController: one per call, with a listener
 * added and removed per Stripe request, an AbortSignal (an EventTarget) cost some 8 µs of CPU
 * per call, against well under one for this.
 */
class Deadline implements CallDeadline {
  answered = false;
  private callbacks: Array<() => void> | undefined;

  constructor(private readonly endsAt: number) {}

  remainingMs(): number {
    return Math.max(0, this.endsAt - performance.now());
  }

  onAnswered(callback: () => void): void {
    if (this.answered) callback();
    else (this.callbacks ??= []).push(callback);
  }

  offAnswered(callback: () => void): void {
    const at = this.callbacks?.indexOf(callback) ?? -1;
    if (at !== -1) this.callbacks!.splice(at, 1);
  }

  answer(): void {
    this.answered = true;
    const callbacks = this.callbacks;
    this.callbacks = undefined;
    callbacks?.forEach((callback) => callback());
  }
}

const current = new AsyncLocalStorage<CallDeadline>();

/** The deadline of the call whose work is running, if any. */
export function callDeadline(): CallDeadline | undefined {
  return current.getStore();
}

/**
 * Bounds a whole call, Stripe retries included: past the deadline the caller gets a typed,
 * retryable error, and the call's work stops there. Its deadline travels with the work (async
 * context), so the Stripe client refuses to start a request, a retry included, once the call
 * was answered, and cuts a request in flight at the deadline (see stripe/deadline-http-client.ts).
 * What Stripe already began stays under its idempotency keys, for a repeat to pick up.
 */
export async function withinDeadline<T>(work: () => Promise<T>, deadlineMs: number): Promise<T> {
  const deadline = new Deadline(performance.now() + deadlineMs);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new PaymentProviderError('Stripe did not answer in time; try again.', {
            code: null,
            declineCode: null,
            requestId: null,
            retryable: true,
          }),
        ),
      deadlineMs,
    );
  });
  try {
    return await Promise.race([current.run(deadline, work), expired]);
  } finally {
    clearTimeout(timer);
    deadline.answer();
  }
}
