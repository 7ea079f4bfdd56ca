// Stripe metadata values hold at most 500 characters, and the user id is one.
const MAX_USER_ID_LENGTH = 500;
// Control characters (NUL included) and lone surrogates: PostgreSQL and Stripe would refuse or alter them.
const FORBIDDEN_CHARACTERS = /[\p{Cc}\p{Cs}]/u;
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The user id a token's claim carries (contract 2): 1 to 500 characters of valid Unicode without
 * control characters; a whole number counts as its decimal string, so 7 and "7" are one user.
 * Anything else is no user id (the token is refused).
 */
export function userIdFrom(claim: unknown): string | undefined {
  const id = typeof claim === 'number' && Number.isSafeInteger(claim) ? String(claim) : claim;
  if (typeof id !== 'string' || id === '' || FORBIDDEN_CHARACTERS.test(id)) return undefined;
  let length = 0;
  for (const _character of id) if (++length > MAX_USER_ID_LENGTH) return undefined;
  return id;
}

/** An optional text claim (email, name): a string of valid Unicode, else left out. */
export function textClaim(claim: unknown): string | undefined {
  return typeof claim === 'string' && claim !== '' && !LONE_SURROGATE.test(claim) ? claim : undefined;
}
