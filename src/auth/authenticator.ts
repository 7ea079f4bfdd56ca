import type { GatewayMetrics } from '../http/metrics.js';
import { AuthUnavailableError, UnauthenticatedError } from '../core/errors.js';
import type { RefusalBudget } from './refusal-budget.js';
import type { CachedTokenResolver } from './token-cache.js';
import type { Identity, TokenResolver } from './token-resolver.js';
import { GUEST, type Viewer } from './viewer.js';

/**
 * Reads the `Authorization` header of a call from `clientAddress`; no header is a guest, a bad one
 * is never downgraded to guest.
 */
export type Authenticate = (authorization: string | null | undefined, clientAddress: string) => Promise<Viewer>;

export interface TokenResolvers {
  /** Local verification of tokens shaped like JWTs (AUTH_JWT_SECRET, AUTH_JWKS_URL). */
  jwt: TokenResolver | undefined;
  /** Every other bearer token (AUTH_SPREE_URL or AUTH_INTROSPECTION_URL), cached. */
  opaque: CachedTokenResolver | undefined;
  /** Refused tokens per client address; unset: no budget (tests of the resolvers alone). */
  refusals?: RefusalBudget | undefined;
  metrics: GatewayMetrics;
}

// RFC 7235: the scheme is case-insensitive. RFC 6750's b64token for the credentials.
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Picks the resolver for a bearer token by its shape; the resolvers say who it names. Every refusal
 * spends the client address's refused-token budget; past it, a token is answered only from what
 * the gateway already holds (an opaque token's cached identity), and otherwise 429 without asking
 * anyone.
 */
export function createAuthenticator({ jwt, opaque, refusals, metrics }: TokenResolvers): Authenticate {
  const refused = async (clientAddress: string, error: UnauthenticatedError): Promise<never> => {
    await refusals?.spend(clientAddress);
    throw error;
  };

  const resolveOpaque = async (resolve: CachedTokenResolver, token: string, clientAddress: string): Promise<Identity> => {
    const known = resolve.known(token);
    if (known && 'identity' in known) return known.identity;
    refusals?.check(clientAddress);
    if (known && 'refusal' in known) return refused(clientAddress, new UnauthenticatedError(known.refusal));
    // Joining a lookup under way asks no one: only a new lookup holds a point of the budget.
    const reservation = known && 'pending' in known ? undefined : await refusals?.reserve(clientAddress);
    try {
      const identity = await resolve(token);
      reservation?.settle(false);
      return identity;
    } catch (error) {
      reservation?.settle(error instanceof UnauthenticatedError);
      throw error;
    }
  };

  const resolveJwt = async (resolve: TokenResolver, token: string, clientAddress: string): Promise<Identity> => {
    refusals?.check(clientAddress);
    try {
      return await resolve(token);
    } catch (error) {
      if (error instanceof UnauthenticatedError) return refused(clientAddress, error);
      throw error;
    }
  };

  return async (authorization, clientAddress) => {
    if (authorization === null || authorization === undefined || authorization === '') return GUEST;
    const token = BEARER.exec(authorization)?.[1];
    try {
      if (!token) return await refused(clientAddress, new UnauthenticatedError('The Authorization header must be "Bearer <token>".'));
      const useJwt = jwt && JWT_SHAPE.test(token);
      if (!useJwt && !opaque) return await refused(clientAddress, new UnauthenticatedError('The bearer token could not be verified.'));
      const { userId, email, name } = useJwt ? await resolveJwt(jwt, token, clientAddress) : await resolveOpaque(opaque!, token, clientAddress);
      return { kind: 'user', userId, email, name };
    } catch (error) {
      if (error instanceof AuthUnavailableError) metrics.countAuthUnavailable(error.provider);
      throw error;
    }
  };
}
