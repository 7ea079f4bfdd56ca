import { UnauthenticatedError } from '../core/errors.js';
import { boundedFetch, ResponseTooLargeError } from './bounded-fetch.js';
import { describeFailure, isOutageStatus, type ProviderHealth } from './provider-health.js';
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
 * the token. Any other answer about the token (another 4xx, such as nginx's 400 for oversized
 * headers, or a 200 without an account) is a verdict too: one token's odd answer must not sign
 * everybody out. Only no answer in time or a 5xx is an outage.
 */
export function createSpreeAccountResolver({ storeUrl, timeoutMs, health }: SpreeAccountOptions): TokenResolver {
  const endpoint = new URL('api/v2/storefront/account', storeUrl.href.endsWith('/') ? storeUrl : `${storeUrl.href}/`);
  const oddAnswer = (reason: string) => {
    health.answeredOddly(reason);
    return new UnauthenticatedError('The store gave no usable answer about this token.');
  };
  return async (token) => {
    let response: Response;
    try {
      response = await boundedFetch(
        endpoint,
        { headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.api+json' } },
        { maxBytes: MAX_ACCOUNT_BYTES, timeoutMs },
      );
    } catch (error) {
      if (error instanceof ResponseTooLargeError && !isOutageStatus(error.status)) throw oddAnswer(`answered HTTP ${error.status} over ${MAX_ACCOUNT_BYTES} bytes`);
      throw health.failed(describeFailure(error), error);
    }
    if (response.status === 401 || response.status === 403) {
      health.answered('invalid');
      throw new UnauthenticatedError('The store does not accept this token: it is expired, revoked or unknown.');
    }
    if (isOutageStatus(response.status)) throw health.failed(`answered HTTP ${response.status}`);
    if (response.status !== 200) throw oddAnswer(`answered HTTP ${response.status}`);
    const account = await response.json().catch(() => undefined);
    const data = (account as { data?: { id?: unknown; attributes?: Record<string, unknown> } } | undefined)?.data;
    if (typeof data !== 'object' || data === null || !('id' in data)) throw oddAnswer('answered 200 without a JSON:API account');
    health.answered('ok');
    const userId = userIdFrom(data.id);
    if (userId === undefined) throw new UnauthenticatedError('The store names no usable user id for this token.');
    const attributes = data.attributes ?? {};
    const name = [textClaim(attributes.first_name), textClaim(attributes.last_name)].filter(Boolean).join(' ');
    return { userId, email: textClaim(attributes.email), name: name === '' ? undefined : name };
  };
}
