import * as oauth from 'oauth4webapi';
import { UnauthenticatedError } from '../core/errors.js';
import { boundedFetch } from './bounded-fetch.js';
import { describeFailure, type ProviderHealth } from './provider-health.js';
import type { TokenResolver } from './token-resolver.js';
import { identityFromClaims } from './user-id.js';

export interface IntrospectionOptions {
  /** AUTH_INTROSPECTION_URL */
  endpoint: URL;
  clientId: string;
  clientSecret: string;
  /** The member naming the user (AUTH_JWT_USER_CLAIM, `sub` by default). */
  userClaim: string;
  timeoutMs: number;
  health: ProviderHealth;
}

const MAX_INTROSPECTION_BYTES = 64 * 1024;

/**
 * RFC 7662 token introspection with the gateway's client credentials (HTTP Basic), by
 * oauth4webapi. `active: true` names the user; `active: false` is the endpoint's verdict against
 * the token. The endpoint refusing the gateway's own credentials says nothing about the token:
 * it is an outage (503), logged as such.
 */
export function createIntrospectionResolver(options: IntrospectionOptions): TokenResolver {
  const { endpoint, clientId, clientSecret, userClaim, timeoutMs, health } = options;
  const server: oauth.AuthorizationServer = { issuer: endpoint.origin, introspection_endpoint: endpoint.href };
  const client: oauth.Client = { client_id: clientId };
  const clientAuth = oauth.ClientSecretBasic(clientSecret);
  const fetchBounded: oauth.IntrospectionRequestOptions[typeof oauth.customFetch] = (url, init) =>
    boundedFetch(url, init as RequestInit, { maxBytes: MAX_INTROSPECTION_BYTES });

  return async (token) => {
    let answer: oauth.IntrospectionResponse;
    try {
      const response = await oauth.introspectionRequest(server, client, clientAuth, token, {
        signal: AbortSignal.timeout(timeoutMs),
        [oauth.customFetch]: fetchBounded,
        [oauth.allowInsecureRequests]: endpoint.protocol === 'http:',
      });
      answer = await oauth.processIntrospectionResponse(server, client, response);
    } catch (error) {
      throw health.failed(reasonOf(error), error);
    }
    if (!answer.active) {
      health.answered('invalid');
      throw new UnauthenticatedError('The token is not active.');
    }
    health.answered('ok');
    return identityFromClaims(answer, userClaim, 'The introspection answer');
  };
}

function reasonOf(error: unknown): string {
  if (error instanceof oauth.ResponseBodyError || error instanceof oauth.WWWAuthenticateChallengeError) {
    const code = error instanceof oauth.ResponseBodyError ? error.error : undefined;
    return error.status === 401 || code === 'invalid_client'
      ? `answered HTTP ${error.status}: it refuses the gateway's client credentials (AUTH_INTROSPECTION_CLIENT_ID/SECRET)`
      : `answered HTTP ${error.status}${code ? ` (${code})` : ''}`;
  }
  if (error instanceof oauth.OperationProcessingError) {
    const status = error.cause instanceof Response ? `HTTP ${error.cause.status}: ` : '';
    return `answered ${status}something that is not an introspection result (${error.code})`;
  }
  return describeFailure(error);
}
