import type { Params } from './form.js';
import type { EmulatorState } from './state.js';

/** What a resource handler sees of one authenticated request. */
export interface RequestContext {
  readonly state: EmulatorState;
  readonly params: Params;
  /** True when the API key is a live key (sk_live_/rk_live_). */
  readonly livemode: boolean;
  /** Decoded `:id` path segment; '' on collection routes. */
  readonly id: string;
  /** The Stripe-Version request header, if one was sent. */
  readonly stripeVersionHeader: string | undefined;
  readonly accountId: string;
}

/** Returns the 200 response body, or throws ApiError. */
export type Handler = (ctx: RequestContext) => object;
