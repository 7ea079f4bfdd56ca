import { UnauthenticatedError } from '../core/errors.js';
import { boundedFetch } from './bounded-fetch.js';
import { describeFailure, type ProviderHealth } from './provider-health.js';
import type { TokenResolver } from './token-resolver.js';
import { textClaim, userIdFrom } from './user-id.js';

export interface SpreeAccountOptions {
  /** AUTH_SPREE_URL: the store's base URL. */
  storeUrl: URL;
  timeoutMs: number;
  health: ProviderHealth;
}

// An account answer is a few hundred bytes; anything near this is not one.
const MAX_ACCOUNT_BYTES = 64 * 1024;

/**
 * Spree's own OAuth (Doorkeeper) access tokens, asked of the store exactly as its storefront asks:
 * `GET /api/v2/storefront/account` with the token. 200 names the user (JSON:API `data.id`, the
 * email and name Spree holds); 401 (expired, revoked) and 403 (unknown) are Spree's verdict against
 * the token; anything else, or no answer in time, is an outage.
 */
export function createSpreeAccountResolver({ storeUrl, timeoutMs, health }: SpreeAccountOptions): TokenResolver {
  const endpoint = new URL('api/v2/storefront/account', storeUrl.href.endsWith('/') ? storeUrl : `${storeUrl.href}/`);
  return async (token) => {
    let response: Response;
    try {
      response = await boundedFetch(
        endpoint,
        { headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.api+json' } },
        { maxBytes: MAX_ACCOUNT_BYTES, timeoutMs },
      );
    } catch (error) {
      throw health.failed(describeFailure(error), error);
    }
    if (response.status === 401 || response.status === 403) {
      health.answered('invalid');
      throw new UnauthenticatedError('The store does not accept this token: it is expired, revoked or unknown.');
    }
    if (response.status !== 200) throw health.failed(`answered HTTP ${response.status}`);
    const account = await response.json().catch(() => undefined);
    const data = (account as { data?: { id?: unknown; attributes?: Record<string, unknown> } } | undefined)?.data;
    if (typeof data !== 'object' || data === null || !('id' in data)) throw health.failed('answered 200 without a JSON:API account');
    health.answered('ok');
    const userId = userIdFrom(data.id);
    if (userId === undefined) throw new UnauthenticatedError('The store names no usable user id for this token.');
    const attributes = data.attributes ?? {};
    const name = [textClaim(attributes.first_name), textClaim(attributes.last_name)].filter(Boolean).join(' ');
    return { userId, email: textClaim(attributes.email), name: name === '' ? undefined : name };
  };
}
