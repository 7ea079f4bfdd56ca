import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type Stripe from 'stripe';

/** Where the emulator sends events, like a webhook endpoint in Stripe's Dashboard. */
export interface WebhookEndpoint {
  url: string;
  /** The endpoint's signing secret (`whsec_…`). */
  secret: string;
  /** Event types to send; omitted: every type ('*'). */
  enabledEvents?: string[];
  /** The account the endpoint belongs to; omitted: the emulator's first account. */
  account?: string;
  /**
   * A Connect endpoint, as Stripe's "events on connected accounts": it receives the events of the
   * accounts connected to `account` (each event carrying `account: acct_…`), not `account`'s own.
   */
  connect?: boolean;
}

/** The account an event happened on, and the platform it is connected to (null: none). */
export interface EventSource {
  account: string;
  platform: string | null;
}

/** One event's delivery to one endpoint, for tests to inspect. */
export interface WebhookDelivery {
  eventId: string;
  type: string;
  url: string;
  /** Attempts made so far. */
  attempts: number;
  /** HTTP status of the last attempt; 0 when it got no answer. */
  lastStatus: number;
  state: 'pending' | 'delivered' | 'failed';
}

export interface WebhookOptions {
  /**
   * Waits before each retry of a delivery that got no 2xx. Stripe retries with exponential
   * backoff for up to three days; the emulator's default is shorter and bounded.
   */
  retryDelaysMs?: number[];
  /** How long one attempt may take; Stripe gives up on an endpoint after some seconds too. */
  attemptTimeoutMs?: number;
}

const DEFAULT_RETRY_DELAYS_MS = [1_000, 5_000, 25_000, 125_000];
const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000;
const MAX_DELIVERIES_KEPT = 10_000;
const MAX_EVENTS_KEPT = 10_000;

/** `t=…,v1=…` exactly as Stripe signs: HMAC-SHA256 of `${t}.${payload}` with the endpoint secret, hex. */
export function stripeSignatureHeader(payload: string, secret: string, timestamp: number): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

/** Sends events to the configured endpoints, signed, retrying with backoff until a 2xx. */
export class WebhookSender {
  private readonly endpoints = new Set<WebhookEndpoint & { account: string }>();
  private readonly records: WebhookDelivery[] = [];
  private readonly events = new Map<string, { event: Stripe.Event; source: EventSource }>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retryDelaysMs: number[];
  private readonly attemptTimeoutMs: number;

  constructor(
    options: WebhookOptions,
    /** Aborted when the emulator closes: pending retries stop. */
    private readonly closing: AbortSignal,
    /** The account of an endpoint that names none. */
    private readonly defaultAccount: string,
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  }

  get active(): boolean {
    return this.endpoints.size > 0;
  }

  add(endpoint: WebhookEndpoint): { remove(): void } {
    const copy = { ...endpoint, account: endpoint.account ?? this.defaultAccount };
    this.endpoints.add(copy);
    return { remove: () => this.endpoints.delete(copy) };
  }

  /** Sends a new event to every endpoint of its account (or platform) that subscribes to its type. */
  publish(event: Stripe.Event, source: EventSource): void {
    this.events.set(event.id, { event, source });
    // A sandbox runs for days: the oldest events go, as Stripe keeps events for 30 days only.
    if (this.events.size > MAX_EVENTS_KEPT) this.events.delete(this.events.keys().next().value!);
    for (const endpoint of this.endpoints) {
      if (receives(endpoint, source) && subscribes(endpoint, event.type)) this.track(this.deliver(event, endpoint));
    }
  }

  /** Sends an event again, as the Dashboard's "Resend" does (a replay, same id), to its account's endpoints. */
  resend(eventId: string): void {
    const kept = this.events.get(eventId);
    if (kept === undefined) throw new Error(`No such event: '${eventId}'`);
    for (const endpoint of this.endpoints) {
      if (receives(endpoint, kept.source)) this.track(this.deliver(kept.event, endpoint));
    }
  }

  listEvents(): Stripe.Event[] {
    return [...this.events.values()].map(({ event }) => structuredClone(event));
  }

  deliveries(): WebhookDelivery[] {
    return this.records.map((record) => ({ ...record }));
  }

  /** Resolves once no delivery is in flight or waiting for a retry. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliver(event: Stripe.Event, endpoint: WebhookEndpoint): Promise<void> {
    const record: WebhookDelivery = { eventId: event.id, type: event.type, url: endpoint.url, attempts: 0, lastStatus: 0, state: 'pending' };
    this.records.push(record);
    if (this.records.length > MAX_DELIVERIES_KEPT) this.records.shift();
    // Stripe sends the event pretty-printed; the signature covers these exact bytes.
    const payload = JSON.stringify(event, null, 2);
    for (let attempt = 0; ; attempt++) {
      if (this.closing.aborted) return;
      record.attempts = attempt + 1;
      record.lastStatus = await this.attempt(payload, endpoint);
      if (record.lastStatus >= 200 && record.lastStatus < 300) {
        record.state = 'delivered';
        return;
      }
      const delay = this.retryDelaysMs[attempt];
      if (delay === undefined) {
        record.state = 'failed';
        return;
      }
      try {
        await sleep(delay, undefined, { signal: this.closing });
      } catch {
        return; // closing
      }
    }
  }

  /** One POST; the status, or 0 when there was no answer. A new timestamp and signature each time. */
  private async attempt(payload: string, endpoint: WebhookEndpoint): Promise<number> {
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'Stripe-Signature': stripeSignatureHeader(payload, endpoint.secret, Math.floor(Date.now() / 1000)),
        },
        body: payload,
        signal: AbortSignal.any([this.closing, AbortSignal.timeout(this.attemptTimeoutMs)]),
      });
      await response.arrayBuffer(); // Stripe reads (and ignores) the body
      return response.status;
    } catch {
      return 0;
    }
  }
}

/** An account endpoint gets its account's own events; a Connect endpoint those of its connected accounts. */
function receives(endpoint: WebhookEndpoint & { account: string }, source: EventSource): boolean {
  return endpoint.connect === true ? source.platform === endpoint.account : source.account === endpoint.account;
}

function subscribes(endpoint: WebhookEndpoint, type: string): boolean {
  const enabled = endpoint.enabledEvents ?? ['*'];
  return enabled.includes('*') || enabled.includes(type);
}
