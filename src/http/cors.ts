import cors from 'cors';
import type { RequestHandler } from 'express';

/** Browsers on the allow-listed origins may call both surfaces; any other origin gets no CORS headers. */
export function corsPolicy(origins: string[]): RequestHandler {
  return cors({
    origin: origins,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  });
}
