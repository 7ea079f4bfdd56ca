import type { Response } from 'express';

/** Spree's Storefront API media type, sent without parameters as JSON:API asks. */
export const JSON_API = 'application/vnd.api+json';

/**
 * Straight onto Node's response: Express's `res.set` would run every header through its
 * content-type handling and copy the map, for a media type that needs no charset added.
 */
export function sendJsonApi(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  for (const name in headers) res.setHeader(name, headers[name]!);
  res.setHeader('Content-Type', JSON_API);
  res.end(JSON.stringify(body));
}
