import { AsyncResource } from 'node:async_hooks';
import type { Logger } from 'pino';
import Stripe from 'stripe';

/** How often a key that has not worked yet is tried again (contract 6.19). */
export const STRIPE_KEY_CHECK_INTERVAL_MS = 60_000;

export type KeyCheckOutcome = 'ok' | 'refused' | 'unreachable';

/**
 * One cheap authenticated request (GET /v1/account). Resolves when Stripe accepts the key, also
 * when a restricted key may not read the account: a 403 means the key authenticated, and a
 * restricted key with the permissions the gateway uses works without that one.
 */
export async function probeStripeKey(stripe: Stripe): Promise<void> {
  try {
    await stripe.accounts.retrieveCurrent();
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripePermissionError)) throw error;
  }
}

export interface StripeKeyCheckOptions {
  /** Asks Stripe whether it accepts the key (probeStripeKey). */
  probe: () => Promise<unknown>;
  intervalMs: number;
  /** The most one check may take; longer counts as unreachable. */
  deadlineMs: number;
  logger: Logger;
  /** How the log lines name the key: `STRIPE_SECRET_KEY`, or a store's key (contract 11). Default the variable. */
  keyName?: string;
  /** Each check's outcome, and whether the key is refused now (for /metrics). */
  onChecked: (outcome: KeyCheckOutcome, refused: boolean) => void;
}

export interface StripeKeyCheck {
  /** Stripe refused the key at the last check that got an answer. */
  readonly refused: boolean;
  /** Settles when the first check has an outcome. */
  readonly firstChecked: Promise<void>;
  /**
   * Stripe answered a call 401: the key may have been rolled or revoked since it last worked.
   * Checks again now, unless a check is already under way or scheduled.
   */
  suspect(): void;
  stop(): void;
}

/**
 * Checks the key at once and then every `intervalMs` until Stripe accepts it. A refusal (401)
 * is one error line naming STRIPE_SECRET_KEY and keeps `refused` true (so /ready answers 503)
 * until a check succeeds; Stripe unreachable (no answer, 5xx, 429, the deadline) is a warning
 * and changes nothing about the key's standing. Never logs Stripe's message: it names the key.
 */
export function startStripeKeyCheck({
  probe,
  intervalMs,
  deadlineMs,
  logger,
  keyName = 'STRIPE_SECRET_KEY',
  onChecked,
}: StripeKeyCheckOptions): StripeKeyCheck {
  let refused = false;
  let stopped = false;
  /** A check is in flight or scheduled: from the first check until one succeeds. */
  let checking = true;
  let timer: NodeJS.Timeout | undefined;

  const check = async () => {
    const outcome = await withDeadline(probe(), deadlineMs).then(
      () => ({ kind: 'ok' as const }),
      (error: unknown) => ({ kind: classify(error), error }),
    );
    if (stopped) return;
    if (outcome.kind === 'ok') {
      if (refused) logger.info(`Stripe accepts ${keyName} again: /ready answers 200`);
      else logger.debug(`Stripe accepts ${keyName}`);
      refused = false;
      checking = false;
      onChecked('ok', false);
      return;
    }
    const details = describe(outcome.error);
    if (outcome.kind === 'refused') {
      if (!refused) {
        logger.error(
          { stripe: details, nextCheckSeconds: intervalMs / 1000 },
          `Stripe refuses ${keyName} (HTTP ${details.status}): every call that needs Stripe fails; ` +
            (keyName === 'STRIPE_SECRET_KEY'
              ? '/ready answers 503 until a check finds the key accepted'
              : 'this store’s calls fail until a check finds the key accepted (/ready answers 503 only while every store’s key is refused)'),
        );
      }
      refused = true;
    } else {
      logger.warn(
        { stripe: details, nextCheckSeconds: intervalMs / 1000 },
        `Stripe could not be reached to check ${keyName}; checking again`,
      );
    }
    onChecked(outcome.kind, refused);
    timer = setTimeout(() => void check(), intervalMs);
    timer.unref();
  };
  // Checks run in the context of start-up, never of the call whose 401 asked for one: that
  // call's deadline (its AsyncLocalStorage) would stop the check's request once it was answered.
  const startUp = new AsyncResource('StripeKeyCheck');
  const firstChecked = check();
  return {
    firstChecked,
    suspect() {
      if (checking || stopped) return;
      checking = true;
      void startUp.runInAsyncScope(check);
    },
    get refused() {
      return refused;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** 401 is Stripe refusing the key (revoked, rolled, mistyped, the other account's); 403 never reaches here (probeStripeKey). */
function classify(error: unknown): Exclude<KeyCheckOutcome, 'ok'> {
  return error instanceof Stripe.errors.StripeAuthenticationError ? 'refused' : 'unreachable';
}

/** What may be logged of a failed check: never the message, which quotes (part of) the key. */
function describe(error: unknown): { status?: number | undefined; type?: string; code?: string | undefined; requestId?: string | undefined } {
  if (error instanceof Stripe.errors.StripeError) {
    return { status: error.statusCode, type: error.type, code: error.code, requestId: error.requestId };
  }
  return { type: error instanceof DeadlineExceeded ? 'deadline' : error instanceof Error ? error.name : 'unknown' };
}

class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}

function withDeadline<T>(work: Promise<T>, deadlineMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`no answer within ${deadlineMs} ms`)), deadlineMs);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
