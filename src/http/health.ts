import { Router } from 'express';
import type { CustomerStore } from '../store/customer-store.js';

/** `/health`: the process runs. `/ready`: it can serve, which needs the store. */
export function healthRouter(store: CustomerStore): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ready' });
    } catch (error) {
      res.locals.logger.warn({ err: error }, 'store unreachable');
      res.status(503).json({ status: 'unavailable', error: 'The store is unreachable.' });
    }
  });
  return router;
}
