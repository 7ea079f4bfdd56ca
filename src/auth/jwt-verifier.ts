import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { AuthUnavailableError, UnauthenticatedError } from '../resolvers/errors.js';
import type { JwksKeySet } from './jwks-key-set.js';
import type { TokenResolver } from './token-resolver.js';
import { textClaim, userIdFrom } from './user-id.js';

export interface JwtVerifierOptions {
  /** HS256 secret (AUTH_JWT_SECRET). */
  secret: string | undefined;
  /** RS256/ES256 keys (AUTH_JWKS_URL). */
  keySet: JwksKeySet | undefined;
  issuer: string | undefined;
  audience: string | undefined;
  /** The claim naming the user (AUTH_JWT_USER_CLAIM): `sub`, or `user_id` for Spree 5. */
  userClaim: string;
}

const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256'];
/** Contract 2: clocks may disagree by this much on exp, nbf and iat. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** Bearer JWTs verified locally: an HS256 secret, or the keys of a JWKS. */
export function createJwtVerifier({ secret, keySet, issuer, audience, userClaim }: JwtVerifierOptions): TokenResolver {
  // Imported once: jose would otherwise import the raw bytes as a key on every verification.
  const hmacKey =
    secret === undefined
      ? undefined
      : crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const claims: JWTVerifyOptions = { issuer, audience, requiredClaims: ['exp'], clockTolerance: CLOCK_TOLERANCE_SECONDS };

  const verify = async (token: string): Promise<JWTPayload> => {
    const { alg, kid } = decodeProtectedHeader(token);
    if (alg === 'HS256' && hmacKey) return (await jwtVerify(token, await hmacKey, { ...claims, algorithms: ['HS256'] })).payload;
    if (alg && ASYMMETRIC_ALGORITHMS.includes(alg) && keySet) {
      // Checked before any key lookup, so that junk never makes the JWKS be fetched.
      if (!keySet.knows(kid)) assertWorthAFetch(token);
      return (await jwtVerify(token, keySet.getKey, { ...claims, algorithms: ASYMMETRIC_ALGORITHMS })).payload;
    }
    throw new UnauthenticatedError(`Bearer tokens signed with ${alg ?? 'no algorithm'} are not accepted here.`);
  };

  return async (token) => {
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (error) {
      if (error instanceof AuthUnavailableError) throw error;
      throw new UnauthenticatedError(describeRejection(error), { cause: error });
    }
    const userId = userIdFrom(payload[userClaim]);
    if (userId === undefined) throw new UnauthenticatedError(`The bearer token has no usable user id (${userClaim}).`);
    return {
      userId,
      email: textClaim(payload.email),
      name: textClaim(payload.name),
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
    };
  };
}

/** A token that could only be verified by fetching keys must at least look like a live JWT. */
function assertWorthAFetch(token: string): void {
  const { exp } = decodeJwt(token);
  if (typeof exp !== 'number') throw new joseErrors.JWTClaimValidationFailed('missing required "exp" claim', {}, 'exp', 'missing');
  if (exp * 1000 < Date.now() - CLOCK_TOLERANCE_SECONDS * 1000) throw new joseErrors.JWTExpired('"exp" claim timestamp check failed', {});
}

function describeRejection(error: unknown): string {
  if (error instanceof UnauthenticatedError) return error.message;
  if (error instanceof joseErrors.JWTExpired) return 'The bearer token has expired.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return error.reason === 'missing'
      ? `The bearer token has no ${error.claim} claim.`
      : `The bearer token's ${error.claim} claim is not accepted.`;
  }
  return 'The bearer token could not be verified.';
}
