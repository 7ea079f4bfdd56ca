import type { GatewayMetrics } from '../http/metrics.js';
import { AuthUnavailableError, UnauthenticatedError } from '../core/errors.js';
import type { TokenResolver } from './token-resolver.js';
import { GUEST, type Viewer } from './viewer.js';

/** Reads the `Authorization` header; no header is a guest, a bad one is never downgraded to guest. */
export type Authenticate = (authorization: string | null | undefined) => Promise<Viewer>;

export interface TokenResolvers {
  /** Local verification of tokens shaped like JWTs (AUTH_JWT_SECRET, AUTH_JWKS_URL). */
  jwt: TokenResolver | undefined;
  /** Every other bearer token (AUTH_SPREE_URL or AUTH_INTROSPECTION_URL), cached. */
  opaque: TokenResolver | undefined;
  metrics: GatewayMetrics;
}

// RFC 7235: the scheme is case-insensitive. RFC 6750's b64token for the credentials.
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Picks the resolver for a bearer token by its shape; the resolvers say who it names. */
export function createAuthenticator({ jwt, opaque, metrics }: TokenResolvers): Authenticate {
  return async (authorization) => {
    if (authorization === null || authorization === undefined || authorization === '') return GUEST;
    const token = BEARER.exec(authorization)?.[1];
    if (!token) throw new UnauthenticatedError('The Authorization header must be "Bearer <token>".');
    const resolve = jwt && JWT_SHAPE.test(token) ? jwt : opaque;
    if (!resolve) throw new UnauthenticatedError('The bearer token could not be verified.');
    try {
      const { userId, email, name } = await resolve(token);
      return { kind: 'user', userId, email, name };
    } catch (error) {
      if (error instanceof AuthUnavailableError) metrics.countAuthUnavailable(error.provider);
      throw error;
    }
  };
}
