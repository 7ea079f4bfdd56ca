import type Stripe from 'stripe';
import type { FaultSpec } from './faults.js';
import type { RecordedRequest } from './request-log.js';
import type { EmulatedEphemeralKey } from './state.js';

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
  /** Inject a fault; remove() undoes it. */
  injectFault(fault: FaultSpec): { remove(): void };
  clearFaults(): void;
  /** Copies, in creation order; includes deleted customers with deleted: true. */
  customers(): EmulatedCustomer[];
  setupIntents(): EmulatedSetupIntent[];
  /** Includes the Stripe-Version each key was created with (apiVersion). */
  ephemeralKeys(): EmulatedEphemeralKey[];
  /** As if deleted in the Dashboard. Throws for an unknown id. */
  deleteCustomer(id: string): void;
  /** Last 10,000 requests, oldest first (copies). */
  requests(): RecordedRequest[];
  resetRequests(): void;
}
