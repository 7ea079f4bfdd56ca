import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { SANDBOX_JWT_SECRET } from './auth/dev-token.js';
import { ConfigError, type GatewayConfig } from './config/config.js';
import {
  DEFAULT_EMULATOR_PUBLISHABLE_KEY,
  DEFAULT_EMULATOR_SECRET_KEY,
  startStripeEmulator,
  type StripeEmulator,
} from './emulator/index.js';
import { STRIPE_WEBHOOK_PATH } from './webhooks/router.js';

export interface Sandbox {
  config: GatewayConfig;
  emulator: StripeEmulator;
  /** Once the gateway listens: the emulator signs and sends its events to the gateway's own webhook endpoint. */
  deliverWebhooksTo(gatewayUrl: string): void;
}

/**
 * Sandbox mode: no STRIPE_SECRET_KEY, so the gateway talks to its own Stripe emulator and, unless
 * AUTH_JWT_SECRET is set, accepts tokens signed with the public development secret. The emulator
 * and the gateway share a webhook secret made for this run, so the whole loop (save a card,
 * webhooks, list, detach) works with no Stripe account.
 */
export async function enterSandboxMode(config: GatewayConfig, logger: Logger): Promise<Sandbox> {
  if (config.production) {
    throw new ConfigError('STRIPE_SECRET_KEY', 'required when NODE_ENV=production (sandbox mode is refused)');
  }
  const emulator = await startStripeEmulator({
    secretKeys: [DEFAULT_EMULATOR_SECRET_KEY],
    publishableKeys: [DEFAULT_EMULATOR_PUBLISHABLE_KEY],
  });
  const webhookSecrets =
    config.webhooks.secrets.length > 0 ? config.webhooks.secrets : [`whsec_${randomBytes(24).toString('base64url')}`];
  const devSecret = config.auth.jwtSecret === undefined;
  logger.warn(
    { stripeApiBase: emulator.url, publishableKey: DEFAULT_EMULATOR_PUBLISHABLE_KEY },
    'SANDBOX MODE: no STRIPE_SECRET_KEY, so Stripe calls go to the built-in emulator; nothing reaches Stripe. ' +
      'Clients confirm SetupIntents there with the publishable key and the client secret, e.g. with the test card pm_card_visa: ' +
      `curl ${emulator.url}/v1/setup_intents/SETI_ID/confirm -u ${DEFAULT_EMULATOR_PUBLISHABLE_KEY}: ` +
      '-d payment_method=pm_card_visa -d client_secret=SETI_CLIENT_SECRET',
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
      stripe: {
        ...config.stripe,
        secretKey: DEFAULT_EMULATOR_SECRET_KEY,
        apiBase: new URL(emulator.url),
        // The emulator's own: a real publishable key would send clients to Stripe.
        publishableKey: DEFAULT_EMULATOR_PUBLISHABLE_KEY,
      },
      webhooks: { ...config.webhooks, secrets: webhookSecrets },
      auth: { ...config.auth, jwtSecret: config.auth.jwtSecret ?? SANDBOX_JWT_SECRET },
    },
    deliverWebhooksTo: (gatewayUrl) => {
      const url = `${gatewayUrl}${STRIPE_WEBHOOK_PATH}`;
      emulator.addWebhookEndpoint({ url, secret: webhookSecrets[0]! });
      logger.info({ url }, 'SANDBOX MODE: the emulator delivers signed webhook events to the gateway');
    },
  };
}
