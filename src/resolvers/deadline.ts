import { PaymentProviderError } from './errors.js';

/**
 * Bounds a whole call, Stripe retries included: past the deadline the caller gets a typed,
 * retryable error. Work still in flight finishes in the background under its idempotency keys,
 * so a retry by the client picks up what it created rather than doubling it.
 */
export async function withinDeadline<T>(work: Promise<T>, deadlineMs: number): Promise<T> {
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
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
