import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** How long start-up waits for Redis before serving on per-instance memory. */
const REDIS_CONNECT_WAIT_MS = 2_000;
/** How often a fallen-back instance asks Redis whether it answers again. */
const PROBE_INTERVAL_MS = 1_000;
/** Redis answers in well under a millisecond; past this it is down or frozen, not busy. */
const MAX_COMMAND_TIMEOUT_MS = 500;
/**
 * ioredis' own timeout, a backstop: the budgets' script is timed by `answersWithin`, which tells
 * a silent Redis from an event loop too busy to read its answer.
 */
const CLIENT_TIMEOUT_FACTOR = 3;

/** What the budget store reports about its state; `GatewayMetrics` implements it. */
export interface FallbackMetrics {
  rateLimitFellBack(): void;
  rateLimitRecovered(): void;
}

export interface BudgetStoreOptions {
  /** Unset: per-instance memory only, which is then the configured store, not a fallback. */
  redisUrl: string | undefined;
  /** Redis gets at most a quarter of it, so a frozen Redis costs a call little of its deadline. */
  requestDeadlineMs: number;
  logger: Logger;
  metrics: FallbackMetrics;
}

/**
 * Where the rate-limit budgets live: Redis when configured and answering, so that every
 * instance spends one budget; per-instance memory while it is not. A command that fails or
 * times out switches this instance to memory (logged and counted once), and from then on calls
 * skip Redis altogether rather than each waiting out the timeout; a probe switches back as soon
 * as Redis answers a PING again (logged once).
 */
export class BudgetStore {
  private state: 'starting' | 'redis' | 'memory' = 'starting';
  private probe: NodeJS.Timeout | undefined;
  private probing = false;
  private closed = false;

  private constructor(
    /** The client budgets are kept with; undefined without REDIS_URL. */
    readonly redis: Redis | undefined,
    /** How long Redis may take to answer before it counts as unreachable. */
    readonly commandTimeoutMs: number,
    private readonly logger: Logger,
    private readonly metrics: FallbackMetrics,
  ) {}

  static async open({ redisUrl, requestDeadlineMs, logger, metrics }: BudgetStoreOptions): Promise<BudgetStore> {
    if (!redisUrl) return new BudgetStore(undefined, 0, logger, metrics);
    const commandTimeout = Math.max(10, Math.min(MAX_COMMAND_TIMEOUT_MS, Math.floor(requestDeadlineMs / 4)));
    // Loaded only with REDIS_URL: ioredis is some 2 MB of RSS a single instance has no use for.
    const { Redis } = await import('ioredis');
    const redis = new Redis(redisUrl, {
      commandTimeout: commandTimeout * CLIENT_TIMEOUT_FACTOR,
      connectTimeout: REDIS_CONNECT_WAIT_MS,
      // While Redis is down, commands fail at once instead of queueing behind the reconnection.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    const store = new BudgetStore(redis, commandTimeout, logger, metrics);
    // ioredis reconnects by itself; what its errors mean for the budgets is logged on a change of state.
    redis.on('error', () => {});
    redis.on('ready', () => store.probeNow());
    const problem = await firstConnection(redis, REDIS_CONNECT_WAIT_MS);
    if (problem === undefined) store.state = 'redis';
    else store.fellBack(problem);
    return store;
  }

  /** True while budgets are to be spent in Redis; false: per-instance memory. */
  get sharing(): boolean {
    return this.state === 'redis';
  }

  /** A Redis command failed: memory from now on, until a probe finds Redis answering. */
  fellBack(error: unknown): void {
    if (this.state === 'memory' || this.closed) return;
    this.state = 'memory';
    this.logger.warn(
      { reason: error instanceof Error ? error.message : String(error) },
      'Redis is unreachable: rate limits fall back to per-instance memory until it answers again',
    );
    this.metrics.rateLimitFellBack();
    this.probe = setInterval(() => this.probeNow(), PROBE_INTERVAL_MS).unref();
  }

  /** Never waits on Redis: a frozen one must not hold up SIGTERM. */
  close(): void {
    this.closed = true;
    clearInterval(this.probe);
    this.redis?.disconnect();
  }

  private probeNow(): void {
    const redis = this.redis;
    if (!redis || this.state !== 'memory' || this.probing || this.closed) return;
    if (redis.status !== 'ready') return; // ioredis is still reconnecting
    this.probing = true;
    redis.ping().then(
      () => {
        this.probing = false;
        if (this.closed || this.state !== 'memory') return;
        clearInterval(this.probe);
        this.state = 'redis';
        this.logger.info('Redis answers again: rate limits are shared through Redis again');
        this.metrics.rateLimitRecovered();
      },
      () => {
        this.probing = false;
      },
    );
  }
}

/**
 * `command`'s answer, or a rejection once Redis stayed silent for `timeoutMs`. A timer that
 * fires late says the event loop was busy (a burst of calls on a loaded machine), and Redis'
 * answer may be sitting unread: it gets `timeoutMs` again from then, as often as the loop lags,
 * rather than this instance leaving the shared budget for its own memory on a false alarm.
 */
export function answersWithin<T>(command: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let armedAt = performance.now();
    let timer: NodeJS.Timeout;
    const arm = () => {
      timer = setTimeout(() => {
        const late = performance.now() - armedAt - timeoutMs;
        if (late > timeoutMs / 2) {
          armedAt = performance.now();
          arm();
        } else {
          reject(new Error(`Redis did not answer within ${timeoutMs} ms`));
        }
      }, timeoutMs);
    };
    arm();
    command.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Resolves undefined once Redis is ready, or with why not after the first error or the wait. */
function firstConnection(redis: Redis, waitMs: number): Promise<unknown> {
  if (redis.status === 'ready') return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const settle = (outcome: unknown) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      resolve(outcome);
    };
    const onReady = () => settle(undefined);
    const onError = (error: unknown) => settle(error);
    const timer = setTimeout(() => settle(new Error(`Redis was not ready within ${waitMs} ms of start-up`)), waitMs);
    redis.once('ready', onReady);
    redis.once('error', onError);
  });
}
