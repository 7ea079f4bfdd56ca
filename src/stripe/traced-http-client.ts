import { SpanStatusCode } from '@opentelemetry/api';
import Stripe from 'stripe';
import { inSpan } from '../tracing/spans.js';

type MakeRequest = Stripe.HttpClient['makeRequest'];

/** Object ids in a path (`cus_Nff…`, `seti_1Q…`) become `{id}`: span names stay few, and say what was called. */
export function stripeRoute(path: string): string {
  return path
    .split('?')[0]!
    .split('/')
    .map((segment) => (/^[a-z]+_(?=[A-Za-z0-9]*[A-Z0-9])[A-Za-z0-9]{6,}$/.test(segment) ? '{id}' : segment))
    .join('/');
}

/**
 * stripe-node's Node HTTP client with a span around each request (`stripe POST /v1/customers`):
 * one per attempt, retries included, with the status and Stripe's request id. Headers (the secret
 * key) and bodies are never recorded.
 */
export class TracedStripeHttpClient extends Stripe.HttpClient {
  constructor(private readonly inner: Stripe.HttpClient) {
    super();
  }

  override getClientName(): string {
    return this.inner.getClientName();
  }

  override makeRequest(...args: Parameters<MakeRequest>): ReturnType<MakeRequest> {
    const [host, port, path, method] = args;
    const route = stripeRoute(path);
    return inSpan(
      `stripe ${method} ${route}`,
      { 'http.request.method': method, 'url.path': route, 'server.address': host, 'server.port': Number(port) },
      async (span) => {
        const response = await this.inner.makeRequest(...args);
        const status = response.getStatusCode();
        span.setAttribute('http.response.status_code', status);
        const requestId = response.getHeaders()['request-id'];
        if (typeof requestId === 'string') span.setAttribute('stripe.request_id', requestId);
        if (status >= 400) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
        return response;
      },
    );
  }
}
