import { stripeVersionStanding } from '../stripe/stripe-versions.js';
import { ConfigError } from './config-error.js';

const STRIPE_KEY_PREFIX = /^(sk|rk)_(test|live)_/;
const PUBLISHABLE_KEY_PREFIX = /^pk_(test|live)_/;
/** What follows a key's prefix: Stripe's are 24 characters or (today) about a hundred. */
const STRIPE_KEY_BODY = /^[A-Za-z0-9_]+$/;
/** Fewer characters after the prefix than this is a placeholder (`sk_live_xxx`), not a key. */
const MIN_STRIPE_KEY_BODY_LENGTH = 8;
/** `…`, `...`, or one character over and over (`sk_live_XXXXXXXXXXXX`). */
const PLACEHOLDER_BODY = /…|\.\.\.|^(.)\1*$/;
const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/=_-]+$/;
const STRIPE_VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}(\.[a-z][a-z0-9_]*)?$/;

/*
 * The Stripe settings' validators, shared with the stores file (src/config/stores.ts): `name` is
 * what an error names (the variable, or a store's field).
 */

export function parseSecretKey(name: string, value: string | undefined): string | undefined {
  if (value !== undefined) {
    checkStripeKey(name, value, STRIPE_KEY_PREFIX, 'expected a key starting sk_test_, sk_live_, rk_test_ or rk_live_');
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
  checkStripeKey(name, value, PUBLISHABLE_KEY_PREFIX, 'expected a key starting pk_test_ or pk_live_');
  const mode = PUBLISHABLE_KEY_PREFIX.exec(value)![1];
  const secretMode = secretKey === undefined ? undefined : STRIPE_KEY_PREFIX.exec(secretKey)?.[2];
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

/**
 * A key of the wrong kind is told its expected prefix; one of the right kind but cut short or a
 * placeholder (`sk_live_…`, as documentation shows keys) is told so, for "expected a key starting
 * sk_live_" would contradict what was pasted. The value itself is never repeated: part of a key is
 * still part of a secret.
 */
function checkStripeKey(name: string, value: string, prefix: RegExp, wrongPrefix: string): void {
  const body = prefix.exec(value) ? value.replace(prefix, '') : undefined;
  if (body === undefined) throw new ConfigError(name, wrongPrefix);
  if (PLACEHOLDER_BODY.test(body) || (STRIPE_KEY_BODY.test(body) && body.length < MIN_STRIPE_KEY_BODY_LENGTH)) {
    throw new ConfigError(
      name,
      'looks like a placeholder or a shortened key; paste the whole key from the Stripe Dashboard (Developers → API keys)',
    );
  }
  if (!STRIPE_KEY_BODY.test(body)) {
    throw new ConfigError(name, 'has characters a Stripe key never has (only letters, digits and _); paste the whole key from the Stripe Dashboard');
  }
}
