import express, { Router, type Request, type RequestHandler } from 'express';
import type { Authenticate } from '../auth/authenticator.js';
import { clientAddressOf } from '../http/client-address.js';
import { createStripeSetupIntent } from '../resolvers/create-stripe-setup-intent.js';
import type { CreateStripeSetupIntentInput } from '../resolvers/input.js';
import { servicesForRequest, type ServedStores } from '../resolvers/served-store.js';
import { RestRequestError, restErrorHandler } from './errors.js';
import { JSON_API, sendJsonApi } from './json-api.js';

export const SETUP_INTENTS_PATH = '/api/v2/storefront/stripe/setup_intents';
const BODY_TYPES = ['application/json', JSON_API];
export const MAX_BODY_BYTES = 16 * 1024;

/** Spree's Storefront API path, translated onto the one resolver of the request's store; no business logic here. */
export function setupIntentsRouter(stores: ServedStores, authenticate: Authenticate): Router {
  const router = Router();
  // The store first: a request for no store is 404 before its body is read or its token checked.
  const selectStore: RequestHandler = (req, res, next) => {
    if (servicesForRequest(stores, req, res) === undefined) throw new RestRequestError(404, stores.refusal(req));
    next();
  };
  router.post(SETUP_INTENTS_PATH, selectStore, express.json({ type: BODY_TYPES, limit: MAX_BODY_BYTES }), async (req, res) => {
    const receivedAt = performance.now();
    const services = res.locals.services!;
    const clientAddress = clientAddressOf(req);
    const viewer = await authenticate(req.get('authorization'), clientAddress);
    const caller = { viewer, clientAddress, surface: 'rest' as const, receivedAt };
    const result = await createStripeSetupIntent(services, caller, inputFrom(req));
    sendJsonApi(
      res,
      200,
      {
        customer_id: result.customerId,
        ephemeral_key_secret: result.ephemeralKeySecret,
        setup_intent_client_secret: result.setupIntentClientSecret,
      },
      { 'Cache-Control': 'no-store' },
    );
  });
  router.all(SETUP_INTENTS_PATH, (req, res) => {
    sendJsonApi(res, 405, { error: `${req.method} is not allowed here; use POST.` }, { Allow: 'POST' });
  });
  router.use(restErrorHandler);
  return router;
}

function inputFrom(req: Request): CreateStripeSetupIntentInput {
  if (hasBody(req) && !req.is(BODY_TYPES)) throw new RestRequestError(415, `Send the body as ${BODY_TYPES.join(' or ')}.`);
  const body: unknown = req.body;
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
    throw new RestRequestError(400, 'The request body must be a JSON object.');
  }
  const { stripe_version: stripeVersion, usage } = (body ?? {}) as { stripe_version?: unknown; usage?: unknown };
  return {
    // A non-string version is reported by the resolver's own check, as for any bad version.
    stripeVersion: stripeVersion === undefined || stripeVersion === null ? undefined : String(stripeVersion),
    // Likewise: a usage that is not one of Stripe's two is the resolver's field error.
    usage: usage === undefined || usage === null ? undefined : typeof usage === 'string' ? usage : JSON.stringify(usage),
    idempotencyKey: req.get('idempotency-key'),
  };
}

function hasBody(req: Request): boolean {
  return req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
}
