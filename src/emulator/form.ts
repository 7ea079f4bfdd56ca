import qs from 'qs';

/** Decoded form/query parameters: bracket notation becomes nested objects; leaves are strings. */
export interface Params {
  [name: string]: ParamValue;
}
export type ParamValue = string | string[] | Params;

/**
 * Decodes `application/x-www-form-urlencoded` (or a query string) the way Stripe reads it.
 * arrayLimit -1 keeps `expand[0]=a` / `expand[]=a` as index-keyed objects, so `metadata[0]=x`
 * stays a metadata key instead of being compacted into an array; list readers turn the
 * index-keyed objects back into arrays. Repeated flat keys (`a=1&a=2`) still give string[].
 * plainObjects: no prototype, so names like `constructor` are ordinary keys.
 */
export function decodeForm(text: string): Params {
  if (text === '') return {};
  return qs.parse(text, { arrayLimit: -1, plainObjects: true, depth: 5, parameterLimit: 1000 }) as Params;
}

/** Key-order-independent serialisation, used to compare idempotent requests. */
export function canonicalParams(value: ParamValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalParams).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalParams(value[k]!)}`).join(',')}}`;
}
