import Stripe from 'stripe';
import { ConfigError } from './config-error.js';
import { parseEphemeralKeyVersion, parsePublishableKey, parseSecretKey, parseWebhookSecrets } from './stripe-settings.js';
import { loadStores, type StoreConfig } from './stores.js';

export { ConfigError };
import { SANDBOX_JWT_SECRET } from '../auth/dev-token.js';

/** Everything the gateway is configured with, parsed once at start-up. */
export interface GatewayConfig {
  port: number;
  host: string;
  production: boolean;
  /** Sandbox mode with its conveniences (development tokens, signed-in GraphiQL, local CORS): set by enterSandboxMode. */
  sandbox: boolean;
  /**
   * The sandbox the environment asks for: `emulator` (no STRIPE_SECRET_KEY: the built-in Stripe
   * emulator), `stripe-test-mode` (SANDBOX=true with a test key: Stripe's test mode); undefined: none.
   */
  sandboxStripe: 'emulator' | 'stripe-test-mode' | undefined;
  /** Where sandbox mode's emulator listens on 127.0.0.1 (0: any free port). */
  sandboxEmulatorPort: number;
  graphiql: boolean;
  /** Answer introspection queries (and suggest field names in validation errors). */
  graphqlIntrospection: boolean;
  logLevel: string;
  /** `auto` (LOG_FORMAT unset): pretty when stdout is a terminal outside production, JSON otherwise. */
  logFormat: 'json' | 'pretty' | 'auto';
  /** Proxy hops whose X-Forwarded-For is believed: 0 (none) unless TRUST_PROXY says otherwise. */
  trustProxyHops: number;
  /** Origins allowed to call from a browser (sandbox mode adds local ones); empty: CORS off. */
  corsOrigins: Array<string | RegExp>;
  /** Sandbox mode: a development token GraphiQL opens with (set by enterSandboxMode). */
  sandboxToken?: string | undefined;
  metrics: boolean;
  limits: {
    guestRateLimitPerMinute: number;
    /** Calls that create Stripe objects, per signed-in user (and Stripe account) per minute. */
    userRateLimitPerMinute: number;
    /** `Viewer.paymentMethods` reads per signed-in user (and Stripe account) per minute. */
    userReadRateLimitPerMinute: number;
    /** The gateway's ceiling on requests to each Stripe account per second, every instance together. */
    stripeMaxRequestsPerSecond: number;
    /** Shared rate-limit budget across instances; unset: in memory, per instance. */
    redisUrl: string | undefined;
    redisKeyPrefix: string;
    /** Overall time one call may take, Stripe retries included. */
    requestDeadlineMs: number;
  };
  /** Slow clients: how long a request may take to arrive, and how large its headers may be. */
  http: {
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxHeaderBytes: number;
    /** MAX_CONNECTIONS: open client connections per instance; more are refused at once. */
    maxConnections: number;
  };
  /** After SIGTERM, the longest in-flight requests are waited for before the process exits 0. */
  shutdownGraceMs: number;
  databaseUrl: string;
  /** Connections per instance; PostgreSQL only (SQLite has one). */
  databasePoolSize: number;
  /** The most one database call may take, a lock waited for included; then the call fails with 503. */
  databaseTimeoutMs: number;
  stripe: {
    /** Unset: sandbox mode (the built-in emulator). */
    secretKey: string | undefined;
    apiBase: URL | undefined;
    ephemeralKeyVersion: string;
    /** Per attempt; Stripe's SDK retries what is safe to retry. */
    timeoutMs: number;
    /** Handed to clients as `publishableKey`; unset: clients bring their own. */
    publishableKey: string | undefined;
  };
  /**
   * The stores this gateway serves (STORES_FILE, contract 11); without it one store, `default`,
   * from the STRIPE_* variables.
   */
  stores: StoreConfig[];
  webhooks: {
    /** Signing secrets accepted (several during a rotation); empty: POST /webhooks/stripe is off. */
    secrets: string[];
    /** Detach a newly saved card that duplicates one the customer already has. */
    deduplicatePaymentMethods: boolean;
  };
  /** OpenTelemetry tracing (src/tracing), from the standard OTEL_* variables. */
  tracing: TracingConfig;
  auth: {
    jwtSecret: string | undefined;
    jwksUrl: URL | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    /** The JWT claim (and introspection member) naming the user: `sub`, `user_id` for Spree 5. */
    userClaim: string;
    /** A Spree store whose own OAuth access tokens are accepted (contract 8). */
    spreeUrl: URL | undefined;
    /** An RFC 7662 endpoint for opaque tokens, with the gateway's client credentials. */
    introspection: { endpoint: URL; clientId: string; clientSecret: string } | undefined;
    /** How long an opaque token's answer is reused (never past the token's expiry). */
    tokenCacheSeconds: number;
    allowGuests: boolean;
    /** AUTH_FAILURE_RATE_LIMIT_PER_MINUTE: refused bearer tokens per client address per minute. */
    failureRateLimitPerMinute: number;
  };
}

