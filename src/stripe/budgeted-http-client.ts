import Stripe from 'stripe';
import { callStripeGate, type StripeRequestGate } from '../core/stripe-gate.js';
import { RateLimitedError } from '../core/errors.js';

type MakeRequest = Stripe.HttpClient['makeRequest'];

/**
 * stripe-node passes an `HttpClientRuntimeError` thrown by the HTTP client straight to the
 * caller; any other error it takes for a network failure and retries after a back-off sleep
 * (0.5 s and more), which would hold a turned-away call well past "answered at once". The class
 * is not exported, so it is loaded from the SDK's own module; should a release move it, a plain
 * Error is thrown instead and the refusal still surfaces, after the SDK's retries (each of which
 * asks the budget again, and sends nothing unless it is granted).
 */
const RuntimeError: new (message: string) => Error = await (async () => {
  try {
    const module = (await import(new URL('./net/HttpClient.js', import.meta.resolve('stripe')).href)) as {
      HttpClient?: unknown;
      HttpClientRuntimeError?: new (message: string) => Error;
    };
    if (module.HttpClient === Stripe.HttpClient && module.HttpClientRuntimeError) return module.HttpClientRuntimeError;
  } catch {
    // not found: the fallback below
  }
  return Error;
})();

/** The budget refused a Stripe request; `refusal` is what the call answers. */
export class StripeBudgetRefusal extends RuntimeError {
  constructor(readonly refusal: RateLimitedError) {
    super(refusal.message);
    this.name = 'StripeBudgetRefusal';
  }
}

/** The refusal behind an error the SDK rejected with, however it wrapped it. */
export function budgetRefusalOf(error: unknown): RateLimitedError | undefined {
  if (error instanceof StripeBudgetRefusal) return error.refusal;
  if (error instanceof Stripe.errors.StripeConnectionError) {
    const detail = (error as { detail?: unknown }).detail;
    if (detail instanceof StripeBudgetRefusal) return detail.refusal;
  }
  return undefined;
}

/**
 * The Stripe account's request budget in front of every attempt: a call's requests pass the
 * call's reservation (src/limits/stripe-reservation.ts); requests outside a call (webhook
 * handlers) take one request each from the account's budget. Looking the account up (which
 * names the budget) passes free: once per process.
 */
export class BudgetedHttpClient implements Stripe.HttpClient {
  /** Set by the composition root once the budgets exist. */
  outsideCalls: StripeRequestGate | undefined;

  constructor(private readonly inner: Stripe.HttpClient) {}

  getClientName(): string {
    return this.inner.getClientName();
  }

  async makeRequest(...args: Parameters<MakeRequest>) {
    const path = args[2];
    const gate = callStripeGate() ?? (path === '/v1/account' ? undefined : this.outsideCalls);
    if (gate !== undefined) {
      try {
        await gate.beforeRequest();
      } catch (error) {
        if (error instanceof RateLimitedError) throw new StripeBudgetRefusal(error);
        throw error;
      }
    }
    return this.inner.makeRequest(...args);
  }
}
