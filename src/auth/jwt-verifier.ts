import { createVerifier, TokenError } from 'fast-jwt';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { AuthUnavailableError, UnauthenticatedError } from '../core/errors.js';
import type { JwksKeySet } from './jwks-key-set.js';
import type { TokenResolver } from './token-resolver.js';
import { identityFromClaims } from './user-id.js';

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
/**
 * Verified HS256 tokens kept (under a hash of the token, by fast-jwt) until their `exp`: a client
 * sends one token for many calls, and each repeat then costs a hash instead of an HMAC, a JSON
 * parse and the claim checks. An entry never outlives the token, nor this much time. A miss
 * costs fast-jwt some 7 µs of CPU against 3 for a hit, so a small cache does: its memory stays
 * flat however many users sign in.
 */
export const VERIFIED_TOKEN_CACHE_ENTRIES = 1_000;
const VERIFIED_TOKEN_CACHE_TTL_MS = 10 * 60 * 1000;

/** Bearer JWTs verified locally: an HS256 secret, or the keys of a JWKS. */
export function createJwtVerifier({ secret, keySet, issuer, audience, userClaim }: JwtVerifierOptions): TokenResolver {
  // HS256 through fast-jwt: synchronous node:crypto HMAC and a verified-token cache. jose (below)
  // keeps the JWKS keys, whose fetching and rotation it handles.
  const verifyHmac =
    secret === undefined
      ? undefined
      : createVerifier({
          key: secret,
          algorithms: ['HS256'],
          // fast-jwt checks iss and aud only when present: configured, they are required (as jose requires them).
          requiredClaims: ['exp', ...(issuer === undefined ? [] : ['iss']), ...(audience === undefined ? [] : ['aud'])],
          ...(issuer !== undefined && { allowedIss: issuer }),
          ...(audience !== undefined && { allowedAud: audience }),
          clockTolerance: CLOCK_TOLERANCE_SECONDS * 1000,
          cache: VERIFIED_TOKEN_CACHE_ENTRIES,
          cacheTTL: VERIFIED_TOKEN_CACHE_TTL_MS,
        });
  const claims: JWTVerifyOptions = { issuer, audience, requiredClaims: ['exp'], clockTolerance: CLOCK_TOLERANCE_SECONDS };

  const verify = async (token: string): Promise<JWTPayload> => {
    // Without a JWKS every token must be HS256: fast-jwt refuses any other algorithm itself.
    if (verifyHmac && !keySet) return verifyHmac(token) as JWTPayload;
    const { alg, kid } = decodeProtectedHeader(token);
    if (alg === 'HS256' && verifyHmac) return verifyHmac(token) as JWTPayload;
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
      assertIssuedInThePast(payload);
    } catch (error) {
      if (error instanceof AuthUnavailableError) throw error;
      throw new UnauthenticatedError(describeRejection(error), { cause: error });
    }
    return identityFromClaims(payload, userClaim, 'The bearer token');
  };
}

/**
 * Contract 6.16: a token issued more than the clock skew ahead of now is refused. Neither fast-jwt
 * nor jose checks `iat` (only its type, and its age when a maximum is set).
 */
function assertIssuedInThePast({ iat }: JWTPayload): void {
  if (iat === undefined) return;
  if (typeof iat !== 'number' || !Number.isFinite(iat) || iat > Date.now() / 1000 + CLOCK_TOLERANCE_SECONDS) {
    throw new joseErrors.JWTClaimValidationFailed('"iat" claim timestamp check failed (it is in the future)', {}, 'iat', 'check_failed');
  }
}

/** A token that could only be verified by fetching keys must at least look like a live JWT. */
function assertWorthAFetch(token: string): void {
  const { exp } = decodeJwt(token);
  if (typeof exp !== 'number') throw new joseErrors.JWTClaimValidationFailed('missing required "exp" claim', {}, 'exp', 'missing');
  if (exp * 1000 < Date.now() - CLOCK_TOLERANCE_SECONDS * 1000) throw new joseErrors.JWTExpired('"exp" claim timestamp check failed', {});
}

function describeRejection(error: unknown): string {
  if (error instanceof UnauthenticatedError) return error.message;
  if (error instanceof TokenError) return describeTokenError(error);
  if (error instanceof joseErrors.JWTExpired) return 'The bearer token has expired.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return error.reason === 'missing'
      ? `The bearer token has no ${error.claim} claim.`
      : `The bearer token's ${error.claim} claim is not accepted.`;
  }
  return 'The bearer token could not be verified.';
}

/** fast-jwt's verdicts, in the words jose's get above. */
function describeTokenError(error: TokenError): string {
  const claim = /The (\w+) claim/.exec(error.message)?.[1];
  switch (error.code) {
    case TokenError.codes.expired:
      return 'The bearer token has expired.';
    case TokenError.codes.missingRequiredClaim:
      return `The bearer token has no ${claim ?? 'required'} claim.`;
    case TokenError.codes.invalidClaimType:
    case TokenError.codes.invalidClaimValue:
    case TokenError.codes.inactive:
      return `The bearer token's ${claim ?? 'nbf'} claim is not accepted.`;
    case TokenError.codes.invalidAlgorithm:
      return 'Bearer tokens signed with this algorithm are not accepted here.';
    default:
      return 'The bearer token could not be verified.';
  }
}
