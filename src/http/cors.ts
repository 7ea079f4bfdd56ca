import cors from 'cors';
import type { RequestHandler } from 'express';

/** Sandbox mode's default: a web app under development on this machine, on any port. */
export const LOCAL_DEVELOPMENT_ORIGINS: RegExp[] = [/^http:\/\/localhost(:\d{1,5})?$/, /^http:\/\/127\.0\.0\.1(:\d{1,5})?$/];

/** Browsers on the allow-listed origins may call both surfaces; any other origin gets no CORS headers. */
export function corsPolicy(origins: Array<string | RegExp>): RequestHandler {
  return cors({
    origin: origins,
    methods: ['GET', 'POST', 'OPTIONS'],
    // traceparent/tracestate: a browser app's OpenTelemetry trace continues in the gateway's.
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'traceparent', 'tracestate'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  });
}
