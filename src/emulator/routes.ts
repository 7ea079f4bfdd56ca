import type { Handler } from './context.js';
import { createAccount, listConnectedAccounts, retrieveAccount, retrieveConnectedAccount } from './resources/account.js';
import { createCustomerSession } from './resources/customer-sessions.js';
import { createCustomer, deleteCustomer, listCustomers, retrieveCustomer } from './resources/customers.js';
import { createEphemeralKey, deleteEphemeralKey } from './resources/ephemeral-keys.js';
import {
  attachPaymentMethodToCustomer,
  createPaymentMethod,
  detachPaymentMethod,
  listCustomerPaymentMethods,
  retrievePaymentMethod,
} from './resources/payment-methods.js';
import { confirmSetupIntent } from './resources/setup-intent-confirm.js';
import { cancelSetupIntent, createSetupIntent, retrieveSetupIntent } from './resources/setup-intents.js';

/**
 * Keyed by "METHOD /v1/resource", "METHOD /v1/resource/:id" or "METHOD /v1/resource/:id/action":
 * one Map lookup per request.
 */
const ROUTES = new Map<string, Handler>([
  ['POST /v1/customers', createCustomer],
  ['GET /v1/customers', listCustomers],
  ['GET /v1/customers/:id', retrieveCustomer],
  ['DELETE /v1/customers/:id', deleteCustomer],
  ['GET /v1/customers/:id/payment_methods', listCustomerPaymentMethods],
  ['POST /v1/customer_sessions', createCustomerSession],
  ['POST /v1/ephemeral_keys', createEphemeralKey],
  ['DELETE /v1/ephemeral_keys/:id', deleteEphemeralKey],
  ['POST /v1/payment_methods', createPaymentMethod],
  ['GET /v1/payment_methods/:id', retrievePaymentMethod],
  ['POST /v1/payment_methods/:id/attach', attachPaymentMethodToCustomer],
  ['POST /v1/payment_methods/:id/detach', detachPaymentMethod],
  ['POST /v1/setup_intents', createSetupIntent],
  ['GET /v1/setup_intents/:id', retrieveSetupIntent],
  ['POST /v1/setup_intents/:id/cancel', cancelSetupIntent],
  ['POST /v1/setup_intents/:id/confirm', confirmSetupIntent],
  ['GET /v1/account', retrieveAccount],
  ['POST /v1/accounts', createAccount],
  ['GET /v1/accounts', listConnectedAccounts],
  ['GET /v1/accounts/:id', retrieveConnectedAccount],
]);

/** What a publishable key (with the object's client_secret) may call, as Stripe.js and the mobile SDKs do. */
const PUBLISHABLE_ROUTES = new Set(['GET /v1/setup_intents/:id', 'POST /v1/setup_intents/:id/confirm']);

export interface RouteMatch {
  handler: Handler;
  /** Decoded id segment, '' for collection routes. */
  id: string;
  /** True when a publishable key may call this route. */
  publishable: boolean;
}

export function matchRoute(method: string, path: string): RouteMatch | undefined {
  const segments = path.split('/'); // ['', 'v1', resource, id?, action?]
  if (segments.length < 3 || segments.length > 5 || segments[0] !== '' || segments[1] !== 'v1') return undefined;
  const [, , resource, rawId, action] = segments;
  if (rawId === '' || action === '') return undefined;
  const key = `${method} /v1/${resource}${rawId === undefined ? '' : '/:id'}${action === undefined ? '' : `/${action}`}`;
  const handler = ROUTES.get(key);
  if (handler === undefined) return undefined;
  try {
    return { handler, id: rawId === undefined ? '' : decodeURIComponent(rawId), publishable: PUBLISHABLE_ROUTES.has(key) };
  } catch {
    return undefined; // malformed percent-encoding
  }
}
