import type Stripe from 'stripe';
import type { RequestContext } from '../context.js';
import { invalidRequest, resourceMissing } from '../errors.js';
import type { ParamValue } from '../form.js';
import { newId, randomAlphanumeric, unixSeconds } from '../ids.js';
import { assertKnownParams, readLimit, readList, readMetadata, readString } from '../params.js';
import { findInMode } from '../state.js';

const CREATE_PARAMS = ['description', 'email', 'expand', 'metadata', 'name', 'phone'];
const LIST_PARAMS = ['email', 'expand', 'limit', 'starting_after'];

/** A customer that exists, is not deleted, and belongs to the key's mode; otherwise resource_missing. */
export function requireActiveCustomer(ctx: RequestContext, id: string, param: string, status: 400 | 404): Stripe.Customer {
  const customer = findInMode(ctx.state.customers, id, ctx.livemode, { noun: 'customer', param, status });
  if (ctx.state.deletedCustomerIds.has(id)) throw resourceMissing('customer', id, param, status);
  return customer;
}

export function deletedCustomer(id: string): Stripe.DeletedCustomer {
  return { id, object: 'customer', deleted: true };
}

function readEmail(value: ParamValue | undefined): string | null {
  const email = readString(value, 'email', 512);
  if (email === undefined) return null;
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw invalidRequest(`Invalid email address: ${email}`, 'email', 'email_invalid');
  return email;
}

export function createCustomer(ctx: RequestContext): Stripe.Customer {
  const p = ctx.params;
  assertKnownParams(p, CREATE_PARAMS);
  readList(p.expand, 'expand');
  const customer: Stripe.Customer = {
    id: newId('cus', 14),
    object: 'customer',
    address: null,
    balance: 0,
    created: unixSeconds(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: readString(p.description, 'description') ?? null,
    discount: null,
    email: readEmail(p.email),
    invoice_prefix: randomAlphanumeric(8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: ctx.livemode,
    metadata: readMetadata(p.metadata),
    name: readString(p.name, 'name', 256) ?? null,
    next_invoice_sequence: 1,
    phone: readString(p.phone, 'phone', 20) ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
  ctx.state.customers.set(customer.id, customer);
  ctx.events.push({ type: 'customer.created', object: structuredClone(customer) });
  return customer;
}

export function retrieveCustomer(ctx: RequestContext): Stripe.Customer | Stripe.DeletedCustomer {
  assertKnownParams(ctx.params, ['expand']);
  readList(ctx.params.expand, 'expand');
  const customer = findInMode(ctx.state.customers, ctx.id, ctx.livemode, { noun: 'customer', param: 'id', status: 404 });
  // Real Stripe keeps answering 200 for a deleted customer, with a stub.
  return ctx.state.deletedCustomerIds.has(ctx.id) ? deletedCustomer(ctx.id) : customer;
}

export function deleteCustomer(ctx: RequestContext): Stripe.DeletedCustomer {
  assertKnownParams(ctx.params, []);
  const customer = requireActiveCustomer(ctx, ctx.id, 'id', 404);
  ctx.state.deletedCustomerIds.add(ctx.id);
  ctx.events.push({ type: 'customer.deleted', object: structuredClone(customer) });
  return deletedCustomer(ctx.id);
}

export function listCustomers(ctx: RequestContext): Stripe.ApiList<Stripe.Customer> {
  const p = ctx.params;
  assertKnownParams(p, LIST_PARAMS);
  readList(p.expand, 'expand');
  const limit = readLimit(p.limit);
  const email = readString(p.email, 'email', 512);
  const startingAfter = readString(p.starting_after, 'starting_after');

  const { customers, deletedCustomerIds } = ctx.state;
  // Map order is creation order; lists are newest first.
  const matching = [...customers.values()]
    .filter((c) => c.livemode === ctx.livemode && !deletedCustomerIds.has(c.id) && (email === undefined || c.email === email))
    .reverse();
  let start = 0;
  if (startingAfter !== undefined) {
    start = matching.findIndex((c) => c.id === startingAfter) + 1;
    if (start === 0) throw resourceMissing('customer', startingAfter, 'starting_after', 400);
  }
  return {
    object: 'list',
    data: matching.slice(start, start + limit),
    has_more: start + limit < matching.length,
    url: '/v1/customers',
  };
}
