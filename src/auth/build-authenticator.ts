import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/config.js';
import type { GatewayMetrics } from '../http/metrics.js';
import { createAuthenticator, type Authenticate } from './authenticator.js';
import { createIntrospectionResolver } from './introspection.js';
import { DEFAULT_JWKS_COOLDOWN_MS, JwksKeySet } from './jwks-key-set.js';
import { createJwtVerifier } from './jwt-verifier.js';
import { ProviderHealth } from './provider-health.js';
import type { RefusalBudget } from './refusal-budget.js';
import { createSpreeAccountResolver } from './spree-account.js';
import { cacheTokenResolver, DEFAULT_OUTAGE_COOLDOWN_MS } from './token-cache.js';

export interface AuthenticatorDeps {
  logger: Logger;
  metrics: GatewayMetrics;
  /** REQUEST_DEADLINE_MS: an identity provider gets half of it, leaving the rest for Stripe. */
  requestDeadlineMs: number;
  /** AUTH_FAILURE_RATE_LIMIT_PER_MINUTE's budget; unset: refusals cost nothing. */
  refusals?: RefusalBudget | undefined;
}

/** Cooldowns and ages the environment does not set; tests shorten them. */
export interface AuthTuning {
  jwksCooldownMs?: number;
  jwksMaxAgeMs?: number;
  outageCooldownMs?: number;
}

/** The authenticator the configuration asks for: JWT verification and at most one opaque-token resolver. */
export function buildAuthenticator(
  auth: GatewayConfig['auth'],
  { logger, metrics, requestDeadlineMs, refusals }: AuthenticatorDeps,
  tuning: AuthTuning = {},
): Authenticate {
  const timeoutMs = Math.max(1, Math.floor(requestDeadlineMs / 2));
  const health = (provider: ProviderHealth['provider'], cooldownMs: number) =>
    new ProviderHealth(provider, logger, metrics, Math.ceil(cooldownMs / 1000));

  const jwksCooldownMs = tuning.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS;
  const keySet =
    auth.jwksUrl &&
    new JwksKeySet({
      url: auth.jwksUrl,
      timeoutMs,
      health: health('jwks', jwksCooldownMs),
      cooldownMs: jwksCooldownMs,
      maxAgeMs: tuning.jwksMaxAgeMs,
    });
  const jwt =
    auth.jwtSecret !== undefined || keySet
      ? createJwtVerifier({
          secret: auth.jwtSecret,
          keySet: keySet || undefined,
          issuer: auth.issuer,
          audience: auth.audience,
          userClaim: auth.userClaim,
        })
      : undefined;

  const outageCooldownMs = tuning.outageCooldownMs ?? DEFAULT_OUTAGE_COOLDOWN_MS;
  const opaque = auth.spreeUrl
    ? createSpreeAccountResolver({ storeUrl: auth.spreeUrl, timeoutMs, health: health('spree', outageCooldownMs) })
    : auth.introspection
      ? createIntrospectionResolver({
          ...auth.introspection,
          userClaim: auth.userClaim,
          timeoutMs,
          health: health('introspection', outageCooldownMs),
        })
      : undefined;

  return createAuthenticator({
    jwt,
    opaque: opaque && cacheTokenResolver(opaque, { ttlMs: auth.tokenCacheSeconds * 1000, outageCooldownMs }),
    refusals,
    metrics,
  });
}
