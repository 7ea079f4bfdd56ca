import type { Params } from './form.js';

export interface RecordedRequest {
  method: string;
  /** Path without query string. */
  path: string;
  /** HTTP status sent; 0 when no answer was sent (reset, hang, reset-after-commit, client gone). */
  status: number;
  requestId: string;
  idempotencyKey?: string;
  /** Stripe-Version request header, if sent. */
  stripeVersion?: string;
  /** Stripe-Account request header (Connect), if sent. */
  stripeAccount?: string;
  /** The account the request acted on, once its key was accepted (the connected one with Stripe-Account). */
  account?: string;
  /** True when the answer was an idempotent replay. */
  replayed: boolean;
  /** When the request's headers arrived (ms since the epoch, fractional): rates are measured on it. */
  receivedAt: number;
  /** Decoded body (POST) or query (other methods). */
  params: Params;
}

/** Fixed-size ring buffer: the benchmark can run for millions of requests without growing memory. */
export class RequestLog {
  private readonly slots: RecordedRequest[] = [];
  private next = 0;

  constructor(private readonly capacity = 10_000) {}

  /** Stores the record itself, so the server can fill in the status once it answers. */
  add(record: RecordedRequest): void {
    if (this.slots.length < this.capacity) this.slots.push(record);
    else this.slots[this.next] = record;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first; deep copies. */
  list(): RecordedRequest[] {
    const ordered =
      this.slots.length < this.capacity ? this.slots : [...this.slots.slice(this.next), ...this.slots.slice(0, this.next)];
    return ordered.map((record) => structuredClone(record));
  }

  clear(): void {
    this.slots.length = 0;
    this.next = 0;
  }
}
