import type { IncomingMessage } from 'node:http';
import type { Response } from 'express';
import type { SelectableStore, StoreSelector } from '../http/store-selection.js';
import type { GatewayServices } from './services.js';

/** A store the gateway serves: what selects it, and its services. */
export interface ServedStore extends SelectableStore {
  services: GatewayServices;
}

export type ServedStores = StoreSelector<ServedStore>;

declare global {
  namespace Express {
    interface Locals {
      /** The request's store's services, once found. */
      services?: GatewayServices;
    }
  }
}

/**
 * The request's store, recorded on the response (its log lines and metrics name the store), or
 * undefined: the caller answers 404 in its surface's shape.
 */
export function servicesForRequest(stores: ServedStores, req: IncomingMessage, res: Response): GatewayServices | undefined {
  const store = stores.select(req);
  if (store === undefined) return undefined;
  res.locals.storeId = store.id;
  res.locals.services = store.services;
  return store.services;
}
