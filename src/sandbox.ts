import type { Logger } from 'pino';
import { SANDBOX_JWT_SECRET } from './auth/dev-token.js';
import { ConfigError, type GatewayConfig } from './config/config.js';
import { DEFAULT_EMULATOR_SECRET_KEY, startStripeEmulator, type StripeEmulator } from './emulator/index.js';

export interface Sandbox {
  config: GatewayConfig;
  emulator: StripeEmulator;
}

/**
 * Sandbox mode: no STRIPE_SECRET_KEY, so the gateway talks to its own Stripe emulator and, unless
 * AUTH_JWT_SECRET is set, accepts tokens signed with the public development secret.
 */
export async function enterSandboxMode(config: GatewayConfig, logger: Logger): Promise<Sandbox> {
  if (config.production) {
    throw new ConfigError('STRIPE_SECRET_KEY', 'required when NODE_ENV=production (sandbox mode is refused)');
  }
  const emulator = await startStripeEmulator({ secretKeys: [DEFAULT_EMULATOR_SECRET_KEY] });
  const devSecret = config.auth.jwtSecret === undefined;
  logger.warn(
    { stripeApiBase: emulator.url },
    'SANDBOX MODE: no STRIPE_SECRET_KEY, so Stripe calls go to the built-in emulator; nothing reaches Stripe',
  );
  if (devSecret) {
    logger.warn(
      'SANDBOX MODE: AUTH_JWT_SECRET is unset, so bearer tokens are checked against the public development secret. ' +
        'Mint one with: npm run token -- --sub user_1 --email a@example.com',
    );
  }
  return {
    emulator,
    config: {
      ...config,
      sandbox: true,
      stripe: { ...config.stripe, secretKey: DEFAULT_EMULATOR_SECRET_KEY, apiBase: new URL(emulator.url) },
      auth: { ...config.auth, jwtSecret: config.auth.jwtSecret ?? SANDBOX_JWT_SECRET },
    },
  };
}
