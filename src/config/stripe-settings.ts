import { stripeVersionStanding } from '../stripe/stripe-versions.js';
import { ConfigError } from './config-error.js';

const STRIPE_KEY_PATTERN = /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/;
const PUBLISHABLE_KEY_PATTERN = /^pk_(test|live)_[A-Za-z0-9_]+$/;
const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/=_-]+$/;
const STRIPE_VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}(\.[a-z][a-z0-9_]*)?$/;

/*
 * The Stripe settings' validators, shared with the stores file (src/config/stores.ts): `name` is
 * what an error names (the variable, or a store's field).
 */

export function parseSecretKey(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && !STRIPE_KEY_PATTERN.test(value)) {
    throw new ConfigError(name, 'expected a key starting sk_test_, sk_live_, rk_test_ or rk_live_');
  }
  return value;
}

export function parseEphemeralKeyVersion(name: string, value: string): string {
  if (!STRIPE_VERSION_PATTERN.test(value)) throw new ConfigError(name, 'expected a Stripe API version like 2026-10-28.endive');
  if (stripeVersionStanding(value) === 'unreleased') throw new ConfigError(name, 'Stripe never released this API version');
  return value;
}

/** A publishable key of the other mode than the secret key would fail on every client. */
export function parsePublishableKey(
  name: string,
  value: string | undefined,
  secretKey: string | undefined,
  secretKeyName = 'STRIPE_SECRET_KEY',
): string | undefined {
  if (value === undefined) return undefined;
  const mode = PUBLISHABLE_KEY_PATTERN.exec(value)?.[1];
  if (mode === undefined) throw new ConfigError(name, 'expected a key starting pk_test_ or pk_live_');
  const secretMode = secretKey === undefined ? undefined : /^(sk|rk)_(test|live)_/.exec(secretKey)?.[2];
  if (secretMode !== undefined && secretMode !== mode) {
    throw new ConfigError(name, `a ${mode} key beside a ${secretMode} ${secretKeyName}`);
  }
  return value;
}

/** Comma-separated during a rotation: the new endpoint's secret beside the old one. */
export function parseWebhookSecrets(name: string, value: string | undefined): string[] {
  if (value === undefined) return [];
  const secrets = value.split(',').map((secret) => secret.trim()).filter(Boolean);
  if (secrets.length === 0 || !secrets.every((secret) => WEBHOOK_SECRET_PATTERN.test(secret))) {
    throw new ConfigError(name, 'expected whsec_… signing secrets, comma-separated during a rotation');
  }
  return secrets;
}
