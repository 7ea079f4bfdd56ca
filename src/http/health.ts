import { Router } from 'express';
import type { CustomerStore } from '../store/customer-store.js';

export interface Readiness {
  /** Stripe refuses the gateway's key (every store's, with several): no call that needs Stripe can succeed. */
  stripeKeyRefused(): boolean;
  /** How the 503 names it: `STRIPE_SECRET_KEY`, or every store's key. */
  refusedKeyName?: string;
}

/** `/health`: the process runs. `/ready`: it can serve, which needs the store and a key Stripe accepts. */
export function healthRouter(store: CustomerStore, readiness: Readiness): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    try {
      await store.ping();
    } catch (error) {
      res.locals.logger.warn({ err: error }, 'store unreachable');
      res.status(503).json({ status: 'unavailable', error: 'The store is unreachable.' });
      return;
    }
    // Logged once when it began (src/stripe/key-check.ts), not on every probe.
    if (readiness.stripeKeyRefused()) {
      res.status(503).json({ status: 'unavailable', error: `Stripe refuses ${readiness.refusedKeyName ?? 'STRIPE_SECRET_KEY'}.` });
      return;
    }
    res.json({ status: 'ready' });
  });
  return router;
}
