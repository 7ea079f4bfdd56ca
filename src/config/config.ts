import Stripe from 'stripe';

/** Everything the gateway is configured with, parsed once at start-up. */
export interface GatewayConfig {
  port: number;
  host: string;
  production: boolean;
  /** Sandbox mode (the built-in Stripe emulator): set by enterSandboxMode, never by the environment. */
  sandbox: boolean;
  graphiql: boolean;
  logLevel: string;
  /** Proxy hops whose X-Forwarded-For is believed: 0 (none) unless TRUST_PROXY says otherwise. */
  trustProxyHops: number;
  /** Origins allowed to call from a browser (sandbox mode adds local ones); empty: CORS off. */
  corsOrigins: Array<string | RegExp>;
  /** Sandbox mode: a development token GraphiQL opens with (set by enterSandboxMode). */
  sandboxToken?: string | undefined;
  metrics: boolean;
  limits: {
    guestRateLimitPerMinute: number;
    /** Shared rate-limit budget across instances; unset: in memory, per instance. */
    redisUrl: string | undefined;
    redisKeyPrefix: string;
    /** Overall time one call may take, Stripe retries included. */
    requestDeadlineMs: number;
  };
  databaseUrl: string;
  /** Connections per instance; PostgreSQL only (SQLite has one). */
  databasePoolSize: number;
  stripe: {
    /** Unset: sandbox mode (the built-in emulator). */
    secretKey: string | undefined;
    apiBase: URL | undefined;
    ephemeralKeyVersion: string;
    /** Per attempt; Stripe's SDK retries what is safe to retry. */
    timeoutMs: number;
  };
  /** OpenTelemetry tracing (src/tracing), from the standard OTEL_* variables. */
  tracing: TracingConfig;
  auth: {
    jwtSecret: string | undefined;
    jwksUrl: URL | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    allowGuests: boolean;
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

/** One clear line naming the variable; start-up stops on it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/gateway.sqlite';
export const DEFAULT_GUEST_RATE_LIMIT_PER_MINUTE = 10;
/** Sandbox mode: a developer pressing ▶ in GraphiQL, or a web app reloading, is not an abuser. */
export const SANDBOX_GUEST_RATE_LIMIT_PER_MINUTE = 1000;
export const DEFAULT_DATABASE_POOL_SIZE = 10;
const STRIPE_KEY_PATTERN = /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/;
const STRIPE_VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}(\.[a-z][a-z0-9_]*)?$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): GatewayConfig {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const production = read('NODE_ENV') === 'production';
  const secretKey = read('STRIPE_SECRET_KEY');
  if (secretKey !== undefined && !STRIPE_KEY_PATTERN.test(secretKey)) {
    throw new ConfigError('STRIPE_SECRET_KEY', 'expected a key starting sk_test_, sk_live_, rk_test_ or rk_live_');
  }
  const ephemeralKeyVersion = read('STRIPE_EPHEMERAL_KEY_VERSION') ?? Stripe.API_VERSION;
  if (!STRIPE_VERSION_PATTERN.test(ephemeralKeyVersion)) {
    throw new ConfigError('STRIPE_EPHEMERAL_KEY_VERSION', 'expected a Stripe API version like 2026-10-28.endive');
  }
  const databaseUrl = read('DATABASE_URL') ?? DEFAULT_DATABASE_URL;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'expected sqlite:PATH or postgres://…');
  }
  const logLevel = read('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    port: parseInteger('PORT', read('PORT'), 4000, 0, 65535),
    host: read('HOST') ?? '0.0.0.0',
    production,
    sandbox: false,
    graphiql: parseBoolean('GRAPHIQL', read('GRAPHIQL'), !production),
    logLevel,
    trustProxyHops: parseTrustProxy(read('TRUST_PROXY')),
    corsOrigins: parseOrigins(read('CORS_ORIGINS')),
    metrics: parseBoolean('METRICS', read('METRICS'), true),
    limits: {
      guestRateLimitPerMinute: parseInteger(
        'GUEST_RATE_LIMIT_PER_MINUTE',
        read('GUEST_RATE_LIMIT_PER_MINUTE'),
        secretKey === undefined && !production ? SANDBOX_GUEST_RATE_LIMIT_PER_MINUTE : DEFAULT_GUEST_RATE_LIMIT_PER_MINUTE,
        1,
        Number.MAX_SAFE_INTEGER,
      ),
      redisUrl: parseRedisUrl(read('REDIS_URL')),
      redisKeyPrefix: read('REDIS_KEY_PREFIX') ?? 'stripe-setup-gateway',
      requestDeadlineMs: parseInteger('REQUEST_DEADLINE_MS', read('REQUEST_DEADLINE_MS'), 25_000, 1, 600_000),
    },
    databaseUrl,
    databasePoolSize: parseInteger('DATABASE_POOL_SIZE', read('DATABASE_POOL_SIZE'), DEFAULT_DATABASE_POOL_SIZE, 1, 1000),
    stripe: {
      secretKey,
      apiBase: parseUrl('STRIPE_API_BASE', read('STRIPE_API_BASE')),
      ephemeralKeyVersion,
      timeoutMs: parseInteger('STRIPE_TIMEOUT_MS', read('STRIPE_TIMEOUT_MS'), 10_000, 1, 600_000),
    },
    tracing: parseTracingConfig(env),
    auth: {
      jwtSecret: read('AUTH_JWT_SECRET'),
      jwksUrl: parseUrl('AUTH_JWKS_URL', read('AUTH_JWKS_URL')),
      issuer: read('AUTH_JWT_ISSUER'),
      audience: read('AUTH_JWT_AUDIENCE'),
      allowGuests: parseBoolean('ALLOW_GUESTS', read('ALLOW_GUESTS'), true),
    },
  };
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
