import { UnauthenticatedError } from '../core/errors.js';
import type { Identity } from './token-resolver.js';

/** Stripe metadata values (the customer's `metadata.user_id`) hold at most 500 characters. */
export const MAX_USER_ID_LENGTH = 500;

/**
 * Why `userId` cannot name a user (contract, section 2), or undefined when it can: 1 to 500
 * characters of valid Unicode (no lone surrogate, which PostgreSQL would silently turn into
 * U+FFFD and so into another user) without control characters (NUL among them, which
 * PostgreSQL refuses in text).
 */
export function userIdProblem(userId: string): string | undefined {
  if (userId === '') return 'is empty';
  if (/\p{Cs}/u.test(userId)) return 'is not valid Unicode';
  if (/\p{Cc}/u.test(userId)) return 'contains control characters';
  let characters = 0;
  for (const _ of userId) if (++characters > MAX_USER_ID_LENGTH) return `is longer than ${MAX_USER_ID_LENGTH} characters`;
  return undefined;
}

/**
 * The user id a token's claim carries, or undefined when it names no user (the token is refused):
 * a string without a problem above, or a whole number, which counts as its decimal string so that
 * 7 and "7" are one user.
 */
export function userIdFrom(claim: unknown): string | undefined {
  const id = typeof claim === 'number' && Number.isSafeInteger(claim) ? String(claim) : claim;
  return typeof id === 'string' && userIdProblem(id) === undefined ? id : undefined;
}

/** An optional text claim (email, name): a non-empty string of valid Unicode, else left out. */
export function textClaim(claim: unknown): string | undefined {
  return typeof claim === 'string' && claim !== '' && !/\p{Cs}/u.test(claim) ? claim : undefined;
}

/**
 * The identity a set of JWT-style claims names (a verified JWT's payload, an introspection
 * answer): the user id from `userClaim`, `email` and `name` when usable, `exp` as the expiry.
 * No usable user id is a verdict against the token.
 */
export function identityFromClaims(claims: Record<string, unknown>, userClaim: string, source: string): Identity {
  const userId = userIdFrom(claims[userClaim]);
  if (userId === undefined) throw new UnauthenticatedError(`${source} has no usable user id (${userClaim}).`);
  return {
    userId,
    email: textClaim(claims.email),
    name: textClaim(claims.name),
    expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : undefined,
  };
}
