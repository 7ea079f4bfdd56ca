import express, { type Express, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import { buildAuthenticator } from './auth/build-authenticator.js';
import { ConfigError, type GatewayConfig } from './config/config.js';
import { DEFAULT_STORE_ID, type StoreConfig } from './config/stores.js';
import { startupWarnings } from './config/warnings.js';
import type { StripeEmulator } from './emulator/index.js';
import { createGraphQLServer } from './graphql/yoga.js';
import { selectGraphQLStore } from './graphql/select-store.js';
import { storeSelector } from './http/store-selection.js';
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
import { createBudgets, type Budgets } from './limits/budget.js';
import { BudgetStore } from './limits/budget-store.js';
import { createCallBudgets, type CallBudgets } from './limits/call-budgets.js';
import { createRefusedTokenBudget } from './limits/refused-token-budget.js';
import { requestContext } from './http/request-context.js';
import { securityHeaders } from './http/security-headers.js';
import { unexpectedError } from './http/unexpected-error.js';
import type { ServedStore } from './resolvers/served-store.js';
import { PaymentMethodListings } from './resolvers/payment-method-listings.js';
import type { GatewayServices } from './resolvers/services.js';
import { sendJsonApi } from './rest/json-api.js';
import { openapiRouter } from './rest/openapi.js';
import { SETUP_INTENTS_PATH, setupIntentsRouter } from './rest/setup-intents.js';
import type { CustomerStore } from './store/customer-store.js';
import type { StoreHealthWatcher } from './store/guarded-store.js';
import { openStore } from './store/open-store.js';
import { sweepExpiredRecords } from './store/sweep.js';
import { accountScopeResolver, storeScope } from './stripe/account-scope.js';
import { createStripeClient, stripeConnections, stripeMode } from './stripe/client.js';
import { probeStripeKey, startStripeKeyCheck, STRIPE_KEY_CHECK_INTERVAL_MS } from './stripe/key-check.js';
import { tracingHooks } from './tracing/hooks.js';
import { STRIPE_WEBHOOK_PATH, webhooksRouter, type StoreWebhookEndpoints, type StoreWebhooks } from './webhooks/router.js';

export interface GatewayApp {
  handler: Express;
  /** The first store's services (the only one without STORES_FILE). */
  services: GatewayServices;
  /** Every store's services, by store id. */
  stores: ReadonlyMap<string, GatewayServices>;
  /** Settles once the first check of every store's Stripe key (6.19) has an outcome; start-up never waits for it. */
  stripeKeyChecked: Promise<void>;
  /** Releases what the app holds (the store); the HTTP server is the caller's. */
  close(): Promise<void>;
}

export interface BuildOptions {
  /** Sandbox mode's emulator: enables POST /_sandbox/faults. Refused outside sandbox mode. */
  emulator?: StripeEmulator | undefined;
  /** How often a Stripe key that has not worked yet is checked again; tests shorten it. */
  stripeKeyCheckIntervalMs?: number;
}

/** The composition root: the whole gateway from one config object. */
export async function buildApp(
  config: GatewayConfig,
  logger: Logger,
  { emulator, stripeKeyCheckIntervalMs = STRIPE_KEY_CHECK_INTERVAL_MS }: BuildOptions = {},
): Promise<GatewayApp> {
  const { apiBase } = config.stripe;
  const keyless = config.stores.find((store) => store.stripe.secretKey === undefined);
  if (keyless) {
    const withoutStoresFile = keyless.id === DEFAULT_STORE_ID && config.stores.length === 1;
    throw withoutStoresFile
      ? new ConfigError('STRIPE_SECRET_KEY', 'required outside sandbox mode')
      : new ConfigError('STORES_FILE', `store "${keyless.id}": stripe.secretKey: required outside sandbox mode`);
  }
  // Fault injection must never sit in front of a real Stripe account.
  if (emulator && !config.sandbox) throw new Error('the sandbox emulator is only for sandbox mode');
  for (const warning of startupWarnings(config)) logger.warn(warning);
  const tracing = await tracingHooks(config.tracing.enabled);
  const metrics = new GatewayMetrics();
  const store = await openStore(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    timeoutMs: config.databaseTimeoutMs,
    onIdleError: (error) => logger.warn({ err: error }, 'an idle database connection failed; the pool replaces it'),
    health: storeHealthLog(logger, metrics),
  });
  // Informational: never what stops a start.
  const setAside = await store.countSetAsideMappings().catch(() => 0);
  if (setAside > 0) {
    logger.warn(
      { setAside },
      `${setAside} customer mappings shared a Stripe customer with another user and were set aside by the upgrade ` +
        '(table customer_mappings_set_aside): those users get a new customer; review them and delete the rows once settled',
    );
  }
  // One Redis connection (or memory) for every budget: one fallback, logged and counted once.
  const budgetStore = await BudgetStore.open({
    redisUrl: config.limits.redisUrl,
    requestDeadlineMs: config.limits.requestDeadlineMs,
    logger,
    metrics,
  });
  const installationId = await store.installationId();
  // Traced for the calls a request makes; probes (/ready) and the sweep stay out of traces.
  const tracedStore = tracing.store(store, config.databaseUrl);
  // One pool of Stripe connections per key: stores on one account share it (100 stores on one key
  // keep as few sockets as one store), stores on other accounts never wait for its sockets.
  const connectionsByKey = new Map<string, ReturnType<typeof stripeConnections>>();
  const connectionsFor = (secretKey: string) => {
    let pool = connectionsByKey.get(secretKey);
    if (pool === undefined) connectionsByKey.set(secretKey, (pool = stripeConnections(config.stripe.apiBase)));
    return pool;
  };
  // One set of budget windows for every store: stores on one Stripe account spend one budget.
  const budgets = createBudgets(budgetStore, {
    keyPrefix: config.limits.redisKeyPrefix,
    stripeRequestsPerSecond: config.limits.stripeMaxRequestsPerSecond,
  });
  // One lookup of the account per key and connected account, however many stores act on it.
  const accountsByKey = new Map<string, () => Promise<string>>();
  const accountFor = (stripe: Stripe, secretKey: string, connectedAccount: string | undefined) => {
    const id = `${secretKey}\n${connectedAccount ?? ''}`;
    let resolve = accountsByKey.get(id);
    if (resolve === undefined) accountsByKey.set(id, (resolve = accountScopeResolver(stripe, secretKey, connectedAccount)));
    return resolve;
  };
  const shared = { store: tracedStore, installationId, budgets, metrics, logger, connectionsFor, accountFor };
  const served = config.stores.map((storeConfig) => ({
    id: storeConfig.id,
    hosts: storeConfig.hosts,
    config: storeConfig,
    services: buildStoreServices(config, storeConfig, shared),
  }));
  const services = served[0]!.services;
  const stores = storeSelector(served, { trustProxy: config.trustProxyHops > 0 });
  const sweep = sweepExpiredRecords(store, logger);
  // In the background: start-up never waits for Stripe; /ready says whether a key works. One check
  // per key, however many stores share it (100 stores on one account probe Stripe once).
  const byKey = new Map<string, ServedStore[]>();
  for (const entry of served) {
    const key = entry.config.stripe.secretKey!;
    byKey.set(key, [...(byKey.get(key) ?? []), entry]);
  }
  const keyChecks = [...byKey.values()].map((group) => {
    const ids = group.map(({ id }) => id);
    const first = group[0]!.services;
    const keyCheck = startStripeKeyCheck({
      probe: () => probeStripeKey(first.stripe),
      intervalMs: stripeKeyCheckIntervalMs,
      deadlineMs: config.stripe.timeoutMs,
      logger: ids.length === 1 ? first.logger : logger.child({ stores: ids }),
      // Without STORES_FILE the variable; with one, the stores' key (their own or the default).
      keyName: keyNameOf(config, ids),
      onChecked: (outcome, refused) => {
        for (const id of ids) metrics.stripeKeyChecked(id, outcome, refused);
      },
    });
    // A key rolled or revoked while the gateway runs: the next 401 starts the checks again.
    for (const { services: { stripe } } of group) {
      stripe.on('response', (event: Stripe.ResponseEvent) => {
        if (event.status === 401) keyCheck.suspect();
      });
    }
    return keyCheck;
  });
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
  graphql.all(yoga.graphqlEndpoint, selectGraphQLStore(stores), jsonBodiesOnly, ...graphqlBodyLimit(), (req: Request, res: Response) =>
    yoga(req, res, { req, res }),
  );

  const webhooks = webhookEndpoints(config, served);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxyHops);
  app.use(securityHeaders);
  app.use(requestContext(logger));
  app.use(metrics.httpMiddleware());
  if (config.corsOrigins.length > 0) app.use(corsPolicy(config.corsOrigins));
  // The two surfaces first: every router a request passes before its own costs CPU on each call,
  // and no other route shares their paths.
  app.use(setupIntentsRouter(stores, authenticate));
  app.use(graphql);
  // Ready while any store can serve: one store's refused key never takes the others out of a load balancer.
  app.use(
    healthRouter(store, {
      stripeKeyRefused: () => keyChecks.every((check) => check.refused),
      refusedKeyName: config.stores.length === 1 && services.storeId === DEFAULT_STORE_ID ? 'STRIPE_SECRET_KEY' : 'the Stripe key of every store',
    }),
  );
  const index = describeGateway({
    sandbox: config.sandbox,
    secretKey: config.stores[0]!.stripe.secretKey!,
    apiBase,
    publishableKey: services.publishableKey,
    token: config.sandboxToken,
    graphqlPath: yoga.graphqlEndpoint,
    restPath: SETUP_INTENTS_PATH,
    webhookPath: webhooks.unnamed !== undefined ? STRIPE_WEBHOOK_PATH : undefined,
  });
  const docs = readDocsIndex();
  app.use(indexRouter({ index, graphiql: config.graphiql, metrics: config.metrics, docs }));
  app.use(docsRouter(docs));
  if (config.metrics) app.use(metricsRouter(metrics));
  if (webhooks.byStore.size > 0) app.use(webhooksRouter(webhooks));
  app.use(openapiRouter());
  if (emulator) app.use(sandboxFaultsRouter(emulator));
  app.use((req, res) => {
    sendJsonApi(res, 404, { error: `No route for ${req.method} ${req.path}.` });
  });
  app.use(unexpectedError);
  return {
    handler: app,
    services,
    stores: new Map(served.map(({ id, services }) => [id, services])),
    stripeKeyChecked: Promise.all(keyChecks.map((check) => check.firstChecked)).then(() => undefined),
    close: async () => {
      clearInterval(sweep);
      for (const check of keyChecks) check.stop();
      budgetStore.close();
      await store.close();
    },
  };
}

