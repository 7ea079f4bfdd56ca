import type Stripe from 'stripe';
import type { RequestContext } from '../context.js';
import { assertKnownParams, readList } from '../params.js';

export function retrieveAccount(ctx: RequestContext): Stripe.Account {
  assertKnownParams(ctx.params, ['expand']);
  readList(ctx.params.expand, 'expand');
  return {
    id: ctx.accountId,
    object: 'account',
    business_type: null,
    charges_enabled: true,
    country: 'US',
    default_currency: 'usd',
    details_submitted: true,
    email: null,
    metadata: {},
    payouts_enabled: true,
    type: 'standard',
  };
}