export interface TracingConfig {
  /** Off unless an OTLP endpoint or a traces exporter is named (and OTEL_SDK_DISABLED is not true). */
  enabled: boolean;
  exporters: Array<'otlp' | 'console'>;
  /** OTLP over HTTP: protobuf (the OpenTelemetry default) or JSON. */
  protocol: 'http/protobuf' | 'http/json';
  serviceName: string;
}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/gateway.sqlite';
export const DEFAULT_GUEST_RATE_LIMIT_PER_MINUTE = 10;
export const DEFAULT_AUTH_FAILURE_RATE_LIMIT_PER_MINUTE = 30;
/** Below Stripe's own limits (100 live, 25 test), leaving room for the shop's own requests. */
export const DEFAULT_STRIPE_MAX_REQUESTS_PER_SECOND = { live: 80, test: 20 } as const;
const MIN_STRIPE_REQUESTS_PER_SECOND = 3;
/** Sandbox mode: a developer pressing ▶ in GraphiQL, or a web app reloading, is not an abuser. */
export const SANDBOX_GUEST_RATE_LIMIT_PER_MINUTE = 1000;
export const DEFAULT_DATABASE_POOL_SIZE = 10;
/** stripe-mock's port, so configurations written for stripe-mock find the sandbox's emulator. */
export const DEFAULT_SANDBOX_EMULATOR_PORT = 12111;
export const DEFAULT_DATABASE_TIMEOUT_MS = 5_000;
const LOG_FORMATS = ['json', 'pretty'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): GatewayConfig {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  // `Production` is production too: a capital letter must not turn sandbox mode on.
  const production = read('NODE_ENV')?.toLowerCase() === 'production';
  const secretKey = parseSecretKey('STRIPE_SECRET_KEY', read('STRIPE_SECRET_KEY'));
  if (secretKey === undefined && env.STRIPE_SECRET_KEY !== undefined) {
    throw new ConfigError('STRIPE_SECRET_KEY', 'set but blank; unset it for sandbox mode (the built-in Stripe emulator)');
  }
  const ephemeralKeyVersion = parseEphemeralKeyVersion('STRIPE_EPHEMERAL_KEY_VERSION', read('STRIPE_EPHEMERAL_KEY_VERSION') ?? Stripe.API_VERSION);
  const publishableKey = parsePublishableKey('STRIPE_PUBLISHABLE_KEY', read('STRIPE_PUBLISHABLE_KEY'), secretKey);
  const webhookSecrets = parseWebhookSecrets('STRIPE_WEBHOOK_SECRET', read('STRIPE_WEBHOOK_SECRET'));
  const stores = loadStores(read('STORES_FILE'), env, { secretKey, publishableKey, webhookSecrets, ephemeralKeyVersion });
  // Sandbox mode is when no store has a key (contract 11): stores with keys of their own need no STRIPE_SECRET_KEY.
  const anyKey = secretKey ?? stores.find((store) => store.stripe.secretKey !== undefined)?.stripe.secretKey;
  const sandboxStripe = parseSandbox(parseBoolean('SANDBOX', read('SANDBOX'), false), { production, secretKey: anyKey, publishableKey });
  const databaseUrl = read('DATABASE_URL') ?? DEFAULT_DATABASE_URL;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'expected sqlite:PATH or postgres://…');
  }
  const logLevel = read('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}`);
  }
  const logFormat = read('LOG_FORMAT') ?? 'auto';
  if (logFormat !== 'auto' && !(LOG_FORMATS as readonly string[]).includes(logFormat)) {
    throw new ConfigError('LOG_FORMAT', 'expected json or pretty (unset: pretty on a terminal, JSON otherwise)');
  }
  const headersTimeoutMs = parseInteger('HTTP_HEADERS_TIMEOUT_MS', read('HTTP_HEADERS_TIMEOUT_MS'), 10_000, 100, 600_000);
  const requestTimeoutMs = parseInteger('HTTP_REQUEST_TIMEOUT_MS', read('HTTP_REQUEST_TIMEOUT_MS'), 30_000, 100, 600_000);
  if (requestTimeoutMs < headersTimeoutMs) {
    throw new ConfigError('HTTP_REQUEST_TIMEOUT_MS', 'must be at least HTTP_HEADERS_TIMEOUT_MS (headers are part of the request)');
  }
  const requestDeadlineMs = parseInteger('REQUEST_DEADLINE_MS', read('REQUEST_DEADLINE_MS'), 25_000, 1, 600_000);
  // Below the request deadline by default, so a database that cannot answer is reported as such
  // rather than as the whole call running out of time.
  const databaseTimeoutMs = parseInteger(
    'DATABASE_TIMEOUT_MS',
    read('DATABASE_TIMEOUT_MS'),
    Math.max(1, Math.min(DEFAULT_DATABASE_TIMEOUT_MS, Math.floor(requestDeadlineMs / 2))),
    1,
    600_000,
  );
  return {
    port: parseInteger('PORT', read('PORT'), 4000, 0, 65535),
    host: read('HOST') ?? '0.0.0.0',
    production,
    sandbox: false,
    sandboxStripe,
    sandboxEmulatorPort: parseInteger('SANDBOX_EMULATOR_PORT', read('SANDBOX_EMULATOR_PORT'), DEFAULT_SANDBOX_EMULATOR_PORT, 0, 65535),
    graphiql: parseBoolean('GRAPHIQL', read('GRAPHIQL'), !production),
    graphqlIntrospection: parseBoolean('GRAPHQL_INTROSPECTION', read('GRAPHQL_INTROSPECTION'), !production),
    logLevel,
    logFormat: logFormat as GatewayConfig['logFormat'],
    trustProxyHops: parseTrustProxy(read('TRUST_PROXY')),
    corsOrigins: parseOrigins(read('CORS_ORIGINS')),
    metrics: parseBoolean('METRICS', read('METRICS'), true),
    limits: {
      guestRateLimitPerMinute: parseInteger(
        'GUEST_RATE_LIMIT_PER_MINUTE',
        read('GUEST_RATE_LIMIT_PER_MINUTE'),
        sandboxStripe !== undefined && !production ? SANDBOX_GUEST_RATE_LIMIT_PER_MINUTE : DEFAULT_GUEST_RATE_LIMIT_PER_MINUTE,
        1,
        Number.MAX_SAFE_INTEGER,
      ),
      userRateLimitPerMinute: parseInteger(
        'USER_RATE_LIMIT_PER_MINUTE',
        read('USER_RATE_LIMIT_PER_MINUTE'),
        30,
        1,
        Number.MAX_SAFE_INTEGER,
      ),
      userReadRateLimitPerMinute: parseInteger(
        'USER_READ_RATE_LIMIT_PER_MINUTE',
        read('USER_READ_RATE_LIMIT_PER_MINUTE'),
        60,
        1,
        Number.MAX_SAFE_INTEGER,
      ),
      stripeMaxRequestsPerSecond: parseInteger(
        'STRIPE_MAX_REQUESTS_PER_SECOND',
        read('STRIPE_MAX_REQUESTS_PER_SECOND'),
        // With a stores file: live when a store has a live key (stores may have keys of their own).
        DEFAULT_STRIPE_MAX_REQUESTS_PER_SECOND[stores.some(({ stripe }) => stripe.secretKey !== undefined && /^(sk|rk)_live_/.test(stripe.secretKey)) ? 'live' : 'test'],
        // A new user's call makes 3 requests at once (customer, then key and SetupIntent): fewer could never pass.
        MIN_STRIPE_REQUESTS_PER_SECOND,
        1_000_000_000,
      ),
      redisUrl: parseRedisUrl(read('REDIS_URL')),
      redisKeyPrefix: read('REDIS_KEY_PREFIX') ?? 'stripe-setup-gateway',
      requestDeadlineMs,
    },
    http: {
      headersTimeoutMs,
      requestTimeoutMs,
      keepAliveTimeoutMs: parseInteger('HTTP_KEEP_ALIVE_TIMEOUT_MS', read('HTTP_KEEP_ALIVE_TIMEOUT_MS'), 5_000, 100, 600_000),
      maxHeaderBytes: parseInteger('HTTP_MAX_HEADER_BYTES', read('HTTP_MAX_HEADER_BYTES'), 16 * 1024, 1024, 1024 * 1024),
      maxConnections: parseInteger('MAX_CONNECTIONS', read('MAX_CONNECTIONS'), 4096, 1, 1_000_000),
    },
    shutdownGraceMs: parseInteger('SHUTDOWN_GRACE_MS', read('SHUTDOWN_GRACE_MS'), 30_000, 0, 600_000),
    databaseUrl,
    databasePoolSize: parseInteger('DATABASE_POOL_SIZE', read('DATABASE_POOL_SIZE'), DEFAULT_DATABASE_POOL_SIZE, 1, 1000),
    databaseTimeoutMs,
    stripe: {
      secretKey,
      apiBase: parseUrl('STRIPE_API_BASE', read('STRIPE_API_BASE')),
      ephemeralKeyVersion,
      timeoutMs: parseInteger('STRIPE_TIMEOUT_MS', read('STRIPE_TIMEOUT_MS'), 10_000, 1, 600_000),
      publishableKey,
    },
    stores,
    webhooks: {
      secrets: webhookSecrets,
      deduplicatePaymentMethods: parseBoolean('DEDUPLICATE_PAYMENT_METHODS', read('DEDUPLICATE_PAYMENT_METHODS'), true),
    },
    tracing: parseTracingConfig(env),
    auth: {
      jwtSecret: parseJwtSecret(read('AUTH_JWT_SECRET'), production),
      jwksUrl: parseUrl('AUTH_JWKS_URL', read('AUTH_JWKS_URL')),
      issuer: read('AUTH_JWT_ISSUER'),
      audience: read('AUTH_JWT_AUDIENCE'),
      userClaim: read('AUTH_JWT_USER_CLAIM') ?? 'sub',
      ...opaqueTokenConfig(read),
      tokenCacheSeconds: parseInteger('AUTH_TOKEN_CACHE_SECONDS', read('AUTH_TOKEN_CACHE_SECONDS'), 60, 0, 86_400),
      allowGuests: parseBoolean('ALLOW_GUESTS', read('ALLOW_GUESTS'), true),
      failureRateLimitPerMinute: parseInteger(
        'AUTH_FAILURE_RATE_LIMIT_PER_MINUTE',
        read('AUTH_FAILURE_RATE_LIMIT_PER_MINUTE'),
        DEFAULT_AUTH_FAILURE_RATE_LIMIT_PER_MINUTE,
        1,
        Number.MAX_SAFE_INTEGER,
      ),
    },
  };
}