/** How a key check's log lines name the key: the variable without STORES_FILE, else by its stores. */
function keyNameOf(config: GatewayConfig, ids: readonly string[]): string {
  if (config.stores.length === 1 && ids[0] === DEFAULT_STORE_ID) return 'STRIPE_SECRET_KEY';
  if (ids.length === 1) return `the Stripe key of store "${ids[0]}"`;
  return `the Stripe key of stores ${ids.slice(0, 3).map((id) => `"${id}"`).join(', ')}${ids.length > 3 ? ` and ${ids.length - 3} more` : ''}`;
}

/** What every store shares: one database, one budget store, one metrics registry, one logger. */
interface SharedServices {
  store: CustomerStore;
  installationId: string;
  budgets: Budgets;
  metrics: GatewayMetrics;
  logger: Logger;
  /** The keep-alive connections of a key's clients. */
  connectionsFor(secretKey: string): ReturnType<typeof stripeConnections>;
  /** The account a key's requests act on (with `Stripe-Account`, the connected one), looked up once. */
  accountFor(stripe: Stripe, secretKey: string, connectedAccount: string | undefined): () => Promise<string>;
}

/**
 * One store's services: its own Stripe client (its key; for a Connect store its connected account
 * on every request), its scope (customers, idempotency keys and user budgets per store), its own
 * rate budgets, and a logger naming it.
 */
