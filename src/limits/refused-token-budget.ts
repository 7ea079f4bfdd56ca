import { LRUCache } from 'lru-cache';
import type { RefusalBudget } from '../auth/refusal-budget.js';
import { RefusedTokensLimitedError } from '../core/errors.js';
import { guestBudgetKey } from './address-key.js';
import { createBudget } from './refundable-budget.js';
import type { BudgetStore } from './budget-store.js';

export interface RefusedTokenBudgetOptions {
  /** AUTH_FAILURE_RATE_LIMIT_PER_MINUTE */
  perMinute: number;
  keyPrefix: string;
  /** Counts the calls turned away (in /metrics). */
  onLimited: () => void;
}

/** Addresses remembered as past their budget; an attacker's many addresses cannot grow it without bound. */
const MAX_REMEMBERED_ADDRESSES = 10_000;

/**
 * Refused bearer tokens per client address, grouped as guests are (IPv4 address, IPv6 /64), in
 * Redis when the store shares budgets. A lookup reserves its point before the identity provider is
 * asked, so that however many junk tokens arrive at once, at most the budget's worth reach the
 * provider in a window (across instances too); a token that is not refused gives it back. A valid
 * shopper turned away only because lookups of the same address are in flight here waits for
 * them instead: a burst of sign-ins from one office is not an attack. An address found past its
 * budget is remembered in memory until its window ends, so the calls that follow cost no round trip.
 */
export function createRefusedTokenBudget(store: BudgetStore, options: RefusedTokenBudgetOptions): RefusalBudget {
  const budget = createBudget(store, { name: 'refused-token', perMinute: options.perMinute, keyPrefix: options.keyPrefix });
  const pastBudget = new LRUCache<string, number>({ max: MAX_REMEMBERED_ADDRESSES });
  const inFlight = new Map<string, Set<Promise<void>>>();

  const limited = (key: string, retryAfterSeconds: number) => {
    pastBudget.set(key, Date.now() + retryAfterSeconds * 1000, { ttl: retryAfterSeconds * 1000 });
    options.onLimited();
    return new RefusedTokensLimitedError(retryAfterSeconds);
  };
  const checkKey = (key: string) => {
    if (pastBudget.size === 0) return;
    const until = pastBudget.get(key);
    if (until === undefined) return;
    options.onLimited();
    throw new RefusedTokensLimitedError(Math.max(1, Math.ceil((until - Date.now()) / 1000)));
  };

  return {
    // Every signed-in call passes here: no address parsing while no address is past its budget.
    check: (clientAddress) => {
      if (pastBudget.size > 0) checkKey(guestBudgetKey(clientAddress));
    },

    reserve: async (clientAddress) => {
      const key = guestBudgetKey(clientAddress);
      for (;;) {
        checkKey(key);
        const spent = await budget.spend(key);
        if (spent.allowed) break;
        // Not a reservation: given back, so that waiting callers are not held to points never used.
        await budget.refund(key);
        const pending = inFlight.get(key);
        if (pending === undefined) throw limited(key, spent.retryAfterSeconds);
        await Promise.all(pending);
      }
      let settled!: () => void;
      const done = new Promise<void>((resolve) => (settled = resolve));
      const pending = inFlight.get(key) ?? new Set();
      pending.add(done);
      inFlight.set(key, pending);
      return {
        settle: (refused) => {
          const given = refused ? Promise.resolve() : budget.refund(key);
          void given.finally(() => {
            pending.delete(done);
            if (pending.size === 0 && inFlight.get(key) === pending) inFlight.delete(key);
            settled();
          });
        },
      };
    },

    spend: async (clientAddress) => {
      const key = guestBudgetKey(clientAddress);
      const spent = await budget.spend(key);
      if (!spent.allowed) throw limited(key, spent.retryAfterSeconds);
    },
  };
}