/** HS256 keys shorter than the hash (32 bytes) can be guessed offline from one token (RFC 7518, 3.2). */
const MIN_PRODUCTION_JWT_SECRET_BYTES = 32;

/** In production, neither the public development secret nor a short one: either signs anyone in. */
function parseJwtSecret(value: string | undefined, production: boolean): string | undefined {
  if (value === undefined || !production) return value;
  if (value === SANDBOX_JWT_SECRET) {
    throw new ConfigError('AUTH_JWT_SECRET', 'is the public development secret (anyone can mint its tokens): refused in production');
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes < MIN_PRODUCTION_JWT_SECRET_BYTES) {
    throw new ConfigError('AUTH_JWT_SECRET', `${bytes} bytes: production needs an HS256 secret of at least ${MIN_PRODUCTION_JWT_SECRET_BYTES} bytes`);
  }
  return value;
}

/**
 * No key: the built-in emulator. SANDBOX=true: Stripe's test mode with the sandbox's conveniences,
 * which accept a public development secret, so never with a live key nor in production.
 */
function parseSandbox(
  requested: boolean,
  { production, secretKey, publishableKey }: { production: boolean; secretKey: string | undefined; publishableKey: string | undefined },
): GatewayConfig['sandboxStripe'] {
  if (!requested) return secretKey === undefined ? 'emulator' : undefined;
  if (production) throw new ConfigError('SANDBOX', 'true is refused when NODE_ENV=production (the sandbox accepts development tokens)');
  if (secretKey === undefined) {
    throw new ConfigError('SANDBOX', "true needs a test STRIPE_SECRET_KEY (sk_test_…) for Stripe's test mode; without a key the built-in emulator runs, SANDBOX unset");
  }
  if (/^(sk|rk)_live_/.test(secretKey)) {
    throw new ConfigError('SANDBOX', "true is refused with a live STRIPE_SECRET_KEY: the sandbox is for Stripe's test mode (sk_test_…)");
  }
  if (publishableKey === undefined) {
    throw new ConfigError('STRIPE_PUBLISHABLE_KEY', 'required with SANDBOX=true: the pk_test_… key of the same account, for Stripe.js and the mobile SDKs');
  }
  return 'stripe-test-mode';
}

