import express, { type Express, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { buildAuthenticator } from './auth/build-authenticator.js';
import { ConfigError, type GatewayConfig } from './config/config.js';
import { startupWarnings } from './config/warnings.js';
import type { StripeEmulator } from './emulator/index.js';
import { createGraphQLServer } from './graphql/yoga.js';
import { corsPolicy } from './http/cors.js';
import { graphqlBodyLimit } from './graphql/body-limit.js';
import { graphiqlOptions } from './graphql/graphiql.js';
import { graphiqlRoute } from './graphql/graphiql-route.js';
import { jsonBodiesOnly } from './graphql/json-only.js';
import { healthRouter } from './http/health.js';
import { docsRouter, readDocsIndex } from './http/docs-route.js';
import { describeGateway, indexRouter } from './http/index-page.js';
import { sandboxFaultsRouter } from './http/sandbox-faults.js';
import { GatewayMetrics, metricsRouter } from './http/metrics.js';
import { BudgetStore } from './limits/budget-store.js';
import { createCallBudgets } from './limits/call-budgets.js';
import { createRefusedTokenBudget } from './limits/refused-token-budget.js';
import { requestContext } from './http/request-context.js';
import { securityHeaders } from './http/security-headers.js';
import { unexpectedError } from './http/unexpected-error.js';
import type { GatewayServices } from './resolvers/services.js';
import { sendJsonApi } from './rest/json-api.js';
import { openapiRouter } from './rest/openapi.js';
import { SETUP_INTENTS_PATH, setupIntentsRouter } from './rest/setup-intents.js';
import type { StoreHealthWatcher } from './store/guarded-store.js';
import { openStore } from './store/open-store.js';
import { sweepExpiredRecords } from './store/sweep.js';
import { accountScopeResolver } from './stripe/account-scope.js';
import { createStripeClient, stripeMode } from './stripe/client.js';
import { tracingHooks } from './tracing/hooks.js';
import { STRIPE_WEBHOOK_PATH, webhooksRouter } from './webhooks/router.js';

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
  const metrics = new GatewayMetrics();
  const store = await openStore(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    timeoutMs: config.databaseTimeoutMs,
    onIdleError: (error) => logger.warn({ err: error }, 'an idle database connection failed; the pool replaces it'),
    health: storeHealthLog(logger, metrics),
  });
  metrics.watchStripe(stripe);
  const accountScope = accountScopeResolver(stripe, secretKey);
  // One Redis connection (or memory) for every budget: one fallback, logged and counted once.
  const budgetStore = await BudgetStore.open({
    redisUrl: config.limits.redisUrl,
    requestDeadlineMs: config.limits.requestDeadlineMs,
    logger,
    metrics,
  });
  const callBudgets = await createCallBudgets({
    store: budgetStore,
    guestPerMinute: config.limits.guestRateLimitPerMinute,
    userPerMinute: config.limits.userRateLimitPerMinute,
    redisUrl: config.limits.redisUrl,
    keyPrefix: config.limits.redisKeyPrefix,
    requestDeadlineMs: config.limits.requestDeadlineMs,
    accountScope,
    logger,
    metrics,
  });
  const services: GatewayServices = {
    stripe,
    // Traced for the calls a request makes; probes (/ready) and the sweep stay out of traces.
    store: tracing.store(store, config.databaseUrl),
    accountScope,
    installationId: await store.installationId(),
    publishableKey: config.stripe.publishableKey,
    ephemeralKeyVersion,
    allowGuests: config.auth.allowGuests,
    callBudgets,
    requestDeadlineMs: config.limits.requestDeadlineMs,
    metrics,
    logger,
  };
  const sweep = sweepExpiredRecords(store, logger);
  const authenticate = tracing.authenticate(
    buildAuthenticator(config.auth, {
      logger,
      metrics,
      requestDeadlineMs: config.limits.requestDeadlineMs,
      refusals: createRefusedTokenBudget(budgetStore, {
        perMinute: config.auth.failureRateLimitPerMinute,
        keyPrefix: config.limits.redisKeyPrefix,
        onLimited: () => metrics.countRefusedTokensLimited(),
      }),
    }),
  );
  const yoga = createGraphQLServer({
    services,
    authenticate,
    introspection: config.graphqlIntrospection,
    logger,
    plugins: tracing.graphqlPlugins,
  });
  // Exactly the endpoint: `/GRAPHQL` and `/graphql/x` fall through to the JSON 404 below.
  const graphql = express.Router({ caseSensitive: true, strict: true });
  if (config.graphiql) {
    // GET with Accept: text/html is the page, compressed and cached; other requests go on to yoga.
    graphql.get(yoga.graphqlEndpoint, graphiqlRoute(graphiqlOptions({ sandbox: config.sandbox, token: config.sandboxToken })));
  }
  graphql.all(yoga.graphqlEndpoint, jsonBodiesOnly, ...graphqlBodyLimit(), (req: Request, res: Response) =>
    yoga(req, res, { req, res }),
  );

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxyHops);
  app.use(securityHeaders);
  app.use(requestContext(logger));
  app.use(metrics.httpMiddleware());
  if (config.corsOrigins.length > 0) app.use(corsPolicy(config.corsOrigins));
  app.use(healthRouter(store));
  const index = describeGateway({
    sandbox: config.sandbox,
    secretKey,
    apiBase,
    publishableKey: config.stripe.publishableKey,
    token: config.sandboxToken,
    graphqlPath: yoga.graphqlEndpoint,
    restPath: SETUP_INTENTS_PATH,
    webhookPath: config.webhooks.secrets.length > 0 ? STRIPE_WEBHOOK_PATH : undefined,
  });
  const docs = readDocsIndex();
  app.use(indexRouter({ index, graphiql: config.graphiql, metrics: config.metrics, docs }));
  app.use(docsRouter(docs));
  if (config.metrics) app.use(metricsRouter(metrics));
  if (config.webhooks.secrets.length > 0) {
    // One store, on the key's own account: no connected account yet, so events naming one are not ours.
    const origin = { livemode: stripeMode(secretKey) === 'live', account: undefined };
    app.use(webhooksRouter(services, { ...config.webhooks, origin }));
  }
  app.use(setupIntentsRouter(services, authenticate));
  app.use(openapiRouter());
  if (emulator) app.use(sandboxFaultsRouter(emulator));
  app.use(graphql);
  app.use((req, res) => {
    sendJsonApi(res, 404, { error: `No route for ${req.method} ${req.path}.` });
  });
  app.use(unexpectedError);
  return {
    handler: app,
    services,
    close: async () => {
      clearInterval(sweep);
      callBudgets.close();
      await store.close();
    },
  };
}

/** A database outage: one line when calls start failing, one when it answers again; every failure counted. */
function storeHealthLog(logger: Logger, metrics: GatewayMetrics): StoreHealthWatcher {
  return {
    failed: (cause, changed) => {
      metrics.storeFailed();
      if (changed) logger.error({ err: cause }, 'the database cannot answer: calls that need it are answered 503 until it does');
    },
    recovered: () => {
      metrics.storeRecovered();
      logger.info('the database answers again');
    },
  };
}
