import {
  createStripeCustomerSession,
  type StripeCustomerSessionResult,
} from '../resolvers/create-stripe-customer-session.js';
import { builder } from './builder.js';
import { SETUP_INTENT_ERRORS } from './errors.js';
import { spendSetupIntentBudget } from './setup-intent-budget.js';
import { StripeSetupIntentUsage } from './usage.js';

const StripeCustomerSessionComponent = builder.enumType('StripeCustomerSessionComponent', {
  description: 'The Stripe UI component the session is for.',
  values: {
    MOBILE_PAYMENT_ELEMENT: { description: 'PaymentSheet (iOS, Android, React Native).' },
    PAYMENT_ELEMENT: { description: 'The web Payment Element (Stripe.js).' },
    CUSTOMER_SHEET: { description: 'The mobile Customer Sheet, which manages saved cards.' },
  } as const,
});

const StripeCustomerSession = builder.objectRef<StripeCustomerSessionResult>('StripeCustomerSession').implement({
  description:
    'A CustomerSession for one component: it lists every card the customer saved (legacy ones included) and lets the shopper save and remove cards.',
  fields: (t) => ({
    customerId: t.exposeString('customerId', { description: 'The Stripe customer (`cus_…`).' }),
    customerSessionClientSecret: t.exposeString('customerSessionClientSecret', {
      description: 'The CustomerSession’s client secret (`cuss_…`).',
    }),
    expiresAt: t.field({ type: 'DateTime', description: 'When the session expires.', resolve: (result) => result.expiresAt }),
    setupIntentClientSecret: t.exposeString('setupIntentClientSecret', {
      nullable: true,
      description: 'Client secret of the new SetupIntent; null when withSetupIntent is false.',
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

const CreateStripeCustomerSessionInput = builder.inputType('CreateStripeCustomerSessionInput', {
  fields: (t) => ({
    component: t.field({ type: StripeCustomerSessionComponent, required: true }),
    withSetupIntent: t.boolean({ description: 'Default true: also a SetupIntent for saving a new payment method.' }),
    usage: t.field({ type: StripeSetupIntentUsage, description: 'The SetupIntent’s usage; default OFF_SESSION.' }),
    idempotencyKey: t.string({
      description: 'One key space with createStripeSetupIntent: a key is for one mutation, component and usage.',
    }),
  }),
});

builder.mutationField('createStripeCustomerSession', (t) =>
  t.field({
    type: StripeCustomerSession,
    description:
      'The caller’s Stripe customer (as for createStripeSetupIntent), a CustomerSession for the component and, unless withSetupIntent is false, a SetupIntent.',
    args: { input: t.arg({ type: CreateStripeCustomerSessionInput, required: true }) },
    errors: { types: SETUP_INTENT_ERRORS, union: { name: 'CreateStripeCustomerSessionResult' } },
    resolve: (_root, { input }, context) => {
      spendSetupIntentBudget(context);
      return createStripeCustomerSession(context.services, context.caller, input);
    },
  }),
);
