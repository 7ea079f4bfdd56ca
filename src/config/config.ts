import Stripe from 'stripe';

/** Everything the gateway is configured with, parsed once at start-up. */
export interface GatewayConfig {
  port: number;
  host: string;
  production: boolean;
  graphiql: boolean;
  logLevel: string;
  trustProxy: boolean;
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
  auth: {
    jwtSecret: string | undefined;
    jwksUrl: URL | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    allowGuests: boolean;
  };
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
    graphiql: parseBoolean('GRAPHIQL', read('GRAPHIQL'), !production),
    logLevel,
    trustProxy: parseBoolean('TRUST_PROXY', read('TRUST_PROXY'), false),
    databaseUrl,
    databasePoolSize: parseInteger('DATABASE_POOL_SIZE', read('DATABASE_POOL_SIZE'), DEFAULT_DATABASE_POOL_SIZE, 1, 1000),
    stripe: {
      secretKey,
      apiBase: parseUrl('STRIPE_API_BASE', read('STRIPE_API_BASE')),
      ephemeralKeyVersion,
      timeoutMs: parseInteger('STRIPE_TIMEOUT_MS', read('STRIPE_TIMEOUT_MS'), 10_000, 1, 600_000),
    },
    auth: {
      jwtSecret: read('AUTH_JWT_SECRET'),
      jwksUrl: parseUrl('AUTH_JWKS_URL', read('AUTH_JWKS_URL')),
      issuer: read('AUTH_JWT_ISSUER'),
      audience: read('AUTH_JWT_AUDIENCE'),
      allowGuests: parseBoolean('ALLOW_GUESTS', read('ALLOW_GUESTS'), true),
    },
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
