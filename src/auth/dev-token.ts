import { SignJWT } from 'jose';

/**
 * Sandbox mode's signing secret when AUTH_JWT_SECRET is unset. Public on purpose: it only
 * ever guards the built-in emulator, and production refuses sandbox mode.
 */
export const SANDBOX_JWT_SECRET = 'stripe-setup-gateway-sandbox-secret-not-for-production';

export interface TokenClaims {
  sub: string;
  email?: string | undefined;
  name?: string | undefined;
}

export interface SigningOptions {
  secret: string;
  issuer?: string | undefined;
  audience?: string | undefined;
  expiresIn?: string;
}

/** An HS256 token as the gateway verifies it (used by `npm run token` and the tests). */
export async function mintToken(claims: TokenClaims, { secret, issuer, audience, expiresIn = '1h' }: SigningOptions) {
  const jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  if (issuer) jwt.setIssuer(issuer);
  if (audience) jwt.setAudience(audience);
  return jwt.setExpirationTime(expiresIn).sign(new TextEncoder().encode(secret));
}
