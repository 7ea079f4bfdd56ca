import type Stripe from 'stripe';
import type { AccountRegistry, EmulatedAccount } from './accounts.js';
import type { Params } from './form.js';
import type { EmulatorState } from './state.js';

/** An event a handler raised; sent to the webhook endpoints only once the request has succeeded. */
export interface PendingEvent {
  type: Stripe.Event.Type;
  object: Stripe.Event.Data.Object;
}

/** What a resource handler sees of one authenticated request. */
export interface RequestContext {
  /** The objects of the account the request acts on. */
  readonly state: EmulatorState;
  readonly params: Params;
  /** True when the API key is a live key (sk_live_/rk_live_/pk_live_). */
  readonly livemode: boolean;
  /** True when the request came with a publishable key: the object's client_secret is then required. */
  readonly publishable: boolean;
  /** Decoded `:id` path segment; '' on collection routes. */
  readonly id: string;
  /** The Stripe-Version request header, if one was sent. */
  readonly stripeVersionHeader: string | undefined;
  /** The account the request acts on: the key's own, or the connected one `Stripe-Account` named. */
  readonly accountId: string;
  readonly account: EmulatedAccount;
  /** The key's own account (the platform when `Stripe-Account` was sent). */
  readonly keyAccount: EmulatedAccount;
  /** The API key the request came with (scopes errors that name it). */
  readonly apiKey: string;
  readonly accounts: AccountRegistry;
  /** Events raised by the handler, in order. */
  readonly events: PendingEvent[];
}

/** Returns the 200 response body, or throws ApiError. */
export type Handler = (ctx: RequestContext) => object;
