import type { Logger } from 'pino';
import { CLIENT_IDEMPOTENCY_WINDOW_MS } from '../resolvers/idempotency.js';
import type { CustomerStore } from '../store/customer-store.js';

/** Stripe retries a delivery for up to three days; a redelivery after that cannot come. */
export const WEBHOOK_EVENT_RETENTION_MS = 3 * 24 * 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Event ids are kept through Stripe's retry window, forgotten customers through Stripe's
 * idempotency window (what they are kept for: see `customerFor`), then at most until the next
 * hourly sweep.
 */
export function sweepWebhookEvents(store: CustomerStore, logger: Logger): NodeJS.Timeout {
  return setInterval(() => {
    const now = Date.now();
    store
      .purgeWebhookEvents(new Date(now - WEBHOOK_EVENT_RETENTION_MS))
      .catch((error: unknown) => logger.warn({ err: error }, 'could not purge expired webhook event ids'));
    store
      .purgeForgottenCustomers(new Date(now - CLIENT_IDEMPOTENCY_WINDOW_MS))
      .catch((error: unknown) => logger.warn({ err: error }, 'could not purge forgotten customers'));
  }, SWEEP_INTERVAL_MS).unref();
}
