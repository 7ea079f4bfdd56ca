import type Stripe from 'stripe';

export type CustomerSessionComponent = 'MOBILE_PAYMENT_ELEMENT' | 'PAYMENT_ELEMENT' | 'CUSTOMER_SHEET';
export type SetupIntentUsage = 'off_session' | 'on_session';

/**
 * Every saved card is listed, including cards saved before sessions existed: the legacy path
 * (an ephemeral key and PaymentSheet, or Spree) saves with `allow_redisplay: unspecified`,
 * which Stripe's default filter (`['always']`) hides.
 */
export const ALLOW_REDISPLAY_FILTERS: Array<'always' | 'limited' | 'unspecified'> = ['always', 'limited', 'unspecified'];

/**
 * What each component may do with the customer's cards: list them all, save new ones (the sheet
 * or element shows its "save" choice), and remove them. The Customer Sheet always saves
 * (that is all it does), so it has no save switch.
 */
/** Every component lists all saved cards and lets the shopper remove them. */
const LIST_AND_REMOVE = {
  payment_method_allow_redisplay_filters: ALLOW_REDISPLAY_FILTERS,
  payment_method_remove: 'enabled',
} as const;

/** The mobile sheet and the web element also show saved cards for reuse and offer to save new ones. */
const REDISPLAY_AND_SAVE = { ...LIST_AND_REMOVE, payment_method_redisplay: 'enabled', payment_method_save: 'enabled' } as const;

export function customerSessionComponents(
  component: CustomerSessionComponent,
  usage: SetupIntentUsage,
): Stripe.CustomerSessionCreateParams.Components {
  switch (component) {
    case 'MOBILE_PAYMENT_ELEMENT':
      return {
        mobile_payment_element: {
          enabled: true,
          features: {
            ...REDISPLAY_AND_SAVE,
            // A card the shopper chose to save is theirs to see again, in any component.
            payment_method_save_allow_redisplay_override: 'always',
          },
        },
      };
    case 'PAYMENT_ELEMENT':
      return {
        payment_element: {
          enabled: true,
          features: {
            ...REDISPLAY_AND_SAVE,
            // Used when the element later confirms a PaymentIntent; a SetupIntent carries its own usage.
            payment_method_save_usage: usage,
          },
        },
      };
    case 'CUSTOMER_SHEET':
      return {
        customer_sheet: {
          enabled: true,
          features: LIST_AND_REMOVE,
        },
      };
  }
}
