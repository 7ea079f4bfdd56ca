import * as oauth from 'oauth4webapi';
import { UnauthenticatedError } from '../core/errors.js';
import { boundedFetch, ResponseTooLargeError } from './bounded-fetch.js';
import { CLOCK_TOLERANCE_SECONDS } from './jwt-verifier.js';
import { describeFailure, isOutageStatus, type ProviderHealth } from './provider-health.js';
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
 * the token, and so is any other answer about it (a 4xx, a malformed body, `active: "true"`, time
 * claims that make it not valid now): one token's odd answer must not sign everybody out. Only no
 * answer in time, a 5xx, or the endpoint refusing the gateway's own credentials (RFC 7662 2.3: a
 * 401, told apart from any other answer by its `WWW-Authenticate` challenge, or an
 * `invalid_client` / `unauthorized_client` error) is an outage (503), logged as such.
 */
export function createIntrospectionResolver(options: IntrospectionOptions): TokenResolver {
  const { endpoint, clientId, clientSecret, userClaim, timeoutMs, health } = options;
  const server: oauth.AuthorizationServer = { issuer: endpoint.origin, introspection_endpoint: endpoint.href };
  const client: oauth.Client = { client_id: clientId };
  const clientAuth = oauth.ClientSecretBasic(clientSecret);
  const fetchBounded: oauth.IntrospectionRequestOptions[typeof oauth.customFetch] = (url, init) =>
    boundedFetch(url, init as RequestInit, { maxBytes: MAX_INTROSPECTION_BYTES });
  const oddAnswer = (reason: string) => {
    health.answeredOddly(reason);
    return new UnauthenticatedError('The identity provider gave no usable answer about this token.');
  };

  return async (token) => {
    let response: Response;
    try {
      response = await oauth.introspectionRequest(server, client, clientAuth, token, {
        signal: AbortSignal.timeout(timeoutMs),
        [oauth.customFetch]: fetchBounded,
        [oauth.allowInsecureRequests]: endpoint.protocol === 'http:',
      });
    } catch (error) {
      if (error instanceof ResponseTooLargeError && !isOutageStatus(error.status)) {
        throw oddAnswer(`answered HTTP ${error.status} over ${MAX_INTROSPECTION_BYTES} bytes`);
      }
      throw health.failed(describeFailure(error), error);
    }
    if (isOutageStatus(response.status)) throw health.failed(`answered HTTP ${response.status}`);
    if (await refusesClientCredentials(response)) {
      throw health.failed(`answered HTTP ${response.status}: it refuses the gateway's client credentials (AUTH_INTROSPECTION_CLIENT_ID/SECRET)`);
    }
    let answer: oauth.IntrospectionResponse;
    try {
      answer = await oauth.processIntrospectionResponse(server, client, response);
    } catch (error) {
      throw oddAnswer(reasonOf(error, response.status));
    }
    if (!answer.active) {
      health.answered('invalid');
      throw new UnauthenticatedError('The token is not active.');
    }
    const timeProblem = timeClaimProblem(answer);
    if (timeProblem !== undefined) {
      health.answered('invalid');
      throw new UnauthenticatedError(`The token ${timeProblem}.`);
    }
    health.answered('ok');
    return identityFromClaims(answer, userClaim, 'The introspection answer');
  };
}

/** RFC 6749 5.2: a client the server does not accept (or not for this); RFC 7235: a 401 for the client carries a challenge. */
async function refusesClientCredentials(response: Response): Promise<boolean> {
  if (response.status < 400) return false;
  if (response.status === 401 && response.headers.has('www-authenticate')) return true;
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => undefined);
  const code = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  return code === 'invalid_client' || code === 'unauthorized_client';
}

/**
 * Contract 6.16: an active token's time claims still hold, with the clock skew JWTs get. A claim
 * that is present but not a number is malformed, so refused too.
 */
function timeClaimProblem(answer: oauth.IntrospectionResponse): string | undefined {
  const now = Date.now() / 1000;
  const { exp, nbf, iat } = answer as { exp?: unknown; nbf?: unknown; iat?: unknown };
  for (const [claim, value] of Object.entries({ exp, nbf, iat })) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) return `has a malformed ${claim} claim`;
  }
  if (typeof exp === 'number' && exp < now - CLOCK_TOLERANCE_SECONDS) return 'has expired (exp)';
  if (typeof nbf === 'number' && nbf > now + CLOCK_TOLERANCE_SECONDS) return 'is not valid yet (nbf)';
  if (typeof iat === 'number' && iat > now + CLOCK_TOLERANCE_SECONDS) return 'is issued in the future (iat)';
  return undefined;
}

function reasonOf(error: unknown, status: number): string {
  if (error instanceof oauth.ResponseBodyError) return `answered HTTP ${status} (${error.error})`;
  if (error instanceof oauth.WWWAuthenticateChallengeError) return `answered HTTP ${status} with a challenge`;
  if (error instanceof oauth.OperationProcessingError) return `answered HTTP ${status}, not an introspection result (${error.code})`;
  return `answered HTTP ${status}: ${describeFailure(error)}`;
}
