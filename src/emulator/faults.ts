/** Which requests a fault applies to; omitted fields match everything. */
export interface FaultMatch {
  /** HTTP method, case-insensitive. */
  method?: string;
  /** Exact path without query string (e.g. '/v1/setup_intents'), or a RegExp tested against it. */
  path?: string | RegExp;
  /**
   * The account the request is for (an id): the one its `Stripe-Account` header names, else its
   * key's own. Lets one account's Stripe fail or hang while the others answer.
   */
  account?: string;
}

export interface FaultTrigger {
  /** Omitted: every request. */
  match?: FaultMatch;
  /** Apply to the next N matching requests, then remove itself. Omitted: until removed. */
  times?: number;
  /** Chance (0..1) that a matching request is hit, drawn independently per request. Default 1. */
  probability?: number;
  /** Source of the probability draws; pass seededRandom(seed) for deterministic tests. Default Math.random. */
  random?: () => number;
}

/**
 * Answer with Stripe's error envelope instead of doing the work. By default the error comes from
 * in front of Stripe's idempotency layer and is never saved under the request's key; with
 * `stage: 'execution'` it is the endpoint failing once it began: saved and replayed under the key,
 * as Stripe does ("including 500 errors"), and a 5xx then carries `Stripe-Should-Retry: false`.
 */
export interface ErrorFault extends FaultTrigger {
  kind: 'error';
  stage?: 'edge' | 'execution';
  status: number;
  type: string;
  code?: string;
  declineCode?: string;
  message?: string;
  param?: string;
  /** Sets the Stripe-Should-Retry response header, which the SDK obeys. */
  shouldRetry?: boolean;
}
/**
 * Stripe's rate limiter refusing the request (429, before the idempotency layer, never saved):
 * `invalid_request_error` with code `rate_limit`, or `lock_timeout` (another request held the
 * object), which Stripe asks to retry with `Stripe-Should-Retry: true`.
 */
export interface RateLimitFault extends FaultTrigger {
  kind: 'rate-limit';
  reason?: 'rate_limit' | 'lock_timeout';
}
/** Destroy the connection (TCP RST) before doing any work. */
export interface ResetFault extends FaultTrigger {
  kind: 'reset';
}
/** Never answer; the client's timeout fires. close() still completes. */
export interface HangFault extends FaultTrigger {
  kind: 'hang';
}
/** Add `ms` before the answer (on top of the emulator-wide latency; several add up). */
export interface LatencyFault extends FaultTrigger {
  kind: 'latency';
  ms: number;
}
/** Do the work (object created, idempotent result saved), then reset the connection instead of answering. */
export interface ResetAfterCommitFault extends FaultTrigger {
  kind: 'reset-after-commit';
}

export type FaultSpec = ErrorFault | RateLimitFault | ResetFault | HangFault | LatencyFault | ResetAfterCommitFault;
/** Faults that decide the request's fate; at most one applies per request. */
export type TerminalFault = Exclude<FaultSpec, LatencyFault>;

export interface SelectedFaults {
  /** Sum of matching latency faults. */
  latencyMs: number;
  terminal?: TerminalFault;
}

interface ActiveFault {
  readonly spec: FaultSpec;
  remaining: number;
}

/** Mulberry32: a small seedable PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function validate(spec: FaultSpec): void {
  if (spec.times !== undefined && !(Number.isInteger(spec.times) && spec.times > 0)) {
    throw new RangeError(`fault.times must be a positive integer, got ${spec.times}`);
  }
  if (spec.probability !== undefined && !(spec.probability >= 0 && spec.probability <= 1)) {
    throw new RangeError(`fault.probability must be within 0..1, got ${spec.probability}`);
  }
  if (spec.kind === 'error' && !(Number.isInteger(spec.status) && spec.status >= 400 && spec.status <= 599)) {
    throw new RangeError(`error fault status must be 400..599, got ${spec.status}`);
  }
  if (spec.kind === 'latency' && !(spec.ms >= 0)) throw new RangeError(`latency fault ms must be >= 0, got ${spec.ms}`);
  if (spec.kind === 'error' && spec.stage !== undefined && spec.stage !== 'edge' && spec.stage !== 'execution') {
    throw new RangeError(`error fault stage must be 'edge' or 'execution', got ${String(spec.stage)}`);
  }
  if (spec.kind === 'rate-limit' && spec.reason !== undefined && spec.reason !== 'rate_limit' && spec.reason !== 'lock_timeout') {
    throw new RangeError(`rate-limit fault reason must be 'rate_limit' or 'lock_timeout', got ${String(spec.reason)}`);
  }
}

function matches(match: FaultMatch | undefined, method: string, path: string, account: string | undefined): boolean {
  if (match === undefined) return true;
  if (match.method !== undefined && match.method.toUpperCase() !== method) return false;
  if (match.account !== undefined && match.account !== account) return false;
  if (match.path === undefined) return true;
  return typeof match.path === 'string' ? match.path === path : match.path.test(path);
}

/** Injected faults, checked in injection order. */
export class FaultSet {
  private active: ActiveFault[] = [];

  add(spec: FaultSpec): { remove(): void } {
    validate(spec);
    const fault: ActiveFault = { spec, remaining: spec.times ?? Number.POSITIVE_INFINITY };
    this.active.push(fault);
    return { remove: () => this.remove(fault) };
  }

  clear(): void {
    this.active = [];
  }

  get size(): number {
    return this.active.length;
  }

  /**
   * Picks the faults that hit this request: every matching latency fault, and the first
   * matching terminal fault. Only faults that actually hit count towards their `times`.
   */
  select(method: string, path: string, account?: string): SelectedFaults | undefined {
    if (this.active.length === 0) return undefined;
    let selected: SelectedFaults | undefined;
    for (const fault of [...this.active]) {
      const { spec } = fault;
      if (spec.kind !== 'latency' && selected?.terminal !== undefined) continue;
      if (!matches(spec.match, method, path, account)) continue;
      if (spec.probability !== undefined && (spec.random ?? Math.random)() >= spec.probability) continue;
      selected ??= { latencyMs: 0 };
      if (spec.kind === 'latency') selected.latencyMs += spec.ms;
      else selected.terminal = spec;
      if (--fault.remaining <= 0) this.remove(fault);
    }
    return selected;
  }

  private remove(fault: ActiveFault): void {
    this.active = this.active.filter((f) => f !== fault);
  }
}
