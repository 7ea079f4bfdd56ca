import { RELEASED_API_VERSIONS } from './api-versions.js';

/**
 * - `released`: a version Stripe released, as listed, or the bare date of a named release
 *   (`2025-03-31` for `2025-03-31.basil`);
 * - `newer`: dated after the newest version the installed SDK knows: Stripe may have released
 *   it since, so only Stripe can tell (and its refusal is reported as the same field error);
 * - `unreleased`: dated within the SDK's knowledge yet not a version Stripe released, or not
 *   shaped like a version at all.
 */
export type StripeVersionStanding = 'released' | 'newer' | 'unreleased';

const RELEASED = new Set(RELEASED_API_VERSIONS.flatMap((version) => [version, dateOf(version)]));
const NEWEST_DATE = RELEASED_API_VERSIONS.map(dateOf).reduce((newest, date) => (date > newest ? date : newest));

const VERSION_SHAPE = /^\d{4}-\d{2}-\d{2}(\.[a-z][a-z0-9_]*)?$/;

export function stripeVersionStanding(version: string): StripeVersionStanding {
  if (RELEASED.has(version)) return 'released';
  if (!VERSION_SHAPE.test(version)) return 'unreleased';
  return dateOf(version) > NEWEST_DATE ? 'newer' : 'unreleased';
}

/** Stripe's answer to a `Stripe-Version` it does not know (HTTP 400, invalid_request_error). */
export const INVALID_VERSION_MESSAGE = /^Invalid Stripe API version/;

function dateOf(version: string): string {
  return version.slice(0, 10);
}
