import type { RequestContext } from '../context.js';
import { invalidRequest, missingParameter, resourceMissing } from '../errors.js';
import { newId, randomAlphanumeric, unixSeconds } from '../ids.js';
import { assertKnownParams, readList, readString } from '../params.js';
import { findInMode, type EmulatedEphemeralKey, type EphemeralKeyObject } from '../state.js';
import { requireActiveCustomer } from './customers.js';

function toApiObject(key: EmulatedEphemeralKey): EphemeralKeyObject {
  const { apiVersion: _apiVersion, deleted: _deleted, ...object } = key;
  return object;
}

export function createEphemeralKey(ctx: RequestContext): EphemeralKeyObject {
  // The key is used by a mobile SDK pinned to its own API version, so Stripe insists on an explicit one.
  if (ctx.stripeVersionHeader === undefined) {
    throw invalidRequest(
      'Stripe-Version header is required when creating ephemeral keys: pass the API version of the client SDK that will use the key. See https://stripe.com/docs/api/versioning.',
    );
  }
  const p = ctx.params;
  assertKnownParams(p, ['customer', 'expand']);
  readList(p.expand, 'expand');
  const customerId = readString(p.customer, 'customer');
  if (customerId === undefined) throw missingParameter('customer');
  requireActiveCustomer(ctx, customerId, 'customer', 400);

  const created = unixSeconds();
  const key: EmulatedEphemeralKey = {
    id: newId('ephkey', 24),
    object: 'ephemeral_key',
    associated_objects: [{ id: customerId, type: 'customer' }],
    created,
    expires: created + ctx.state.ephemeralKeyTtlSeconds,
    livemode: ctx.livemode,
    secret: `ek_${ctx.livemode ? 'live' : 'test'}_${randomAlphanumeric(100)}`,
    apiVersion: ctx.stripeVersionHeader,
    deleted: false,
  };
  ctx.state.ephemeralKeys.set(key.id, key);
  return toApiObject(key);
}

/** Deleting expires the key now; the answer no longer carries the secret. */
export function deleteEphemeralKey(ctx: RequestContext): EphemeralKeyObject {
  assertKnownParams(ctx.params, ['expand']);
  readList(ctx.params.expand, 'expand');
  const miss = { noun: 'ephemeral key', param: 'key', status: 404 } as const;
  const key = findInMode(ctx.state.ephemeralKeys, ctx.id, ctx.livemode, miss);
  if (key.deleted) throw resourceMissing(miss.noun, ctx.id, miss.param, miss.status);
  key.deleted = true;
  key.expires = unixSeconds();
  const { secret: _secret, ...object } = toApiObject(key);
  return object;
}