/** AUTH_SPREE_URL or AUTH_INTROSPECTION_URL (with its client credentials), never both. */
function opaqueTokenConfig(read: (name: string) => string | undefined): Pick<GatewayConfig['auth'], 'spreeUrl' | 'introspection'> {
  const spreeUrl = parseUrl('AUTH_SPREE_URL', read('AUTH_SPREE_URL'));
  const endpoint = parseUrl('AUTH_INTROSPECTION_URL', read('AUTH_INTROSPECTION_URL'));
  const clientId = read('AUTH_INTROSPECTION_CLIENT_ID');
  const clientSecret = read('AUTH_INTROSPECTION_CLIENT_SECRET');
  if (spreeUrl && endpoint) {
    throw new ConfigError('AUTH_SPREE_URL', 'set AUTH_SPREE_URL or AUTH_INTROSPECTION_URL, not both: a token has one issuer');
  }
  if (!endpoint) {
    if (clientId !== undefined || clientSecret !== undefined) {
      throw new ConfigError('AUTH_INTROSPECTION_URL', 'required when AUTH_INTROSPECTION_CLIENT_ID or _SECRET is set');
    }
    return { spreeUrl, introspection: undefined };
  }
  if (clientId === undefined) throw new ConfigError('AUTH_INTROSPECTION_CLIENT_ID', 'required with AUTH_INTROSPECTION_URL');
  if (clientSecret === undefined) throw new ConfigError('AUTH_INTROSPECTION_CLIENT_SECRET', 'required with AUTH_INTROSPECTION_URL');
  return { spreeUrl: undefined, introspection: { endpoint, clientId, clientSecret } };
}

