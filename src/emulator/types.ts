import type Stripe from 'stripe';
import type { FaultSpec } from './faults.js';
import type { EmulatorStateStore } from './persistence.js';
import type { RecordedRequest } from './request-log.js';
import type { EmulatedEphemeralKey } from './state.js';
import type { WebhookDelivery, WebhookEndpoint, WebhookOptions } from './webhooks.js';

/** One Stripe account of the emulator, reached with its own keys. */
export interface EmulatorAccountOptions {
  /** The account's identity (the state file's account of this id, whatever its keys). Default: a generated 'acct_…', or the state file's account found again by one of its keys. */
  id?: string;
  /** Its secret keys (sk_…/rk_…); at least one. A live key makes objects livemode:true. */
  secretKeys: string[];
  /** Its publishable keys (pk_…), accepted where Stripe accepts them. Default: none. */
  publishableKeys?: string[];
  /** Connected accounts (Stripe Connect) that exist from the start; more with POST /v1/accounts. */
  connectedAccounts?: string[];
}

export interface StripeEmulatorOptions {
  /**
   * Several accounts, each with keys of its own; objects of one are invisible to the others.
   * The first is the emulator's `accountId`. Exclusive with secretKeys/publishableKeys/accountId,
   * which describe a single account.
   */
  accounts?: EmulatorAccountOptions[];
  /** Secret keys accepted (Bearer). Default: [DEFAULT_EMULATOR_SECRET_KEY]. A key starting sk_live_/rk_live_ makes objects livemode:true. */
  secretKeys?: string[];
  /** Fixed added latency per request, ms. Default 0. */
  latencyMs?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Stripe account id reported by GET /v1/account. Default: a generated 'acct_…' (or the state file's, found by the keys). */
  accountId?: string;
  /**
   * A JSON file the state (account, customers, setup intents, ephemeral keys, idempotent results)
   * is kept in: loaded at start when it exists (written at once when it does not), written shortly
   * after each change and on close.
   * Unset: in memory only.
   */
  statePath?: string;
  /** Anywhere else to keep the state (a database row); excludes statePath. Saved at once when new. */
  stateStore?: EmulatorStateStore;
  /** A save in the background failed (it is tried again); default: a process warning. */
  onStateSaveError?: (error: unknown) => void;
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

/** An emulated account as tests see it. */
export interface EmulatedAccountInfo {
  id: string;
  /** The platform it is connected to; null for an account with keys of its own. */
  platform: string | null;
  /** What GET /v1/account answers for it. */
  object: Stripe.Account;
}

export interface StripeEmulator {
  /** 'http://127.0.0.1:PORT' */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The first account's id. */
  readonly accountId: string;
  /** Every account (with keys, or connected), copies. */
  accounts(): EmulatedAccountInfo[];
  /** The id of the account a key belongs to (secret or publishable); undefined for an unknown key. */
  accountOf(key: string): string | undefined;
  /** A new connected account of `platform` (an account id), as POST /v1/accounts makes one; returns its id. */
  connectAccount(platform: string, id?: string): string;
  /** Closes the server, including keep-alive sockets and hung requests. Safe to call twice. */
  close(): Promise<void>;
  setLatency(ms: number): void;
  /** Accepts one more secret key from now on, as a key created (or rolled) in the Dashboard is; a key no account has is the first account's. */
  acceptSecretKey(key: string): void;
  /** Refuses a secret key from now on (401), as one rolled or revoked in the Dashboard is. */
  refuseSecretKey(key: string): void;
  /** Inject a fault; remove() undoes it. */
  injectFault(fault: FaultSpec): { remove(): void };
  clearFaults(): void;
  /*
   * Object listings: of one account when `account` (an id) is given, else of every account, one
   * account after another. Throw for an unknown account id.
   */
  /** Copies, in creation order; includes deleted customers with deleted: true. */
  customers(account?: string): EmulatedCustomer[];
  setupIntents(account?: string): EmulatedSetupIntent[];
  /** Includes the Stripe-Version each key was created with (apiVersion). */
  ephemeralKeys(account?: string): EmulatedEphemeralKey[];
  /** As if deleted in the Dashboard (a customer.deleted event follows). Throws for an unknown id. */
  deleteCustomer(id: string): void;
  /** Copies, in creation order; detached ones have customer: null. */
  paymentMethods(account?: string): Stripe.PaymentMethod[];
  /** Copies, in creation order. */
  customerSessions(account?: string): Stripe.CustomerSession[];
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
