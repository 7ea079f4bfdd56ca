import type { Request } from 'express';

/** The client's address: Express applies TRUST_PROXY's hop count to X-Forwarded-For. */
export function clientAddressOf(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