/**
 * The OpenTelemetry SDK's own variables, as its specification defines them. Read apart from
 * loadConfig too: the tracing preload (src/tracing/register.ts) decides before the app loads.
 */
export function parseTracingConfig(env: Env = process.env): TracingConfig {
  const read = (name: string) => env[name]?.trim() || undefined;
  const endpoint = read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? read('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (endpoint !== undefined) parseUrl(read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT', endpoint);
  const named = read('OTEL_TRACES_EXPORTER')?.split(',').map((exporter) => exporter.trim()).filter(Boolean);
  for (const exporter of named ?? []) {
    if (!['otlp', 'console', 'none'].includes(exporter)) {
      throw new ConfigError('OTEL_TRACES_EXPORTER', 'expected otlp, console or none');
    }
  }
  const exporters = (named ?? (endpoint ? ['otlp'] : [])).filter((exporter) => exporter !== 'none') as TracingConfig['exporters'];
  const protocolVariable = read('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = read(protocolVariable) ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new ConfigError(protocolVariable, 'expected http/protobuf or http/json (gRPC is not built in)');
  }
  return {
    enabled: parseBoolean('OTEL_SDK_DISABLED', read('OTEL_SDK_DISABLED'), false) ? false : exporters.length > 0,
    exporters,
    protocol,
    serviceName: read('OTEL_SERVICE_NAME') ?? 'stripe-setup-gateway',
  };
}

function parseInteger(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}`);
  }
  return number;
}

/** `true` is one proxy in front (its X-Forwarded-For entry is the client); a number is that many hops. */
function parseTrustProxy(value: string | undefined): number {
  if (value === undefined || value === 'false') return 0;
  if (value === 'true') return 1;
  return parseInteger('TRUST_PROXY', value, 0, 0, 10);
}

function parseOrigins(value: string | undefined): string[] {
  if (value === undefined) return [];
  const origins = value.split(',').map((origin) => origin.trim()).filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigError('CORS_ORIGINS', `expected comma-separated origins like https://shop.example.com, got ${origin}`);
    }
  }
  return origins;
}

function parseRedisUrl(value: string | undefined): string | undefined {
  if (value !== undefined && !/^rediss?:\/\/.+/.test(value)) throw new ConfigError('REDIS_URL', 'expected redis://…');
  return value;
}

function parseBoolean(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(name, 'expected true or false');
}

function parseUrl(name: string, value: string | undefined): URL | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // fall through to the error below
  }
  throw new ConfigError(name, 'expected an http:// or https:// URL');
}
