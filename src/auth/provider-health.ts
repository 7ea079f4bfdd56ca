import type { Logger } from 'pino';
import type { GatewayMetrics } from '../http/metrics.js';
import { AuthUnavailableError } from '../core/errors.js';

/**
 * Whether an identity provider answers: each request is counted in /metrics, and the log gets
 * one line when it stops answering and one when it is back, not one per request. Reasons name
 * what went wrong (a status, a timeout), never a token or a body.
 */
export class ProviderHealth {
  private up = true;
  private oddAnswerLoggedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly provider: 'jwks' | 'spree' | 'introspection',
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
    /** What a failure tells clients to wait: the cooldown before the provider is asked again. */
    readonly retryAfterSeconds: number,
  ) {
    metrics.watchIdentityProvider(provider);
  }

  /** The provider gave a verdict: `ok` for an identity or key set, `invalid` against the token. */
  answered(outcome: 'ok' | 'invalid'): void {
    this.metrics.observeIdentityProvider(this.provider, outcome);
    if (this.up) return;
    this.up = true;
    this.logger.info({ provider: this.provider }, 'identity provider answers again');
  }

  /**
   * The provider answered about the token, but not as it should (a 4xx other than its refusal, a
   * malformed body): a verdict against that token, never an outage, or one token could make every
   * other fail. Logged at most once a minute: an answer like this for every token is a
   * misconfiguration (a wrong URL) an operator must hear of.
   */
  answeredOddly(reason: string): void {
    this.answered('invalid');
    const now = Date.now();
    if (now - this.oddAnswerLoggedAt < ODD_ANSWER_LOG_INTERVAL_MS) return;
    this.oddAnswerLoggedAt = now;
    this.logger.warn(
      { provider: this.provider, reason },
      'identity provider answered oddly about a token: that token is refused (401); if every token gets this answer, check its URL',
    );
  }

  /** The provider gave no verdict; returns the error that tells the caller so. */
  failed(reason: string, cause?: unknown): AuthUnavailableError {
    this.metrics.observeIdentityProvider(this.provider, 'unavailable');
    if (this.up) {
      this.up = false;
      this.logger.warn(
        { provider: this.provider, reason },
        'identity provider unreachable: tokens it must vouch for get 503 AUTH_UNAVAILABLE until it answers again',
      );
    }
    return new AuthUnavailableError(this.provider, this.retryAfterSeconds, { cause });
  }

  /** Still down, not asked again (a cooldown): the error alone, nothing counted or logged. */
  unavailable(retryAfterMs: number): AuthUnavailableError {
    return new AuthUnavailableError(this.provider, Math.max(1, Math.ceil(retryAfterMs / 1000)));
  }
}

const ODD_ANSWER_LOG_INTERVAL_MS = 60_000;

/** Contract 6.15: of an identity provider's answers, only a 5xx says it is down; every other is about the token. */
export function isOutageStatus(status: number): boolean {
  return status >= 500;
}

/** A short reason for the log: a timeout, a refused connection, a cap, a status. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'no answer in time';
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.code === 'string') return `${error.message} (${cause.code})`;
  if (typeof cause?.message === 'string') return `${error.message}: ${cause.message}`;
  return error.message;
}
