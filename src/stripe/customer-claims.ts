import type Stripe from 'stripe';

/** Stripe's own limits on a customer's `email` and `name`. */
export const MAX_EMAIL_LENGTH = 512;
export const MAX_NAME_LENGTH = 256;
/** What Stripe takes for an address: one `@` between two parts without spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export interface CustomerClaims {
  params: Pick<Stripe.CustomerCreateParams, 'email' | 'name'>;
  /** Claims left off because Stripe would refuse them, by name only (their values may be personal). */
  refused: Array<'email' | 'name'>;
}

/**
 * The token's email and name as Stripe will take them. A claim Stripe would refuse is left off:
 * the customer is still created, rather than the user failing on every call until the identity
 * provider changes their profile.
 */
export function customerClaims(email: string | undefined, name: string | undefined): CustomerClaims {
  const claims: CustomerClaims = { params: {}, refused: [] };
  if (email) {
    if (email.length <= MAX_EMAIL_LENGTH && EMAIL.test(email)) claims.params.email = email;
    else claims.refused.push('email');
  }
  if (name) {
    if (name.length <= MAX_NAME_LENGTH) claims.params.name = name;
    else claims.refused.push('name');
  }
  return claims;
}
