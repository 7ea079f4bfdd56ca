import express, { type Express, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { createAuthenticator } from './auth/authenticator.js';
import { ConfigError, type GatewayConfig } from './config/config.js';
import { startupWarnings } from './config/warnings.js';
import type { StripeEmulator } from './emulator/index.js';
import { createGraphQLServer } from './graphql/yoga.js';
import { corsPolicy } from './http/cors.js';
import { graphqlBodyLimit } from './graphql/body-limit.js';
import { graphiqlOptions } from './graphql/graphiql.js';
import { graphiqlRoute } from './graphql/graphiql-route.js';
import { healthRouter } from './http/health.js';
import { indexRouter } from './http/index-page.js';
import { sandboxFaultsRouter } from './http/sandbox-faults.js';
import { GatewayMetrics, metricsRouter } from './http/metrics.js';
import { createGuestRateLimiter } from './limits/guest-rate-limiter.js';
import { requestContext } from './http/request-context.js';
import { CLIENT_IDEMPOTENCY_WINDOW_MS } from './resolvers/idempotency.js';
import type { GatewayServices } from './resolvers/services.js';
import { sendJsonApi } from './rest/json-api.js';
import { openapiRouter } from './rest/openapi.js';
import { setupIntentsRouter } from './rest/setup-intents.js';
import type { CustomerStore } from './store/customer-store.js';
import { openStore } from './store/open-store.js';
import { accountScopeResolver } from './stripe/account-scope.js';
import { createStripeClient } from './stripe/client.js';
import { tracingHooks } from './tracing/hooks.js';

export interface GatewayApp {
  handler: Express;
  services: GatewayServices;
  /** Releases what the app holds (the store); the HTTP server is the caller's. */
  close(): Promise<void>;
}

export interface BuildOptions {
  /** Sandbox mode's emulator: enables POST /_sandbox/faults. Refused outside sandbox mode. */
  emulator?: StripeEmulator | undefined;
}

/** The composition root: the whole gateway from one config object. */
export async function buildApp(config: GatewayConfig, logger: Logger, { emulator }: BuildOptions = {}): Promise<GatewayApp> {
  const { secretKey, apiBase, ephemeralKeyVersion, timeoutMs } = config.stripe;
  if (!secretKey) throw new ConfigError('STRIPE_SECRET_KEY', 'required outside sandbox mode');
  // Fault injection must never sit in front of a real Stripe account.
  if (emulator && !config.sandbox) throw new Error('the sandbox emulator is only for sandbox mode');
  for (const warning of startupWarnings(config)) logger.warn(warning);
  const tracing = await tracingHooks(config.tracing.enabled);
  const stripe = createStripeClient({ secretKey, timeoutMs, apiBase, traced: config.tracing.enabled });
  const store = await openStore(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    onIdleError: (error) => logger.warn({ err: error }, 'an idle database connection failed; the pool replaces it'),
  });
  const metrics = new GatewayMetrics();
  metrics.watchStripe(stripe);
  const guestRateLimiter = await createGuestRateLimiter({
    perMinute: config.limits.guestRateLimitPerMinute,
    redisUrl: config.limits.redisUrl,
    keyPrefix: config.limits.redisKeyPrefix,
  });
  const services: GatewayServices = {
    stripe,
    // Traced for the calls a request makes; probes (/ready) and the sweep stay out of traces.
    store: tracing.store(store, config.databaseUrl),
    accountScope: accountScopeResolver(stripe, secretKey),
    ephemeralKeyVersion,
    allowGuests: config.auth.allowGuests,
    guestRateLimiter,
    requestDeadlineMs: config.limits.requestDeadlineMs,
    metrics,
    logger,
  };
  const sweep = sweepExpiredIdempotencyKeys(store, logger);
  const authenticate = tracing.authenticate(createAuthenticator(config.auth));
  const yoga = createGraphQLServer({
    services,
    authenticate,
    logger,
    plugins: tracing.graphqlPlugins,
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxyHops);
  app.use(requestContext(logger));
  app.use(metrics.httpMiddleware());
  if (config.corsOrigins.length > 0) app.use(corsPolicy(config.corsOrigins));
  app.use(healthRouter(store));
  app.use(indexRouter({ sandbox: config.sandbox, graphiql: config.graphiql, metrics: config.metrics }));
  if (config.metrics) app.use(metricsRouter(metrics));
  app.use(setupIntentsRouter(services, authenticate));
  app.use(openapiRouter());
  if (emulator) app.use(sandboxFaultsRouter(emulator));
  if (config.graphiql) {
    app.use(yoga.graphqlEndpoint, graphiqlRoute(graphiqlOptions({ sandbox: config.sandbox, token: config.sandboxToken })));
  }
  app.use(yoga.graphqlEndpoint, ...graphqlBodyLimit(), (req: Request, res: Response) => yoga(req, res, { req, res }));
  app.use((req, res) => {
    sendJsonApi(res, 404, { error: `No route for ${req.method} ${req.path}.` });
  });
  return {
    handler: app,
    services,
    close: async () => {
      clearInterval(sweep);
      await guestRateLimiter.close();
      await store.close();
    },
  };
}

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** Idempotency records live their 24 hours, then at most until the next hourly sweep. */
function sweepExpiredIdempotencyKeys(store: CustomerStore, logger: Logger): NodeJS.Timeout {
  return setInterval(() => {
    store
      .purgeIdempotencyKeys(new Date(Date.now() - CLIENT_IDEMPOTENCY_WINDOW_MS))
      .catch((error: unknown) => logger.warn({ err: error }, 'could not purge expired idempotency keys'));
  }, SWEEP_INTERVAL_MS).unref();
}
