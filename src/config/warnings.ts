import type { GatewayConfig } from './config.js';

/**
 * Configurations that start but are probably not what the operator meant: one line each, logged
 * at start-up. Sandbox mode is exempt (it brings its own development secret).
 */
export function startupWarnings(config: GatewayConfig): string[] {
  const warnings: string[] = [];
  const { jwtSecret, jwksUrl, spreeUrl, introspection } = config.auth;
  // Any way of verifying bearer tokens: a JWT secret, a JWKS, Spree's own tokens, RFC 7662.
  const verifiesTokens = [jwtSecret, jwksUrl, spreeUrl, introspection].some((way) => way !== undefined);
  if (!config.sandbox && config.stripe.secretKey !== undefined && !verifiesTokens) {
    warnings.push(
      'STRIPE_SECRET_KEY is set but no bearer-token verification is configured (AUTH_JWT_SECRET, AUTH_JWKS_URL, ' +
        'AUTH_SPREE_URL or AUTH_INTROSPECTION_URL): every signed-in call will be refused with 401, only guests are served',
    );
  }
  if (config.auth.jwksUrl !== undefined && config.auth.issuer === undefined && config.auth.audience === undefined) {
    warnings.push(
      'AUTH_JWKS_URL is set without AUTH_JWT_ISSUER or AUTH_JWT_AUDIENCE: any token that JWKS signed is accepted, ' +
        'whoever it was issued for',
    );
  }
  // Either kind of token names a user by id alone: the same id from both is one shopper, with
  // one customer and its saved cards. Right only when both issuers share one user table.
  const jwtVariable = jwtSecret !== undefined ? 'AUTH_JWT_SECRET' : jwksUrl !== undefined ? 'AUTH_JWKS_URL' : undefined;
  const opaqueVariable = spreeUrl !== undefined ? 'AUTH_SPREE_URL' : introspection !== undefined ? 'AUTH_INTROSPECTION_URL' : undefined;
  if (!config.sandbox && jwtVariable && opaqueVariable) {
    warnings.push(
      `${jwtVariable} and ${opaqueVariable} are both set: user ids from either name users in one id space ` +
        '(user 7 of either is one shopper, with one Stripe customer and its saved cards); use both only when they share one user table',
    );
  }
  return warnings;
}
