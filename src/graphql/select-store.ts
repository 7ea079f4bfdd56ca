import type { RequestHandler } from 'express';
import { servicesForRequest, type ServedStores } from '../resolvers/served-store.js';

/**
 * The request's store before anything else (contract 11): none found is HTTP 404 with
 * `errors[0].extensions.code = "STORE_NOT_FOUND"`, before the token is checked or anything runs.
 */
export function selectGraphQLStore(stores: ServedStores): RequestHandler {
  return (req, res, next) => {
    if (servicesForRequest(stores, req, res) !== undefined) {
      next();
      return;
    }
    res
      .status(404)
      .type('application/json')
      .send(JSON.stringify({ errors: [{ message: stores.refusal(req), extensions: { code: 'STORE_NOT_FOUND' } }] }));
  };
}
