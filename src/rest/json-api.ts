import type { Response } from 'express';

/** Spree's Storefront API media type, sent without parameters as JSON:API asks. */
export const JSON_API = 'application/vnd.api+json';

export function sendJsonApi(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.status(status).set({ ...headers, 'Content-Type': JSON_API }).end(JSON.stringify(body));
}
