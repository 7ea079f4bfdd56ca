import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import Stripe from 'stripe';

export interface StripeClientOptions {
  secretKey: string;
  timeoutMs: number;
  /** Stripe's own API when unset; an emulator, stripe-mock or a proxy otherwise. */
  apiBase: URL | undefined;
}

/** Each POST carries an idempotency key, so a retried create never doubles an object. */
export const STRIPE_MAX_NETWORK_RETRIES = 2;
const MAX_SOCKETS = 64;

export function createStripeClient({ secretKey, timeoutMs, apiBase }: StripeClientOptions): Stripe {
  const protocol = apiBase?.protocol === 'http:' ? 'http' : 'https';
  const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS };
  return new Stripe(secretKey, {
    apiVersion: Stripe.API_VERSION,
    maxNetworkRetries: STRIPE_MAX_NETWORK_RETRIES,
    timeout: timeoutMs,
    telemetry: false,
    httpAgent: protocol === 'http' ? new HttpAgent(agentOptions) : new HttpsAgent(agentOptions),
    appInfo: { name: 'stripe-setup-gateway' },
    ...(apiBase && {
      host: apiBase.hostname,
      port: apiBase.port || (protocol === 'http' ? 80 : 443),
      protocol,
    }),
  });
}

export function stripeMode(secretKey: string): 'live' | 'test' {
  return /^(sk|rk)_live_/.test(secretKey) ? 'live' : 'test';
}
