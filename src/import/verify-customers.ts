import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import { ImportError } from './import-error.js';

export interface VerifyOptions {
  /** Retrievals in flight at once. */
  concurrency: number;
  /** Called once per customer checked. */
  onChecked?: () => void;
}

/** Stripe's answer 429 (rate limited) is retried this often per customer before the import gives up. */
export const RATE_LIMIT_ATTEMPTS = 10;
/** The first wait after a 429; it doubles with every further 429 of that customer, up to the cap. */
const RATE_LIMIT_BASE_DELAY_MS = 250;
const RATE_LIMIT_MAX_DELAY_MS = 8_000;

/** What Stripe says of one customer: missing (never existed, deleted, or the other mode's), or whose it says it is. */
export type CustomerStanding = { exists: false } | { exists: true; metadataUserId: string | undefined };

/**
 * What Stripe says of each customer (CustomerStanding), keyed by customer id. Retrieves each with at most `concurrency` requests in flight. The SDK retries what it may
 * (connection failures, 5xx, 409; its maxNetworkRetries); a 429 pauses every worker, not only
 * the one that met it, for an exponentially growing, jittered wait, so the import backs off as a
 * whole. Any other failure is an ImportError: nothing is written when verification cannot finish.
 */
export async function retrieveCustomerStandings(
  stripe: Stripe,
  customerIds: readonly string[],
  { concurrency, onChecked }: VerifyOptions,
): Promise<Map<string, CustomerStanding>> {
  const standings = new Map<string, CustomerStanding>();
  let next = 0;
  let pausedUntil = 0;
  let failed = false;

  const standing = async (customerId: string): Promise<CustomerStanding> => {
    for (let attempt = 1; ; attempt++) {
      const wait = pausedUntil - Date.now();
      if (wait > 0) await sleep(wait);
      try {
        const customer = await stripe.customers.retrieve(customerId);
        if (customer.deleted === true) return { exists: false };
        // The gateway names its customers' users there (contract 6.1); Spree's own carry none.
        return { exists: true, metadataUserId: customer.metadata?.user_id };
      } catch (error) {
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404) return { exists: false };
        if (error instanceof Stripe.errors.StripeRateLimitError && attempt < RATE_LIMIT_ATTEMPTS) {
          const delay = Math.min(RATE_LIMIT_MAX_DELAY_MS, RATE_LIMIT_BASE_DELAY_MS * 2 ** (attempt - 1));
          pausedUntil = Math.max(pausedUntil, Date.now() + delay * (0.5 + Math.random() / 2));
          continue;
        }
        throw new ImportError(`Stripe could not say whether ${customerId} exists: ${describe(error)}`, { cause: error });
      }
    }
  };

  const worker = async () => {
    try {
      while (!failed && next < customerIds.length) {
        const customerId = customerIds[next++] as string;
        standings.set(customerId, await standing(customerId));
        onChecked?.();
      }
    } catch (error) {
      // The other workers start nothing new once one has failed.
      failed = true;
      throw error;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, customerIds.length) }, worker));
  return standings;
}

function describe(error: unknown): string {
  if (error instanceof Stripe.errors.StripeError) {
    return `${error.message}${error.requestId ? ` (request ${error.requestId})` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
