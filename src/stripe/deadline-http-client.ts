import type { IncomingMessage } from 'node:http';
import Stripe from 'stripe';
import { callDeadline } from '../core/deadline.js';

type MakeRequest = Stripe.HttpClient['makeRequest'];

/** Thrown instead of starting a request for a call that was already answered. */
export class CallAnsweredError extends Error {
  override name = 'CallAnsweredError';
  constructor() {
    super('The call was answered (its deadline passed); no further Stripe request is made for it.');
  }
}

/**
 * Wraps the SDK's HTTP client so that every attempt, the SDK's own retries included, runs under
 * the deadline of the call it belongs to: none starts once the call was answered, each waits at
 * most the time the call has left (the configured timeout otherwise), and a response still
 * arriving when the call is answered is dropped. Outside a call (start-up) it changes nothing.
 */
export class DeadlineHttpClient implements Stripe.HttpClient {
  constructor(private readonly inner: Stripe.HttpClient) {}

  getClientName(): string {
    return this.inner.getClientName();
  }

  async makeRequest(...[host, port, path, method, headers, body, protocol, timeout]: Parameters<MakeRequest>) {
    const deadline = callDeadline();
    if (deadline === undefined) return this.inner.makeRequest(host, port, path, method, headers, body, protocol, timeout);
    if (deadline.answered) throw new CallAnsweredError();
    // Node's request timeout fires after that long without a byte: a request in flight is cut at the deadline.
    const left = Math.max(1, Math.ceil(Math.min(timeout, deadline.remainingMs())));
    const response = await this.inner.makeRequest(host, port, path, method, headers, body, protocol, left);
    const raw = response.getRawResponse() as IncomingMessage | undefined;
    if (raw && typeof raw.destroy === 'function') {
      const drop = () => raw.destroy();
      deadline.onAnswered(drop);
      if (!deadline.answered) raw.once('close', () => deadline.offAnswered(drop));
    }
    return response;
  }
}
