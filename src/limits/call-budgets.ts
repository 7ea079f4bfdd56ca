import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SignedIn, Viewer } from '../auth/viewer.js';
import { callDeadline } from '../core/deadline.js';
import { RateLimitedError } from '../core/errors.js';
import { useStripeGate, type StripeRequestGate } from '../core/stripe-gate.js';
import { guestBudgetKey } from './address-key.js';
import type { Budgets, CallerBudget, SpendOutcome } from './budget.js';
import { sendDeadline, StripeReservation } from './stripe-reservation.js';
import { LATER_REQUEST_MARGIN_MS, MAX_WAIT_MS } from './stripe-window.js';

/** What the budgets report per Stripe account; `GatewayMetrics` implements it. */
export interface StripeBudgetMetrics {
  stripeRequestSent(account: string): void;
  stripeRequestsRefused(account: string): void;
}

export interface CallBudgetOptions {
  guestPerMinute: number;
  userPerMinute: number;
  /** `Viewer.paymentMethods` reads per signed-in user per minute. */
  userReadsPerMinute: number;
  /** The scope of a user's budget: the store's (its Stripe account and mode, and its id; see storeScope). */
  accountScope: () => Promise<string>;
  /**
   * The Stripe account a call's requests go to (`acct_…:test`; a Connect store's connected
   * account): its request budget, shared by every store on that account. Default: accountScope.
   */
  stripeAccount?: () => Promise<string>;
  /**
   * Set for every store but `default` (its id): guests' budgets are per store too. Unset, the keys
   * are those from before stores, so budgets spent across an upgrade still count.
   */
  guestScope?: string | undefined;
  metrics: StripeBudgetMetrics;
  /**
   * The budgets' windows (Redis, or memory), shared by every store: the stores on one Stripe
   * account spend one budget in memory too, as they do in Redis. Their owner closes them.
   */
  budgets: Budgets;
}

/**
 * The rate limits of the gateway: calls that create Stripe objects (guests per client address,
 * signed-in users per user and account), reads of saved payment methods (per user), and the
 * Stripe account's requests per second, which every call reserves before its first request.
 */
export interface CallBudgets {
  /**
   * Spends one call of the caller's budget and reserves `stripeRequests` of the account's, in one
   * step, or throws `RateLimitedError` (nothing spent, nothing sent). The reservation becomes the
   * running call's gate for its Stripe requests. Called first, inside the call's deadline.
   */
  spend(viewer: Viewer, clientAddress: string, stripeRequests: number): Promise<void>;
  /** The same for a signed-in user's read of their saved payment methods. */
  spendRead(user: SignedIn, stripeRequests: number): Promise<void>;
  /** What Stripe requests made outside a call pass: one of the account's requests each. */
  readonly outsideCalls: StripeRequestGate;
}

export function createCallBudgets(options: CallBudgetOptions): CallBudgets {
  const { accountScope, metrics, guestScope, budgets } = options;
  const stripeAccount = options.stripeAccount ?? accountScope;
  const guests: CallerBudget = { name: 'guest', perMinute: options.guestPerMinute };
  const users: CallerBudget = { name: 'user', perMinute: options.userPerMinute };
  const reads: CallerBudget = { name: 'read', perMinute: options.userReadsPerMinute };

  /** Waits for the start the budgets gave, or throws what refused. */
  const settle = async (outcome: SpendOutcome, account: string): Promise<number> => {
    if (!outcome.allowed) {
      if (outcome.budget === 'stripe-account') metrics.stripeRequestsRefused(account);
      throw new RateLimitedError(Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)), outcome.budget);
    }
    if (outcome.startInMs > 0) await sleep(outcome.startInMs);
    return outcome.startInMs;
  };

  const oneMore = async (account: string, maxWaitMs = MAX_WAIT_MS) => {
    await settle(await budgets.spend({ account: { id: account, requests: 1, maxWaitMs } }), account);
  };
  /** A later request of a call that began: as long as its deadline allows (LATER_REQUEST_MARGIN_MS). */
  const laterRequest = (account: string) =>
    oneMore(account, Math.max(MAX_WAIT_MS, (callDeadline()?.remainingMs() ?? 0) - LATER_REQUEST_MARGIN_MS));

  const spendFor = async (caller: { budget: CallerBudget; key: string }, account: string, stripeRequests: number) => {
    const askedAt = performance.now();
    const outcome = await budgets.spend({ caller, account: stripeRequests > 0 ? { id: account, requests: stripeRequests } : undefined });
    const startInMs = await settle(outcome, account);
    useStripeGate(
      new StripeReservation(
        stripeRequests,
        sendDeadline(askedAt, startInMs),
        () => laterRequest(account),
        () => metrics.stripeRequestSent(account),
      ),
    );
  };

  return {
    spend: async (viewer, clientAddress, stripeRequests) => {
      const account = await stripeAccount();
      const caller =
        viewer.kind === 'guest'
          ? { budget: guests, key: guestScope === undefined ? guestBudgetKey(clientAddress) : `${guestScope}/${guestBudgetKey(clientAddress)}` }
          : { budget: users, key: userBudgetKey(await accountScope(), viewer.userId) };
      await spendFor(caller, account, stripeRequests);
    },
    spendRead: async (user, stripeRequests) => {
      const account = await stripeAccount();
      await spendFor({ budget: reads, key: userBudgetKey(await accountScope(), user.userId) }, account, stripeRequests);
    },
    outsideCalls: {
      beforeRequest: async () => {
        const account = await stripeAccount();
        await oneMore(account);
        metrics.stripeRequestSent(account);
      },
    },
  };
}

/** Hashed: user ids stay out of Redis, and any id (up to 500 characters) makes a short key. */
function userBudgetKey(accountScope: string, userId: string): string {
  return createHash('sha256').update(JSON.stringify([accountScope, userId])).digest('base64url');
}
