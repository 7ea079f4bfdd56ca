import { createHmac, timingSafeEqual } from 'node:crypto';

export interface BearerUser {
  sub: string;
  email?: string;
  name?: string;
}

export type BearerOutcome = { kind: 'guest' } | { kind: 'user'; user: BearerUser } | { kind: 'invalid' };

/**
 * The baselines' authentication: the same HS256 bearer tokens the gateway accepts, checked the
 * cheapest correct way (one HMAC, the expiry, a subject) with node:crypto instead of jose.
 */
export function bearerUser(authorization: string | undefined, secret: string): BearerOutcome {
  if (!authorization) return { kind: 'guest' };
  const token = authorization.startsWith('Bearer ') ? authorization.slice(7) : '';
  const [header, payload, signature] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined) return { kind: 'invalid' };
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { kind: 'invalid' };
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) return { kind: 'invalid' };
  if (typeof claims.sub !== 'string' || claims.sub === '') return { kind: 'invalid' };
  return {
    kind: 'user',
    user: {
      sub: claims.sub,
      ...(typeof claims.email === 'string' && { email: claims.email }),
      ...(typeof claims.name === 'string' && { name: claims.name }),
    },
  };
}