function buildStoreServices(config: GatewayConfig, storeConfig: StoreConfig, shared: SharedServices): GatewayServices {
  const { id, stripe: settings } = storeConfig;
  const secretKey = settings.secretKey!;
  // The budgets key on the Stripe account, which the client looks up; the client's requests
  // outside calls pass the budgets: each is built with a reference to the other.
  let callBudgets: CallBudgets | undefined;
  const stripe = createStripeClient({
    secretKey,
    timeoutMs: config.stripe.timeoutMs,
    apiBase: config.stripe.apiBase,
    traced: config.tracing.enabled,
    stripeAccount: settings.account,
    outsideCalls: { beforeRequest: () => callBudgets!.outsideCalls.beforeRequest() },
    connections: shared.connectionsFor(secretKey),
  });
  shared.metrics.watchStripe(stripe, id);
  // The account the requests go to (a Connect store's connected one): the Stripe budget's key,
  // shared by every store on it. The store's scope adds its id (but for `default`).
  const stripeAccount = shared.accountFor(stripe, secretKey, settings.account);
  // Made once (the account is looked up once): a call reads the same string, allocating nothing.
  let scope: Promise<string> | undefined;
  const accountScope = () =>
    (scope ??= stripeAccount().then(
      (account) => storeScope(account, id, DEFAULT_STORE_ID),
      (error: unknown) => {
        scope = undefined;
        throw error;
      },
    ));
  const logger = shared.logger.child({ store: id });
  callBudgets = createCallBudgets({
    budgets: shared.budgets,
    guestScope: id === DEFAULT_STORE_ID ? undefined : id,
    guestPerMinute: config.limits.guestRateLimitPerMinute,
    userPerMinute: config.limits.userRateLimitPerMinute,
    userReadsPerMinute: config.limits.userReadRateLimitPerMinute,
    accountScope,
    stripeAccount,
    metrics: shared.metrics,
  });
  return {
    storeId: id,
    stripe,
    stripeAccount: settings.account,
    store: shared.store,
    accountScope,
    installationId: shared.installationId,
    publishableKey: settings.publishableKey,
    ephemeralKeyVersion: settings.ephemeralKeyVersion,
    allowGuests: config.auth.allowGuests,
    callBudgets,
    paymentMethodListings: new PaymentMethodListings(),
    requestDeadlineMs: config.limits.requestDeadlineMs,
    metrics: shared.metrics,
    logger,
  };
}

/**
 * Each store with a signing secret at `/webhooks/stripe/{storeId}`; `/webhooks/stripe` is the store
 * `default`'s (or the only store's), as before stores. Events are acted on only from the store's
 * mode and connected account.
 */
function webhookEndpoints(config: GatewayConfig, served: ReadonlyArray<ServedStore & { config: StoreConfig }>): StoreWebhookEndpoints {
  const byStore = new Map<string, StoreWebhooks>();
  for (const { id, services, config: storeConfig } of served) {
    const { webhookSecrets, secretKey, account } = storeConfig.stripe;
    if (webhookSecrets.length === 0) continue;
    const origin = { livemode: stripeMode(secretKey!) === 'live', account };
    byStore.set(id, { services, config: { ...config.webhooks, secrets: webhookSecrets, origin } });
  }
  const unnamed = byStore.get(DEFAULT_STORE_ID) ?? (served.length === 1 ? byStore.get(served[0]!.id) : undefined);
  return { byStore, unnamed };
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
