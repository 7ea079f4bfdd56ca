import { builder } from './builder.js';

/** The SetupIntent's `usage`, for both mutations that create one. */
export const StripeSetupIntentUsage = builder.enumType('StripeSetupIntentUsage', {
  description: 'Whether the saved card will be charged with the shopper present (ON_SESSION) or not (OFF_SESSION).',
  values: {
    OFF_SESSION: { value: 'off_session', description: 'Charged later without the shopper: subscriptions, one-click reorders (the default).' },
    ON_SESSION: { value: 'on_session', description: 'Charged only while the shopper is in the checkout.' },
  } as const,
});
