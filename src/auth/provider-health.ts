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

/** A short reason for the log: a timeout, a refused connection, a cap, a status. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'no answer in time';
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.code === 'string') return `${error.message} (${cause.code})`;
  if (typeof cause?.message === 'string') return `${error.message}: ${cause.message}`;
  return error.message;
}
