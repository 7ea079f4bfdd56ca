import { stripeMode } from '../stripe/client.js';
import type { GatewayConfig } from './config.js';

/** Stripe's own API, where the SDK goes when STRIPE_API_BASE is unset. */
export const STRIPE_API = 'https://api.stripe.com';

/**
 * What a client needs to script against this gateway (contract 3, `GET /`): the mode, the Stripe
 * API its secret key talks to (sandbox mode: the built-in emulator, or Stripe's test mode with
 * SANDBOX=true), the publishable key clients confirm with, and in sandbox mode a development
 * bearer token for user_1. Read from the config as the gateway runs it (after enterSandboxMode).
 */
export interface ClientSetup {
  mode: 'sandbox' | 'test' | 'live';
  /** e.g. `http://127.0.0.1:12111`, without a trailing slash. */
  stripeApiBase: string;
  publishableKey: string | undefined;
  /** Sandbox mode only. */
  token: string | undefined;
}

export function clientSetup(config: GatewayConfig): ClientSetup {
  const { secretKey, apiBase, publishableKey } = config.stripe;
  return {
    mode: config.sandbox ? 'sandbox' : stripeMode(secretKey ?? ''),
    stripeApiBase: apiBase === undefined ? STRIPE_API : apiBase.href.replace(/\/+$/, ''),
    publishableKey,
    token: config.sandbox ? config.sandboxToken : undefined,
  };
}
