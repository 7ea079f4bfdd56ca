import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import Stripe from 'stripe';
import type { StripeRequestGate } from '../core/stripe-gate.js';
import { BudgetedHttpClient } from './budgeted-http-client.js';
import { DeadlineHttpClient } from './deadline-http-client.js';
import { TracedStripeHttpClient } from './traced-http-client.js';

export interface StripeClientOptions {
  secretKey: string;
  timeoutMs: number;
  /** Stripe's own API when unset; an emulator, stripe-mock or a proxy otherwise. */
  apiBase: URL | undefined;
  /** OpenTelemetry on: a span per Stripe request (./traced-http-client.ts). */
  traced?: boolean;
  /** A connected account (Stripe Connect): every request of this client carries `Stripe-Account`. */
  stripeAccount?: string | undefined;
  /** What requests outside a call (webhook handlers) pass; a call's own pass its reservation. */
  outsideCalls?: StripeRequestGate;
  /**
   * Keep-alive connections shared with other clients of the same Stripe account (stores on one
   * key; see stripeConnections); unset: a pool of this client's own.
   */
  connections?: HttpAgent | HttpsAgent;
}

/** Each POST carries an idempotency key, so a retried create never doubles an object. */
export const STRIPE_MAX_NETWORK_RETRIES = 2;
/**
 * Keep-alive connections to Stripe. Every call in flight needs one, and a known user's call has
 * two in flight at once (the key and the intent): a cap at the incoming concurrency would queue
 * half of them for a whole round trip. 256 is more than one instance's CPU can keep busy at
 * Stripe's latency, yet bounds the sockets should Stripe slow down.
 */
const MAX_SOCKETS = 256;

/** A pool of keep-alive connections to `apiBase` (Stripe's own API when unset). */
export function stripeConnections(apiBase: URL | undefined): HttpAgent | HttpsAgent {
  const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS };
  return apiBase?.protocol === 'http:' ? new HttpAgent(agentOptions) : new HttpsAgent(agentOptions);
}

export function createStripeClient({
  secretKey,
  timeoutMs,
  apiBase,
  traced = false,
  stripeAccount,
  outsideCalls,
  connections = stripeConnections(apiBase),
}: StripeClientOptions): Stripe {
  const protocol = apiBase?.protocol === 'http:' ? 'http' : 'https';
  const nodeClient = Stripe.createNodeHttpClient(connections);
  // The budget first: a request it holds back waits before the deadline measures what is left.
  const httpClient = new BudgetedHttpClient(new DeadlineHttpClient(traced ? new TracedStripeHttpClient(nodeClient) : nodeClient));
  httpClient.outsideCalls = outsideCalls;
  const stripe = new Stripe(secretKey, {
    apiVersion: Stripe.API_VERSION,
    maxNetworkRetries: STRIPE_MAX_NETWORK_RETRIES,
    timeout: timeoutMs,
    telemetry: false,
    // Tracing on: a span per attempt that really starts (beneath the budget's and the deadline's checks).
    httpClient,
    appInfo: { name: 'stripe-setup-gateway' },
    // The SDK's default for every request (a request's own option would override it; none sets one).
    ...(stripeAccount && { stripeAccount }),
    ...(apiBase && {
      host: apiBase.hostname,
      port: apiBase.port || (protocol === 'http' ? 80 : 443),
      protocol,
    }),
  });
  skipCallSiteStacks(stripe);
  reuseClientUserAgent(stripe);
  return stripe;
}

/**
 * stripe-node rebuilds its `X-Stripe-Client-User-Agent` header (a JSON object, every field
 * URI-encoded) for every request: 2 % of the gateway's CPU per answer in a profile. Its inputs
 * (the SDK version, the app info, the HTTP client's name) are fixed for the client's life, so
 * it is built once. A release that renames the method keeps working, without the saving.
 */
function reuseClientUserAgent(stripe: Stripe): void {
  const client = stripe as unknown as { getClientUserAgent?: (callback: (userAgent: string) => void) => void };
  const build = client.getClientUserAgent;
  if (typeof build !== 'function') return;
  let built: string | undefined;
  build.call(stripe, (userAgent) => {
    built = userAgent;
  });
  if (built === undefined) return;
  const userAgent = built;
  client.getClientUserAgent = (callback) => callback(userAgent);
}

/**
 * stripe-node formats `new Error().stack` before every call, to append the caller's frames to
 * the error should the call fail: 7-17 % of the gateway's CPU per request in `npm run bench`,
 * 19-36 % under `--enable-source-maps` (as `npm start` runs), which maps every frame. Our Stripe
 * errors are translated at one boundary and logged with their own stacks, so the capture runs
 * with no frames to format (a failed call's stack then ends "Originating from: Error").
 * `_makeRequest` is the SDK's own; should a release rename it, nothing breaks, the saving goes.
 */
function skipCallSiteStacks(stripe: Stripe): void {
  for (const resource of [
    stripe.customers,
    stripe.ephemeralKeys,
    stripe.setupIntents,
    stripe.accounts,
    stripe.customerSessions,
    stripe.paymentMethods,
  ]) {
    const target = resource as unknown as { _makeRequest?: MakeRequest };
    const makeRequest = target._makeRequest;
    if (typeof makeRequest !== 'function') continue;
    target._makeRequest = withoutCallSiteStack(makeRequest);
  }
}

type MakeRequest = (...args: unknown[]) => unknown;
const stacklessVersions = new WeakMap<MakeRequest, MakeRequest>();

/**
 * One wrapper per SDK function, shared by every client (a store each): the SDK's call sites then
 * see one function, not one per client, and stay monomorphic with many stores.
 */
function withoutCallSiteStack(makeRequest: MakeRequest): MakeRequest {
  let wrapped = stacklessVersions.get(makeRequest);
  if (wrapped === undefined) {
    wrapped = function (this: unknown, ...args: unknown[]) {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        return makeRequest.apply(this, args);
      } finally {
        Error.stackTraceLimit = limit;
      }
    };
    stacklessVersions.set(makeRequest, wrapped);
  }
  return wrapped;
}

export function stripeMode(secretKey: string): 'live' | 'test' {
  return /^(sk|rk)_live_/.test(secretKey) ? 'live' : 'test';
}
