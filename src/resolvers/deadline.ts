import { AsyncLocalStorage } from 'node:async_hooks';
import { PaymentProviderError } from './errors.js';

/** The time one call has left; every dependency call it makes checks it. */
export interface CallDeadline {
  /** Aborted once the call is answered, on time or not: nothing of it may start from then on. */
  readonly signal: AbortSignal;
  remainingMs(): number;
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
  const endsAt = performance.now() + deadlineMs;
  const answered = new AbortController();
  const deadline: CallDeadline = {
    signal: answered.signal,
    remainingMs: () => Math.max(0, endsAt - performance.now()),
  };
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
    answered.abort();
  }
}
