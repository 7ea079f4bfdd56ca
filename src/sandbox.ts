import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { mintToken, SANDBOX_JWT_SECRET } from './auth/dev-token.js';
import { ConfigError, type GatewayConfig } from './config/config.js';
import {
  DEFAULT_EMULATOR_PUBLISHABLE_KEY,
  DEFAULT_EMULATOR_SECRET_KEY,
  startStripeEmulator,
  type StripeEmulator,
} from './emulator/index.js';
import { LOCAL_DEVELOPMENT_ORIGINS } from './http/cors.js';
import { STRIPE_WEBHOOK_PATH } from './webhooks/router.js';

export interface Sandbox {
  config: GatewayConfig;
  emulator: StripeEmulator;
  /** Once the gateway listens: the emulator signs and sends its events to the gateway's own webhook endpoint. */
  deliverWebhooksTo(gatewayUrl: string): void;
}

/** The user GraphiQL signs in as, the one `npm run token -- --sub user_1` mints a token for. */
export const SANDBOX_USER = { sub: 'user_1', email: 'a@example.com' };
/** Minted at each start: a session of GraphiQL never meets an expired token. */
const SANDBOX_TOKEN_LIFETIME = '365d';

/**
 * Sandbox mode: no STRIPE_SECRET_KEY, so the gateway talks to its own Stripe emulator and, unless
 * AUTH_JWT_SECRET is set, accepts tokens signed with the public development secret. The emulator
 * and the gateway share a webhook secret made for this run, so the whole loop (save a card,
 * webhooks, list, detach) works with no Stripe account. The emulator keeps its state in a file
 * beside the SQLite database, so customers outlive restarts.
 */
export async function enterSandboxMode(config: GatewayConfig, logger: Logger): Promise<Sandbox> {
  if (config.production) {
    throw new ConfigError('STRIPE_SECRET_KEY', 'required when NODE_ENV=production (sandbox mode is refused)');
  }
  const statePath = emulatorStatePath(config.databaseUrl);
  const emulator = await startStripeEmulator({
    secretKeys: [DEFAULT_EMULATOR_SECRET_KEY],
    publishableKeys: [DEFAULT_EMULATOR_PUBLISHABLE_KEY],
    statePath,
  });
  const webhookSecrets =
    config.webhooks.secrets.length > 0 ? config.webhooks.secrets : [`whsec_${randomBytes(24).toString('base64url')}`];
  const devSecret = config.auth.jwtSecret === undefined;
  const jwtSecret = config.auth.jwtSecret ?? SANDBOX_JWT_SECRET;
  logger.warn(
    { stripeApiBase: emulator.url, publishableKey: DEFAULT_EMULATOR_PUBLISHABLE_KEY, emulatorState: statePath ?? 'in memory' },
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
  const corsOrigins = config.corsOrigins.length > 0 ? config.corsOrigins : LOCAL_DEVELOPMENT_ORIGINS;
  logger.info(
    {
      guestRateLimitPerMinute: config.limits.guestRateLimitPerMinute,
      corsOrigins: corsOrigins.map(String),
    },
    'SANDBOX MODE: GraphiQL opens signed in as user_1; decline the next card confirmed with ' +
      'POST /_sandbox/faults {"fault":"card_declined"}',
  );
  return {
    emulator,
    config: {
      ...config,
      sandbox: true,
      corsOrigins,
      sandboxToken: await mintToken(SANDBOX_USER, {
        secret: jwtSecret,
        issuer: config.auth.issuer,
        audience: config.auth.audience,
        expiresIn: SANDBOX_TOKEN_LIFETIME,
      }),
      stripe: {
        ...config.stripe,
        secretKey: DEFAULT_EMULATOR_SECRET_KEY,
        apiBase: new URL(emulator.url),
        // The emulator's own: a real publishable key would send clients to Stripe.
        publishableKey: DEFAULT_EMULATOR_PUBLISHABLE_KEY,
      },
      webhooks: { ...config.webhooks, secrets: webhookSecrets },
      stores: config.stores.map((store) => ({
        ...store,
        stripe: {
          ...store.stripe,
          secretKey: DEFAULT_EMULATOR_SECRET_KEY,
          publishableKey: DEFAULT_EMULATOR_PUBLISHABLE_KEY,
          webhookSecrets: store.stripe.webhookSecrets.length > 0 ? store.stripe.webhookSecrets : webhookSecrets,
        },
      })),
      auth: { ...config.auth, jwtSecret },
    },
    deliverWebhooksTo: (gatewayUrl) => {
      const url = `${gatewayUrl}${STRIPE_WEBHOOK_PATH}`;
      emulator.addWebhookEndpoint({ url, secret: webhookSecrets[0]! });
      logger.info({ url }, 'SANDBOX MODE: the emulator delivers signed webhook events to the gateway');
    },
  };
}

/** Beside the SQLite database (`data/stripe-emulator.json` by default); in memory for `:memory:`. */
export function emulatorStatePath(databaseUrl: string): string | undefined {
  if (!databaseUrl.startsWith('sqlite:')) return join('data', 'stripe-emulator.json');
  const path = databaseUrl.slice('sqlite:'.length);
  return path === ':memory:' ? undefined : join(dirname(path), 'stripe-emulator.json');
}
