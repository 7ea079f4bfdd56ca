import type { Logger } from 'pino';
import { CLIENT_IDEMPOTENCY_WINDOW_MS } from '../core/idempotency-window.js';
import type { CustomerStore } from './customer-store.js';

/** Stripe retries a webhook delivery for up to three days; a redelivery after that cannot come. */
const WEBHOOK_EVENT_RETENTION_MS = 3 * 24 * 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

interface ExpiringRecords {
  name: string;
  keptMs: number;
  purge(store: CustomerStore, before: Date): Promise<number>;
}

/**
 * Records kept only for a window, each purged hourly once its window has passed: client
 * idempotency keys and forgotten customers (what they are kept for: see `customerFor`) through
 * Stripe's idempotency window, webhook event ids through Stripe's retry window.
 */
const EXPIRING_RECORDS: readonly ExpiringRecords[] = [
  { name: 'idempotency keys', keptMs: CLIENT_IDEMPOTENCY_WINDOW_MS, purge: (store, before) => store.purgeIdempotencyKeys(before) },
  { name: 'forgotten customers', keptMs: CLIENT_IDEMPOTENCY_WINDOW_MS, purge: (store, before) => store.purgeForgottenCustomers(before) },
  { name: 'webhook event ids', keptMs: WEBHOOK_EVENT_RETENTION_MS, purge: (store, before) => store.purgeWebhookEvents(before) },
];

export function sweepExpiredRecords(store: CustomerStore, logger: Logger): NodeJS.Timeout {
  return setInterval(() => {
    const now = Date.now();
    for (const { name, keptMs, purge } of EXPIRING_RECORDS) {
      purge(store, new Date(now - keptMs)).catch((error: unknown) => logger.warn({ err: error }, `could not purge expired ${name}`));
    }
  }, SWEEP_INTERVAL_MS).unref();
}
