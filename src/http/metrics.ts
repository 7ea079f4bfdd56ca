import { Router, type RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type Stripe from 'stripe';
import type { Surface } from '../core/surface.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, 30];

/** Prometheus metrics of one app instance, in a registry of its own. */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly httpDuration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'HTTP requests by surface, method, status and store (none for /health, /ready, /metrics and requests no store was found for).',
    labelNames: ['surface', 'method', 'status', 'store'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly setupIntents = new Histogram({
    name: 'gateway_setup_intent_duration_seconds',
    help: 'createStripeSetupIntent calls by store, surface and outcome (success or the typed error).',
    labelNames: ['surface', 'outcome', 'store'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly customerSessions = new Histogram({
    name: 'gateway_customer_session_duration_seconds',
    help: 'createStripeCustomerSession calls by store, component and outcome (success or the typed error).',
    labelNames: ['component', 'outcome', 'store'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly webhookEvents = new Counter({
    name: 'gateway_webhook_events_total',
    help: 'Verified Stripe webhook events by store, type and outcome (handled, ignored, duplicate, failed).',
    labelNames: ['type', 'outcome', 'store'],
    registers: [this.registry],
  });
  private readonly stripeDuration = new Histogram({
    name: 'gateway_stripe_request_duration_seconds',
    help: 'Stripe API requests (each attempt) by store, operation and HTTP status.',
    labelNames: ['operation', 'status', 'store'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly stripeErrors = new Counter({
    name: 'gateway_stripe_errors_total',
    help: 'Stripe API attempts answered with an error status, by store, operation and status.',
    labelNames: ['operation', 'status', 'store'],
    registers: [this.registry],
  });

  private readonly identityProviderUp = new Gauge({
    name: 'gateway_identity_provider_up',
    help: 'Whether the identity provider (jwks, spree, introspection) answered its last request: 1 or 0.',
    labelNames: ['provider'],
    registers: [this.registry],
  });
  private readonly identityProviderRequests = new Counter({
    name: 'gateway_identity_provider_requests_total',
    help: 'Requests to the identity provider by outcome: ok, invalid (a verdict against the token), unavailable.',
    labelNames: ['provider', 'outcome'],
    registers: [this.registry],
  });
  private readonly authUnavailable = new Counter({
    name: 'gateway_auth_unavailable_total',
    help: 'Calls answered 503 AUTH_UNAVAILABLE because the identity provider could not vouch for the token.',
    labelNames: ['provider'],
    registers: [this.registry],
  });
  private readonly refusedTokensLimited = new Counter({
    name: 'gateway_auth_refusals_limited_total',
    help: 'Calls answered 429 because their client address spent its budget of refused bearer tokens (no identity provider asked).',
    registers: [this.registry],
  });
  private readonly rateLimitFallbackActive = new Gauge({
    name: 'gateway_rate_limit_fallback_active',
    help: '1 while Redis is unreachable and the rate limits use per-instance memory; 0 otherwise (and without REDIS_URL).',
    registers: [this.registry],
  });
  private readonly rateLimitFallbacks = new Counter({
    name: 'gateway_rate_limit_fallbacks_total',
    help: 'Times the rate limits fell back from Redis to per-instance memory.',
    registers: [this.registry],
  });

  private readonly stripeBudgetSent = new Counter({
    name: 'gateway_stripe_budget_requests_total',
    help: 'Stripe requests let through by the account’s request budget (each attempt, retries included), by account scope.',
    labelNames: ['account'],
    registers: [this.registry],
  });
  private readonly stripeBudgetRefused = new Counter({
    name: 'gateway_stripe_budget_refused_total',
    help: 'Calls (or their later requests) turned away because the Stripe account’s requests per second were spent, by account scope.',
    labelNames: ['account'],
    registers: [this.registry],
  });

  private readonly storeUp = new Gauge({
    name: 'gateway_store_up',
    help: '1 while the database answers; 0 from a call it could not answer within DATABASE_TIMEOUT_MS until one it answers.',
    registers: [this.registry],
  });
  private readonly storeUnavailable = new Counter({
    name: 'gateway_store_unavailable_total',
    help: 'Database calls that failed as unavailable (locked, down, timed out, not migrated): answered 503.',
    registers: [this.registry],
  });
  private readonly stripeKeyRefused = new Gauge({
    name: 'gateway_stripe_key_refused',
    help: "1 while Stripe refuses the store's key (its last check was answered 401), 0 otherwise; /ready answers 503 while every store's is refused.",
    labelNames: ['store'],
    registers: [this.registry],
  });
  private readonly stripeKeyChecks = new Counter({
    name: 'gateway_stripe_key_checks_total',
    help: "Checks of each store's Stripe key (at start-up, then every 60 s until it works) by outcome: ok, refused, unreachable.",
    labelNames: ['outcome', 'store'],
    registers: [this.registry],
  });

  private readonly connectionsRefused = new Counter({
    name: 'gateway_http_connections_refused_total',
    help: 'Client connections closed as soon as they were accepted because MAX_CONNECTIONS were open.',
    registers: [this.registry],
  });

  constructor() {
    this.storeUp.set(1);
    collectDefaultMetrics({ register: this.registry });
  }

  /** A configured identity provider is presumed up until a request to it fails. */
  watchIdentityProvider(provider: string): void {
    this.identityProviderUp.set({ provider }, 1);
  }

  /** One request to an identity provider; `unavailable` also marks it down until it answers again. */
  observeIdentityProvider(provider: string, outcome: 'ok' | 'invalid' | 'unavailable'): void {
    this.identityProviderRequests.inc({ provider, outcome });
    this.identityProviderUp.set({ provider }, outcome === 'unavailable' ? 0 : 1);
  }

  countAuthUnavailable(provider: string): void {
    this.authUnavailable.inc({ provider });
  }

  countRefusedTokensLimited(): void {
    this.refusedTokensLimited.inc();
  }

  /** Times every request; the surface comes from the path, never from the client. */
  httpMiddleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.httpDuration.startTimer({ surface: surfaceOf(req.path), method: req.method });
      res.on('finish', () => end(res.locals.storeId === undefined ? { status: res.statusCode } : { status: res.statusCode, store: res.locals.storeId }));
      next();
    };
  }

  observeSetupIntent(store: string, surface: Surface, outcome: string, started: bigint): void {
    this.setupIntents.observe({ surface, outcome, store }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  observeCustomerSession(store: string, component: string, outcome: string, started: bigint): void {
    this.customerSessions.observe({ component, outcome, store }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  countWebhookEvent(store: string, type: string, outcome: 'handled' | 'ignored' | 'duplicate' | 'failed'): void {
    this.webhookEvents.inc({ type, outcome, store });
  }

  connectionRefused(): void {
    this.connectionsRefused.inc();
  }

  storeFailed(): void {
    this.storeUnavailable.inc();
    this.storeUp.set(0);
  }

  storeRecovered(): void {
    this.storeUp.set(1);
  }

  stripeKeyChecked(store: string, outcome: 'ok' | 'refused' | 'unreachable', refused: boolean): void {
    this.stripeKeyChecks.inc({ outcome, store });
    this.stripeKeyRefused.set({ store }, refused ? 1 : 0);
  }

  rateLimitFellBack(): void {
    this.rateLimitFallbacks.inc();
    this.rateLimitFallbackActive.set(1);
  }

  rateLimitRecovered(): void {
    this.rateLimitFallbackActive.set(0);
  }

  /** `account` is the account scope (`acct_…:test`, or a key's fingerprint): never a key. */
  stripeRequestSent(account: string): void {
    this.stripeBudgetSent.inc({ account });
  }

  stripeRequestsRefused(account: string): void {
    this.stripeBudgetRefused.inc({ account });
  }

  /** Stripe's SDK reports each attempt it makes, retries included; a client per store. */
  watchStripe(stripe: Stripe, store: string): void {
    stripe.on('response', (event: Stripe.ResponseEvent) => {
      const labels = { operation: `${event.method} ${operationOf(event.path)}`, status: event.status, store };
      this.stripeDuration.observe(labels, event.elapsed / 1000);
      if (event.status >= 400) this.stripeErrors.inc(labels);
    });
  }
}

function surfaceOf(path: string): string {
  if (path === '/graphql') return 'graphql';
  if (path.startsWith('/api/')) return 'rest';
  return 'operations';
}

/** `/v1/customers/cus_123` → `/v1/customers/:id`, keeping label values few. */
function operationOf(path: string): string {
  return path.replace(/^(\/v1\/[a-z_]+)\/[^/]+/, '$1/:id');
}

/** `GET /metrics` in Prometheus' text format. */
export function metricsRouter(metrics: GatewayMetrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
