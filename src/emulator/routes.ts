import type { Handler } from './context.js';
import { retrieveAccount } from './resources/account.js';
import { createCustomer, deleteCustomer, listCustomers, retrieveCustomer } from './resources/customers.js';
import { createEphemeralKey, deleteEphemeralKey } from './resources/ephemeral-keys.js';
import { cancelSetupIntent, createSetupIntent, retrieveSetupIntent } from './resources/setup-intents.js';

/** Keyed by "METHOD /v1/resource", "METHOD /v1/resource/:id" or "METHOD /v1/resource/:id/action": one Map lookup per request. */
const ROUTES = new Map<string, Handler>([
  ['POST /v1/customers', createCustomer],
  ['GET /v1/customers', listCustomers],
  ['GET /v1/customers/:id', retrieveCustomer],
  ['DELETE /v1/customers/:id', deleteCustomer],
  ['POST /v1/ephemeral_keys', createEphemeralKey],
  ['DELETE /v1/ephemeral_keys/:id', deleteEphemeralKey],
  ['POST /v1/setup_intents', createSetupIntent],
  ['GET /v1/setup_intents/:id', retrieveSetupIntent],
  ['POST /v1/setup_intents/:id/cancel', cancelSetupIntent],
  ['GET /v1/account', retrieveAccount],
]);

export interface RouteMatch {
  handler: Handler;
  /** Decoded id segment, '' for collection routes. */
  id: string;
}

export function matchRoute(method: string, path: string): RouteMatch | undefined {
  const segments = path.split('/'); // ['', 'v1', resource, id?, action?]
  if (segments.length < 3 || segments.length > 5 || segments[0] !== '' || segments[1] !== 'v1') return undefined;
  const rawId = segments[3];
  const action = segments[4];
  if (rawId === '' || action === '') return undefined;
  const handler = ROUTES.get(
    `${method} /v1/${segments[2]}${rawId === undefined ? '' : '/:id'}${action === undefined ? '' : `/${action}`}`,
  );
  if (handler === undefined) return undefined;
  try {
    return { handler, id: rawId === undefined ? '' : decodeURIComponent(rawId) };
  } catch {
    return undefined; // malformed percent-encoding
  }
}
