import { GraphQLError } from 'graphql';
import {
  detachStripePaymentMethod,
  listSavedPaymentMethods,
  type SavedPaymentMethod,
} from '../resolvers/payment-methods.js';
import { AuthenticationRequiredError, NotFoundError, PaymentProviderError, RateLimitedError } from '../core/errors.js';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';
import { ViewerRef } from './viewer.js';

type Card = NonNullable<SavedPaymentMethod['card']>;

const StripeCard = builder.objectRef<Card>('StripeCard').implement({
  description: 'What a wallet list shows of a saved card.',
  fields: (t) => ({
    brand: t.exposeString('brand', { description: 'visa, mastercard, amex, …' }),
    last4: t.exposeString('last4'),
    expMonth: t.exposeInt('expMonth'),
    expYear: t.exposeInt('expYear'),
    wallet: t.exposeString('wallet', { nullable: true, description: 'apple_pay, google_pay, … when saved from a wallet.' }),
  }),
});

const StripePaymentMethod = builder.objectRef<SavedPaymentMethod>('StripePaymentMethod').implement({
  description: 'A payment method saved to the caller’s Stripe customer.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The Stripe payment method (`pm_…`).' }),
    type: t.exposeString('type', { description: 'card, sepa_debit, …' }),
    card: t.field({ type: StripeCard, nullable: true, resolve: (method) => method.card }),
    createdAt: t.field({ type: 'DateTime', resolve: (method) => method.createdAt }),
  }),
});

/** One listing per request, however many aliases ask for it. */
const listings = new WeakMap<GraphQLContext, Promise<SavedPaymentMethod[]>>();

builder.objectField(ViewerRef, 'paymentMethods', (t) =>
  t.field({
    type: [StripePaymentMethod],
    description: 'The signed-in user’s saved payment methods, newest first, from Stripe; [] for a guest or a user without a customer.',
    resolve: async (viewer, _args, context) => {
      let listing = listings.get(context);
      if (listing === undefined) {
        listing = listSavedPaymentMethods(context.services, viewer);
        listings.set(context, listing);
      }
      try {
        return await listing;
      } catch (error) {
        if (error instanceof RateLimitedError) {
          // The user's read budget, or the Stripe account's: nothing was asked of Stripe.
          throw new GraphQLError(error.message, {
            extensions: { code: 'RATE_LIMITED', retryAfterSeconds: error.retryAfterSeconds },
          });
        }
        if (!(error instanceof PaymentProviderError)) throw error;
        // A list field has no union to hold a typed error: Stripe's failure as a coded error.
        throw new GraphQLError(error.message, {
          extensions: { code: 'STRIPE_ERROR', retryable: error.details.retryable, requestId: error.details.requestId },
        });
      }
    },
  }),
);

const DetachStripePaymentMethodInput = builder.inputType('DetachStripePaymentMethodInput', {
  fields: (t) => ({
    paymentMethodId: t.string({ required: true, description: 'The payment method to remove (`pm_…`).' }),
  }),
});

const DetachedStripePaymentMethod = builder.objectRef<{ id: string }>('DetachedStripePaymentMethod').implement({
  description: 'The payment method is no longer attached to the caller’s customer.',
  fields: (t) => ({ id: t.exposeString('id') }),
});

builder.mutationField('detachStripePaymentMethod', (t) =>
  t.field({
    type: DetachedStripePaymentMethod,
    description: 'Removes one of the caller’s own saved payment methods.',
    args: { input: t.arg({ type: DetachStripePaymentMethodInput, required: true }) },
    errors: {
      types: [NotFoundError, PaymentProviderError, AuthenticationRequiredError, RateLimitedError],
      union: { name: 'DetachStripePaymentMethodResult' },
    },
    resolve: (_root, { input }, { services, caller }) => detachStripePaymentMethod(services, caller, input),
  }),
);
