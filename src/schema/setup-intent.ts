import { GraphQLError } from 'graphql';
import { createStripeSetupIntent, type StripeSetupIntentResult } from '../resolvers/create-stripe-setup-intent.js';
import { builder } from './builder.js';
import { SETUP_INTENT_ERRORS } from './errors.js';

const StripeSetupIntent = builder.objectRef<StripeSetupIntentResult>('StripeSetupIntent').implement({
  description: 'Everything PaymentSheet / Payment Element needs to save a card for the customer.',
  fields: (t) => ({
    customerId: t.exposeString('customerId', { description: 'The Stripe customer (`cus_…`).' }),
    ephemeralKeySecret: t.exposeString('ephemeralKeySecret', { description: 'Ephemeral key secret for the customer.' }),
    setupIntentClientSecret: t.exposeString('setupIntentClientSecret', {
      description: 'Client secret of the new SetupIntent.',
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
  }),
});

builder.mutationField('createStripeSetupIntent', (t) =>
  t.field({
    type: StripeSetupIntent,
    description:
      'The caller’s Stripe customer (created once for a signed-in user, new for a guest), an ephemeral key and a SetupIntent.',
    args: { input: t.arg({ type: CreateStripeSetupIntentInput, required: false }) },
    errors: { types: SETUP_INTENT_ERRORS, union: { name: 'CreateStripeSetupIntentResult' } },
    resolve: (_root, { input }, { services, caller, setupIntentBudget }) => {
      // Backstop for the validation rule (src/graphql/one-setup-intent-rule.ts): never a second one.
      if (setupIntentBudget.remaining <= 0) {
        throw new GraphQLError('One createStripeSetupIntent per request.', { extensions: { code: 'TOO_MANY_SETUP_INTENTS' } });
      }
      setupIntentBudget.remaining -= 1;
      return createStripeSetupIntent(services, caller, input ?? {});
    },
  }),
);
