import type Stripe from 'stripe';
import type { FaultSpec } from './faults.js';
import type { RecordedRequest } from './request-log.js';
import type { EmulatedEphemeralKey } from './state.js';
import type { WebhookDelivery, WebhookEndpoint, WebhookOptions } from './webhooks.js';

export interface StripeEmulatorOptions {
  /** Secret keys accepted (Bearer). Default: [DEFAULT_EMULATOR_SECRET_KEY]. A key starting sk_live_/rk_live_ makes objects livemode:true. */
  secretKeys?: string[];
  /** Fixed added latency per request, ms. Default 0. */
  latencyMs?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Stripe account id reported by GET /v1/account. Default: a generated 'acct_…' (or the state file's). */
  accountId?: string;
  /**
   * A JSON file the state (account, customers, setup intents, ephemeral keys, idempotent results)
   * is kept in: loaded at start when it exists, written shortly after each change and on close.
   * Unset: in memory only.
   */
  statePath?: string;
  /** Lifetime of new ephemeral keys (their `expires`), seconds. Default 3600, as on Stripe. */
  ephemeralKeyTtlSeconds?: number;
  /** Lifetime of new customer sessions (their `expires_at`), seconds. Default 1800, as on Stripe. */
  customerSessionTtlSeconds?: number;
  /** Publishable keys accepted where Stripe accepts them (confirming a SetupIntent with its client_secret). Default: [DEFAULT_EMULATOR_PUBLISHABLE_KEY]. */
  publishableKeys?: string[];
  /** Signed event delivery; endpoints can also be added later with addWebhookEndpoint(). */
  webhooks?: WebhookOptions & { endpoints?: WebhookEndpoint[] };
}

/** A customer as stored; `deleted: true` once deleted through the API or deleteCustomer(). */
export type EmulatedCustomer = Omit<Stripe.Customer, 'deleted'> & { deleted?: true };
export type EmulatedSetupIntent = Stripe.SetupIntent;
export type { EmulatedEphemeralKey };

export interface StripeEmulator {
  /** 'http://127.0.0.1:PORT' */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly accountId: string;
  /** Closes the server, including keep-alive sockets and hung requests. Safe to call twice. */
  close(): Promise<void>;
  setLatency(ms: number): void;
  /** Accepts one more secret key from now on, as a key created (or rolled) in the Dashboard is. */
  acceptSecretKey(key: string): void;
  /** Refuses a secret key from now on (401), as one rolled or revoked in the Dashboard is. */
  refuseSecretKey(key: string): void;
  /** Inject a fault; remove() undoes it. */
  injectFault(fault: FaultSpec): { remove(): void };
  clearFaults(): void;
  /** Copies, in creation order; includes deleted customers with deleted: true. */
  customers(): EmulatedCustomer[];
  setupIntents(): EmulatedSetupIntent[];
  /** Includes the Stripe-Version each key was created with (apiVersion). */
  ephemeralKeys(): EmulatedEphemeralKey[];
  /** As if deleted in the Dashboard (a customer.deleted event follows). Throws for an unknown id. */
  deleteCustomer(id: string): void;
  /** Copies, in creation order; detached ones have customer: null. */
  paymentMethods(): Stripe.PaymentMethod[];
  /** Copies, in creation order. */
  customerSessions(): Stripe.CustomerSession[];
  /** Sends every later event (of the enabled types) to the endpoint, signed with its secret. */
  addWebhookEndpoint(endpoint: WebhookEndpoint): { remove(): void };
  /** Events raised while at least one endpoint was configured, oldest first. */
  events(): Stripe.Event[];
  /** Delivers an event again to every endpoint (the Dashboard's "Resend"). */
  resendEvent(eventId: string): void;
  /** One entry per event and endpoint, oldest first. */
  webhookDeliveries(): WebhookDelivery[];
  /** Resolves once no delivery is in flight or waiting for a retry. */
  webhooksIdle(): Promise<void>;
  /** Last 10,000 requests, oldest first (copies). */
  requests(): RecordedRequest[];
  resetRequests(): void;
}
