import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { Authenticate } from '../auth/authenticator.js';

const TRACER_NAME = 'stripe-setup-gateway';

/**
 * Runs `work` in a span that is the active one meanwhile, so that what it calls (Stripe, pg)
 * nests beneath it. A failure marks the span with the error's class name only: messages can
 * quote input, and nothing the caller sent belongs in a trace.
 */
export function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** One `auth` span per request: who the caller is (user or guest), never the token or the user id. */
export function tracedAuthenticate(authenticate: Authenticate): Authenticate {
  return (authorization, clientAddress) =>
    inSpan('auth', { 'auth.token_present': Boolean(authorization) }, async (span) => {
      const viewer = await authenticate(authorization, clientAddress);
      span.setAttribute('auth.viewer', viewer.kind);
      return viewer;
    });
}

/**
 * A span per store call, named after the method (`store findCustomer`); the pg instrumentation's
 * query spans nest beneath it. Arguments (user ids, keys) are not recorded.
 */
export function tracedStore<T extends object>(store: T, system: 'sqlite' | 'postgresql'): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'close') return value;
      return (...args: unknown[]) =>
        inSpan(`store ${property}`, { 'db.system.name': system, 'db.operation.name': property }, async () =>
          (value as (...args: unknown[]) => unknown).apply(target, args),
        );
    },
  });
}
