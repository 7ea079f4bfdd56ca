import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { mintToken, SANDBOX_JWT_SECRET } from './auth/dev-token.js';
import { clientSetup } from './config/client-setup.js';
import { ConfigError, type GatewayConfig } from './config/config.js';
import { DEFAULT_EMULATOR_PUBLISHABLE_KEY, DEFAULT_EMULATOR_SECRET_KEY, type StripeEmulator } from './emulator/index.js';
import { LOCAL_DEVELOPMENT_ORIGINS } from './http/cors.js';
import { SANDBOX_FAULTS_PATH } from './http/sandbox-faults.js';
import { startSandboxEmulator } from './sandbox/sandbox-emulator.js';
import { emulatorAccountsOf, needsOwnAccounts, sandboxStoreAccounts } from './sandbox/store-accounts.js';
import { STRIPE_WEBHOOK_PATH } from './webhooks/router.js';

export interface Sandbox {
  /** The gateway's config with the sandbox's conveniences; `clientSetup(config)` is what GET / shows. */
  config: GatewayConfig;
  /** `emulator`: no STRIPE_SECRET_KEY; `stripe-test-mode`: SANDBOX=true with a test key. */
  stripe: 'emulator' | 'stripe-test-mode';
  /** The built-in emulator (enables POST /_sandbox/faults); undefined in Stripe's test mode. */
  emulator: StripeEmulator | undefined;
  /** Once the gateway listens: the emulator delivers its events to it, and the one sandbox line is logged. */
  listening(gatewayUrl: string): void;
  /** The emulator (its state saved) and where its state is kept. */
  close(): Promise<void>;
}

/** The user GraphiQL signs in as, the one `npm run token -- --sub user_1` mints a token for. */
export const SANDBOX_USER = { sub: 'user_1', email: 'a@example.com' };
/** Minted at each start: a session of GraphiQL never meets an expired token. */
const SANDBOX_TOKEN_LIFETIME = '365d';

/**
 * Sandbox mode, as config.sandboxStripe asks: with no STRIPE_SECRET_KEY the gateway talks to its
 * own Stripe emulator (on 127.0.0.1:SANDBOX_EMULATOR_PORT, its state kept beside the gateway's
 * data), and the emulator and the gateway share a webhook secret made for this run, so the whole
 * loop works with no Stripe account. With SANDBOX=true and a test key it talks to Stripe's test
 * mode, so Stripe.js and the mobile SDKs can finish the loop. Either way: unless AUTH_JWT_SECRET
 * is set, tokens signed with the public development secret are accepted; GraphiQL opens signed
 * in; local origins get CORS. Production refuses both (config refuses SANDBOX=true already).
 */
