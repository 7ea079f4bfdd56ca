import { createStripeSetupIntent, type StripeSetupIntentResult } from '../resolvers/create-stripe-setup-intent.js';
import { builder } from './builder.js';
import { SETUP_INTENT_ERRORS } from './errors.js';
import { spendSetupIntentBudget } from './setup-intent-budget.js';
import { StripeSetupIntentUsage } from './usage.js';

const StripeSetupIntent = builder.objectRef<StripeSetupIntentResult>('StripeSetupIntent').implement({
  description: 'Everything PaymentSheet / Payment Element needs to save a card for the customer.',
  fields: (t) => ({
    customerId: t.exposeString('customerId', { description: 'The Stripe customer (`cus_…`).' }),
    ephemeralKeySecret: t.exposeString('ephemeralKeySecret', { description: 'Ephemeral key secret for the customer.' }),
    ephemeralKeyExpiresAt: t.field({
      type: 'DateTime',
      description: 'When the ephemeral key stops working.',
      resolve: (result) => result.ephemeralKeyExpiresAt,
    }),
    setupIntentClientSecret: t.exposeString('setupIntentClientSecret', {
      description: 'Client secret of the new SetupIntent.',
    }),
    publishableKey: t.exposeString('publishableKey', {
      nullable: true,
      description: 'The Stripe publishable key to initialise the client SDK with (STRIPE_PUBLISHABLE_KEY), when set.',
    }),
    stripeAccount: t.exposeString('stripeAccount', {
      nullable: true,
      description:
        'The store’s connected account (Stripe Connect): initialise the client SDK with it (`Stripe(pk, {stripeAccount})`); null otherwise.',
    }),
  }),
});

const CreateStripeSetupIntentInput = builder.inputType('CreateStripeSetupIntentInput', {
  fields: (t) => ({
    stripeVersion: t.string({
      description: 'The client SDK’s Stripe API version, used for the ephemeral key.',
    }),
    idempotencyKey: t.string({
      description: 'Same meaning as the REST `Idempotency-Key` header.',
    }),
    usage: t.field({ type: StripeSetupIntentUsage, description: 'The SetupIntent’s usage; default OFF_SESSION.' }),
  }),
});

builder.mutationField('createStripeSetupIntent', (t) =>
  t.field({
    type: StripeSetupIntent,
    description:
      'The caller’s Stripe customer (created once for a signed-in user, new for a guest), an ephemeral key and a SetupIntent.',
    args: { input: t.arg({ type: CreateStripeSetupIntentInput, required: false }) },
    errors: { types: SETUP_INTENT_ERRORS, union: { name: 'CreateStripeSetupIntentResult' } },
    resolve: (_root, { input }, context) => {
      spendSetupIntentBudget(context);
      return createStripeSetupIntent(context.services, context.caller, input ?? {});
    },
  }),
);
