import type Stripe from 'stripe';
import { resourceMissing } from './errors.js';

/** Stripe's ephemeral key JSON; the SDK type omits `associated_objects`, which the API does return. */
export type EphemeralKeyObject = Stripe.EphemeralKey & {
  associated_objects: Array<{ id: string; type: 'customer' }>;
};

/** An ephemeral key as stored: the API object plus what tests want to inspect. */
export interface EmulatedEphemeralKey extends EphemeralKeyObject {
  /** Stripe-Version header the key was created with (it pins the mobile SDK's version). */
  readonly apiVersion: string;
  deleted: boolean;
}

/** In-memory objects of one emulated Stripe account (test and live mode share it, told apart by `livemode`). */
export class EmulatorState {
  /** How long a new ephemeral key lives: Stripe's keys expire after about an hour. */
  constructor(
    readonly ephemeralKeyTtlSeconds = 3600,
    /** How long a new customer session lives: Stripe's expire after 30 minutes. */
    readonly customerSessionTtlSeconds = 1800,
  ) {}

  readonly customers = new Map<string, Stripe.Customer>();
  /** Deleted customers stay in `customers` (Stripe still answers GET with a deleted stub). */
  readonly deletedCustomerIds = new Set<string>();
  readonly setupIntents = new Map<string, Stripe.SetupIntent>();
  readonly ephemeralKeys = new Map<string, EmulatedEphemeralKey>();
  /** In creation order; a detached method stays, with `customer: null`. */
  readonly paymentMethods = new Map<string, Stripe.PaymentMethod>();
  /** Keyed by client secret (sessions have no id of their own). */
  readonly customerSessions = new Map<string, Stripe.CustomerSession>();
}

/**
 * Looks an object up as a key of the given mode sees it: objects of the other mode are
 * invisible, with Stripe's hint that a similar object exists there.
 */
export function findInMode<T extends { livemode: boolean }>(
  objects: ReadonlyMap<string, T>,
  id: string,
  livemode: boolean,
  miss: { noun: string; param: string; status: 400 | 404 },
): T {
  const found = objects.get(id);
  if (found === undefined) throw resourceMissing(miss.noun, id, miss.param, miss.status);
  if (found.livemode !== livemode) throw resourceMissing(miss.noun, id, miss.param, miss.status, { keyIsLive: livemode });
  return found;
}
