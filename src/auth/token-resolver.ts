/** Who a bearer token names, as the party that vouches for it says. */
export interface Identity {
  userId: string;
  email: string | undefined;
  name: string | undefined;
  /** When the token stops being valid (ms since the epoch), when its issuer says so. */
  expiresAt?: number | undefined;
}

/**
 * The seam for "who is this bearer token": local JWT verification, Spree's account endpoint and
 * RFC 7662 introspection implement it; caching wraps it once. It rejects with
 * UnauthenticatedError for a verdict against the token (401) and AuthUnavailableError when no
 * verdict could be had (503); it never returns a guest.
 */
export type TokenResolver = (token: string) => Promise<Identity>;