export async function enterSandboxMode(config: GatewayConfig, logger: Logger): Promise<Sandbox> {
  if (config.production) {
    throw new ConfigError('STRIPE_SECRET_KEY', 'required when NODE_ENV=production (sandbox mode is refused)');
  }
  const testMode = config.sandboxStripe === 'stripe-test-mode';
  // Each store its own emulator account (one store without a connected account: the default one).
  const storeAccounts = sandboxStoreAccounts(config.stores);
  const ownAccounts = needsOwnAccounts(storeAccounts);
  const started = testMode
    ? undefined
    : await startSandboxEmulator({
        databaseUrl: config.databaseUrl,
        databaseTimeoutMs: config.databaseTimeoutMs,
        port: config.sandboxEmulatorPort,
        onStateSaveError: (error) => logger.warn({ err: error }, 'the sandbox emulator could not save its state; it tries again'),
        ...(ownAccounts && { accounts: emulatorAccountsOf(storeAccounts) }),
      });
  const emulator = started?.emulator;
  const webhookSecrets =
    emulator === undefined || config.webhooks.secrets.length > 0
      ? config.webhooks.secrets
      : [`whsec_${randomBytes(24).toString('base64url')}`];
  const devSecret = config.auth.jwtSecret === undefined;
  const jwtSecret = config.auth.jwtSecret ?? SANDBOX_JWT_SECRET;
  const corsOrigins = config.corsOrigins.length > 0 ? config.corsOrigins : LOCAL_DEVELOPMENT_ORIGINS;
  let sandboxToken: string;
  try {
    sandboxToken = await mintToken(SANDBOX_USER, {
      secret: jwtSecret,
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      expiresIn: SANDBOX_TOKEN_LIFETIME,
    });
  } catch (error) {
    await started?.close();
    throw error;
  }
  const sandboxConfig: GatewayConfig = {
    ...config,
    sandbox: true,
    corsOrigins,
    sandboxToken,
    stripe: emulator
      ? {
          ...config.stripe,
          secretKey: DEFAULT_EMULATOR_SECRET_KEY,
          apiBase: new URL(emulator.url),
          // The emulator's own: a real publishable key would send clients to Stripe.
          publishableKey: DEFAULT_EMULATOR_PUBLISHABLE_KEY,
        }
      : config.stripe,
    webhooks: { ...config.webhooks, secrets: webhookSecrets },
    stores: emulator
      ? config.stores.map((store, index) => ({
          ...store,
          stripe: {
            ...store.stripe,
            secretKey: storeAccounts[index]!.secretKey,
            publishableKey: storeAccounts[index]!.publishableKey,
            webhookSecrets: store.stripe.webhookSecrets.length > 0 ? store.stripe.webhookSecrets : webhookSecrets,
          },
        }))
      : config.stores,
    auth: { ...config.auth, jwtSecret },
  };
  return {
    config: sandboxConfig,
    stripe: testMode ? 'stripe-test-mode' : 'emulator',
    emulator,
    listening: (gatewayUrl) => {
      const webhookUrl = `${gatewayUrl}${STRIPE_WEBHOOK_PATH}`;
      if (emulator && !ownAccounts) emulator.addWebhookEndpoint({ url: webhookUrl, secret: webhookSecrets[0]! });
      if (emulator && ownAccounts) {
        // Each store's events to its own path, signed with its secret; a Connect store's are its connected account's.
        for (const [index, store] of sandboxConfig.stores.entries()) {
          const account = emulator.accountOf(storeAccounts[index]!.secretKey);
          const secret = store.stripe.webhookSecrets[0];
          if (secret === undefined || account === undefined) continue;
          emulator.addWebhookEndpoint({
            url: `${webhookUrl}/${store.id}`,
            secret,
            account,
            ...(store.stripe.account !== undefined && { connect: true }),
          });
        }
      }
      const { stripeApiBase, publishableKey } = clientSetup(sandboxConfig);
      logger.warn(
        {
          stripeApiBase,
          publishableKey,
          ...(started && { emulatorState: started.stateDescription }),
          ...(webhookSecrets.length > 0 && { webhookUrl }),
          developmentJwtSecret: devSecret,
          guestRateLimitPerMinute: config.limits.guestRateLimitPerMinute,
          corsOrigins: corsOrigins.map(String),
        },
        sandboxLine({
          gatewayUrl,
          stripeApiBase,
          publishableKey: publishableKey ?? '',
          emulator: !testMode,
          devSecret,
          graphiql: config.graphiql,
          localCors: config.corsOrigins.length === 0,
        }),
      );
    },
    close: async () => {
      await started?.close();
    },
  };
}

/** Contract 3: one prominent line says it all (where Stripe calls go, with which key, how to sign in). */
function sandboxLine(o: {
  gatewayUrl: string;
  stripeApiBase: string;
  publishableKey: string;
  emulator: boolean;
  devSecret: boolean;
  graphiql: boolean;
  localCors: boolean;
}): string {
  const where = o.emulator
    ? `SANDBOX MODE: no STRIPE_SECRET_KEY, so Stripe calls go to the built-in emulator at ${o.stripeApiBase} ` +
      `(publishable key ${o.publishableKey}); nothing reaches Stripe.`
    : `SANDBOX MODE: SANDBOX=true, so Stripe calls go to Stripe's test mode at ${o.stripeApiBase} ` +
      `(publishable key ${o.publishableKey}), with the sandbox's conveniences.`;
  const tokens = o.devSecret
    ? 'AUTH_JWT_SECRET is unset, so tokens signed with the public development secret are accepted: npm run token -- --sub user_1.'
    : 'Mint a token signed with AUTH_JWT_SECRET: npm run token -- --sub user_1.';
  const graphiql = o.graphiql ? ` GraphiQL at ${o.gatewayUrl}/graphql opens signed in as user_1.` : '';
  const faults = o.emulator ? ` Make the next Stripe call fail: POST ${SANDBOX_FAULTS_PATH} {"fault":"card_declined"}.` : '';
  const cors = o.localCors ? ' Browsers on localhost may call it (CORS).' : '';
  return `${where} ${tokens}${graphiql}${cors}${faults}`;
}
