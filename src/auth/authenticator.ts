import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { UnauthenticatedError } from '../resolvers/errors.js';
import { GUEST, type Viewer } from './viewer.js';

export interface AuthOptions {
  jwtSecret: string | undefined;
  jwksUrl: URL | undefined;
  issuer: string | undefined;
  audience: string | undefined;
  /** How soon after one fetch of the key set another may happen (jose's default: 30 s). */
  jwksCooldownMs?: number;
}

/** Reads the `Authorization` header; no header is a guest, a bad one is never downgraded to guest. */
export type Authenticate = (authorization: string | null | undefined) => Promise<Viewer>;

const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256'];
// Stripe metadata values hold at most 500 characters.
const MAX_SUBJECT_LENGTH = 500;

export function createAuthenticator({ jwtSecret, jwksUrl, issuer, audience, jwksCooldownMs }: AuthOptions): Authenticate {
  // Imported once: jose would otherwise import the raw bytes as a key on every verification.
  const secret =
    jwtSecret === undefined
      ? undefined
      : crypto.subtle.importKey('raw', new TextEncoder().encode(jwtSecret), { name: 'HMAC', hash: 'SHA-256' }, false, [
          'verify',
        ]);
  // jose caches the key set and refetches it when a token names an unknown kid, at most once per cooldown.
  const keySet =
    jwksUrl === undefined
      ? undefined
      : createRemoteJWKSet(jwksUrl, jwksCooldownMs === undefined ? {} : { cooldownDuration: jwksCooldownMs });
  const claims = { issuer, audience, requiredClaims: ['sub'] };

  const verify = async (token: string): Promise<JWTPayload> => {
    const { alg } = decodeProtectedHeader(token);
    if (alg === 'HS256' && secret) return (await jwtVerify(token, await secret, { ...claims, algorithms: ['HS256'] })).payload;
    if (alg && ASYMMETRIC_ALGORITHMS.includes(alg) && keySet) {
      return (await jwtVerify(token, keySet, { ...claims, algorithms: ASYMMETRIC_ALGORITHMS })).payload;
    }
    throw new UnauthenticatedError(`Bearer tokens signed with ${alg ?? 'no algorithm'} are not accepted here.`);
  };

  return async (authorization) => {
    if (authorization === null || authorization === undefined || authorization === '') return GUEST;
    const token = /^Bearer +([A-Za-z0-9_\-.]+)$/.exec(authorization)?.[1];
    if (!token) throw new UnauthenticatedError('The Authorization header must be "Bearer <JWT>".');
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (error) {
      throw new UnauthenticatedError(describeRejection(error), { cause: error });
    }
    const { sub, email, name } = payload;
    if (typeof sub !== 'string' || sub === '' || sub.length > MAX_SUBJECT_LENGTH) {
      throw new UnauthenticatedError('The bearer token has no usable subject (sub).');
    }
    return {
      kind: 'user',
      userId: sub,
      email: typeof email === 'string' ? email : undefined,
      name: typeof name === 'string' ? name : undefined,
    };
  };
}

function describeRejection(error: unknown): string {
  if (error instanceof UnauthenticatedError) return error.message;
  if (error instanceof joseErrors.JWTExpired) return 'The bearer token has expired.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The bearer token's ${error.claim} claim is not accepted.`;
  return 'The bearer token could not be verified.';
}
