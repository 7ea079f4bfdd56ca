import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { withinDeadline } from '../core/deadline.js';
import type { GatewayServices } from '../resolvers/services.js';
import { foreignOrigin, type EventOrigin } from './event-origin.js';
import { handlerFor, type WebhookOptions } from './handlers.js';
import { verifiedEvent } from './verify.js';

export const STRIPE_WEBHOOK_PATH = '/webhooks/stripe';
/** Stripe's events are a few KiB; anything near this is not from Stripe. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

export interface WebhookConfig extends WebhookOptions {
  /** Signing secrets accepted (several while the endpoint's secret is rolled). */
  secrets: readonly string[];
  /** Events of another mode or account are acknowledged and ignored. */
  origin: EventOrigin;
}

/** One store's endpoint: its services (its Stripe client and account) and its secrets. */
export interface StoreWebhooks {
  services: GatewayServices;
  config: WebhookConfig;
}

export interface StoreWebhookEndpoints {
  /** `POST /webhooks/stripe/{storeId}`: every store with a signing secret. */
  byStore: ReadonlyMap<string, StoreWebhooks>;
  /** `POST /webhooks/stripe`: the store `default`, else the only store; undefined: 404. */
  unnamed: StoreWebhooks | undefined;
}

declare global {
  namespace Express {
    interface Locals {
      webhooks?: StoreWebhooks;
    }
  }
}

function send(res: Response, status: number, body: object): void {
  res.status(status).json(body);
}

/**
 * Stripe's signed events, beside the API: the raw body (verification needs the exact bytes) is
 * read by this route's own parser. Each event id is acted on once: claimed in the store before
 * its handler runs, released again if the handler fails, so that Stripe's retry acts on it.
 */
export function webhooksRouter(stores: StoreWebhookEndpoints): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: MAX_WEBHOOK_BODY_BYTES });
  // The store first: its secrets verify the event; a path naming no store is 404 before the body is read.
  const endpointOf = (storeId: string | undefined): StoreWebhooks | undefined =>
    storeId === undefined ? stores.unnamed : stores.byStore.get(storeId);
  const selectStore = (storeId: (req: Request) => string | undefined): RequestHandler => (req, res, next) => {
    const endpoint = endpointOf(storeId(req));
    if (endpoint === undefined) {
      const named = storeId(req);
      send(res, 404, {
        error:
          named === undefined
            ? `Several stores: each store's events go to ${STRIPE_WEBHOOK_PATH}/{storeId}.`
            : `No store ${JSON.stringify(named)} with a webhook signing secret.`,
      });
      return;
    }
    res.locals.storeId = endpoint.services.storeId;
    res.locals.webhooks = endpoint;
    next();
  };
  const receive: RequestHandler = async (req, res) => {
    const { services, config } = res.locals.webhooks!;
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const event = verifiedEvent(services.stripe, rawBody, req.get('stripe-signature'), config.secrets);
    const logger = res.locals.logger;
    if (event === undefined) {
      logger.warn('refused a webhook without a valid Stripe-Signature');
      send(res, 400, { error: 'No valid Stripe-Signature for this body: unsigned, signed with another secret, or older than 300 seconds.' });
      return;
    }
    const foreign = foreignOrigin(event, config.origin);
    if (foreign !== undefined) {
      // Signed with this endpoint's secret yet not the store's: a secret shared across modes or accounts.
      logger.warn({ eventId: event.id, type: event.type, reason: foreign }, 'ignored a webhook event from another mode or account');
      services.metrics.countWebhookEvent(services.storeId, event.type, 'ignored');
      send(res, 200, { received: true });
      return;
    }
    const handle = handlerFor(event);
    if (handle === undefined) {
      logger.debug({ eventId: event.id, type: event.type }, 'ignored a webhook event of a type the gateway does not act on');
      services.metrics.countWebhookEvent(services.storeId, event.type, 'ignored');
      send(res, 200, { received: true });
      return;
    }
    let first: boolean;
    try {
      first = await services.store.claimWebhookEvent(event.id, new Date());
    } catch (error) {
      logger.error({ err: error, eventId: event.id }, 'could not record a webhook event; Stripe will deliver it again');
      send(res, 503, { error: 'The event cannot be handled now; deliver it again later.' });
      return;
    }
    if (!first) {
      logger.info({ eventId: event.id, type: event.type }, 'acknowledged a webhook event already acted on');
      services.metrics.countWebhookEvent(services.storeId, event.type, 'duplicate');
      send(res, 200, { received: true });
      return;
    }
    try {
      const outcome = await withinDeadline(() => handle(services, config), services.requestDeadlineMs);
      logger.info({ eventId: event.id, type: event.type, outcome }, 'webhook event handled');
      services.metrics.countWebhookEvent(services.storeId, event.type, outcome);
      send(res, 200, { received: true });
    } catch (error) {
      await services.store
        .releaseWebhookEvent(event.id)
        .catch((releaseError: unknown) => logger.error({ err: releaseError, eventId: event.id }, 'could not release a failed webhook event'));
      logger.error({ err: error, eventId: event.id, type: event.type }, 'a webhook event failed; Stripe will deliver it again');
      services.metrics.countWebhookEvent(services.storeId, event.type, 'failed');
      send(res, 503, { error: 'The event cannot be handled now; deliver it again later.' });
    }
  };
  router.post(STRIPE_WEBHOOK_PATH, selectStore(() => undefined), raw, receive);
  router.post(`${STRIPE_WEBHOOK_PATH}/:storeId`, selectStore((req) => req.params.storeId as string), raw, receive);
  router.all([STRIPE_WEBHOOK_PATH, `${STRIPE_WEBHOOK_PATH}/:storeId`], (req, res) => {
    res.setHeader('Allow', 'POST');
    send(res, 405, { error: `${req.method} is not allowed here; Stripe POSTs events.` });
  });
  router.use(bodyErrors);
  return router;
}

/** The raw-body parser's refusals (413 too large, 400 aborted or badly encoded), as JSON. */
const bodyErrors: ErrorRequestHandler = (error: { status?: number; type?: string }, _req, res, next) => {
  if (typeof error?.status !== 'number' || typeof error.type !== 'string') {
    next(error);
    return;
  }
  send(res, error.status, { error: error.type === 'entity.too.large' ? 'The request body is too large.' : 'The request body could not be read.' });
};
