import { ApiError, docUrl } from './errors.js';

/*
 * Real Stripe answers authentication failures with HTTP 401 and error type
 * `invalid_request_error` (there is no separate "authentication_error" type on the wire);
 * the SDK maps any 401 to StripeAuthenticationError.
 */

const NO_KEY_MESSAGE =
  "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";

/** Key from `Bearer <key>` or HTTP Basic with the key as user name (as curl -u sk_…: sends). */
export function extractApiKey(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const space = authorization.indexOf(' ');
  if (space === -1) return undefined;
  const scheme = authorization.slice(0, space).toLowerCase();
  const credentials = authorization.slice(space + 1).trim();
  if (scheme === 'bearer') return credentials || undefined;
  if (scheme === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return (colon === -1 ? decoded : decoded.slice(0, colon)) || undefined;
  }
  return undefined;
}

export function isLiveKey(key: string): boolean {
  return key.startsWith('sk_live_') || key.startsWith('rk_live_') || key.startsWith('pk_live_');
}

/** A publishable key on a route that needs a secret key. */
export function publishableKeyRefused(): ApiError {
  return unauthorized(
    'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
  );
}

/** Never echo a key: keep its kind prefix and last four characters only. */
export function maskKey(key: string): string {
  const prefix = /^[a-z]{2}_(?:test|live)_/.exec(key)?.[0] ?? '';
  const rest = key.slice(prefix.length);
  return `${prefix}****${rest.length > 8 ? rest.slice(-4) : ''}`;
}

function unauthorized(message: string): ApiError {
  return new ApiError(401, { type: 'invalid_request_error', message }, { 'WWW-Authenticate': 'Basic realm="Stripe"' });
}

/** Returns the accepted key or throws Stripe's 401. */
export function authenticate(authorization: string | undefined, acceptedKeys: ReadonlySet<string>): string {
  const key = extractApiKey(authorization);
  if (key === undefined) throw unauthorized(NO_KEY_MESSAGE);
  if (!acceptedKeys.has(key)) throw unauthorized(`Invalid API Key provided: ${maskKey(key)}`);
  return key;
}

/*
 * Stripe-Account naming an account the key may not act for. Stripe answers 403 (the SDK raises
 * StripePermissionError) with type invalid_request_error: code account_invalid for a platform's
 * key, and its "only platforms" message for a key of an account that has no connected accounts.
 */

export function noAccessToAccount(key: string, accountId: string): ApiError {
  return new ApiError(403, {
    type: 'invalid_request_error',
    code: 'account_invalid',
    doc_url: docUrl('account_invalid'),
    message: `The provided key '${maskKey(key)}' does not have access to account '${accountId}' (or that account does not exist). Application access may have been revoked.`,
  });
}

export function notAPlatform(): ApiError {
  return new ApiError(403, {
    type: 'invalid_request_error',
    message:
      "Only Stripe Connect platforms can work with other accounts. If you specified a client_id parameter, make sure it's correct. If you need to setup a Stripe Connect platform, you can do so at https://dashboard.stripe.com/account/applications/settings.",
  });
}
