import type Stripe from 'stripe';
import type { RequestContext } from '../context.js';
import { invalidRequest, resourceMissing } from '../errors.js';
import { assertKnownParams, readEnum, readLimit, readList, readMetadata, readString } from '../params.js';

const CREATE_PARAMS = ['business_type', 'country', 'default_currency', 'email', 'expand', 'metadata', 'type'];
const LIST_PARAMS = ['expand', 'limit', 'starting_after'];

/** GET /v1/account: the account the request acts on (the connected one with `Stripe-Account`). */
export function retrieveAccount(ctx: RequestContext): Stripe.Account {
  assertKnownParams(ctx.params, ['expand']);
  readList(ctx.params.expand, 'expand');
  return ctx.account.object;
}

/**
 * POST /v1/accounts: a connected account of the requesting account, which thereby is a Connect
 * platform. `type` defaults to `standard` (Stripe now also accepts `controller` instead; the
 * emulator does not model controllers).
 */
export function createAccount(ctx: RequestContext): Stripe.Account {
  const p = ctx.params;
  assertKnownParams(p, CREATE_PARAMS);
  readList(p.expand, 'expand');
  if (ctx.account.platform !== null) {
    throw invalidRequest(
      "You can only create new accounts if you've signed up for Connect, which you can learn how to do at https://stripe.com/docs/connect.",
    );
  }
  const type = readEnum(p.type, 'type', ['custom', 'express', 'standard'] as const) ?? 'standard';
  const country = readString(p.country, 'country');
  if (country !== undefined && !/^[A-Z]{2}$/.test(country)) throw invalidRequest(`Country '${country}' is unknown. Try using a 2-character alphanumeric country code instead, such as 'US', 'EG', or 'GB'.`, 'country');
  const email = readString(p.email, 'email', 512);
  if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) throw invalidRequest(`Invalid email address: ${email}`, 'email', 'email_invalid');
  const currency = readString(p.default_currency, 'default_currency');
  if (currency !== undefined && !/^[a-z]{3}$/.test(currency)) throw invalidRequest(`Invalid currency: ${currency}`, 'default_currency');
  const businessType = readEnum(p.business_type, 'business_type', ['company', 'government_entity', 'individual', 'non_profit'] as const);
  // A new connected account has yet to be onboarded: no charges or payouts until then.
  const created = ctx.accounts.connect(
    ctx.account,
    undefined,
    {
      business_type: businessType ?? null,
      charges_enabled: false,
      details_submitted: false,
      email: email ?? null,
      metadata: readMetadata(p.metadata),
      payouts_enabled: false,
      ...(country === undefined ? {} : { country }),
      ...(currency === undefined ? {} : { default_currency: currency }),
    },
    type,
  );
  return created.object;
}

/** GET /v1/accounts/:id: the requesting account itself or one connected to it; others are Stripe's 403. */
export function retrieveConnectedAccount(ctx: RequestContext): Stripe.Account {
  assertKnownParams(ctx.params, ['expand']);
  readList(ctx.params.expand, 'expand');
  return ctx.accounts.connectedOf(ctx.apiKey, ctx.account, ctx.id).object;
}

/** GET /v1/accounts: the requesting platform's connected accounts, newest first. */
export function listConnectedAccounts(ctx: RequestContext): Stripe.ApiList<Stripe.Account> {
  const p = ctx.params;
  assertKnownParams(p, LIST_PARAMS);
  readList(p.expand, 'expand');
  const limit = readLimit(p.limit);
  const startingAfter = readString(p.starting_after, 'starting_after');
  const connected = ctx.accounts.connectedTo(ctx.account.id).map((account) => account.object).reverse();
  let start = 0;
  if (startingAfter !== undefined) {
    start = connected.findIndex((account) => account.id === startingAfter) + 1;
    if (start === 0) throw resourceMissing('account', startingAfter, 'starting_after', 400);
  }
  return { object: 'list', data: connected.slice(start, start + limit), has_more: start + limit < connected.length, url: '/v1/accounts' };
}
