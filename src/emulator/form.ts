import qs from 'qs';

/** Decoded form/query parameters: bracket notation becomes nested objects and arrays; leaves are strings. */
export interface Params {
  [name: string]: ParamValue;
}
export type ParamValue = string | Params | ParamValue[];

/**
 * Decodes `application/x-www-form-urlencoded` (or a query string) the way Stripe reads it:
 * `metadata[k]=v` → { metadata: { k: 'v' } }, `expand[0]=a` / `expand[]=a` → { expand: ['a'] }.
 * qs runs with arrayLimit -1 (every index stays an object key) so that `metadata[0]=x` keeps its
 * key; listify() then turns dense index-keyed objects into arrays everywhere except metadata.
 * plainObjects: no prototype, so names like `constructor` are ordinary keys.
 */
export function decodeForm(text: string): Params {
  if (text === '') return {};
  const params = qs.parse(text, { arrayLimit: -1, plainObjects: true, depth: 5, parameterLimit: 1000 }) as Params;
  for (const name of Object.keys(params)) params[name] = listify(params[name]!, name);
  return params;
}

/** Metadata keys are user data ('0' is a legitimate key), everything else indexed is a list. */
function listify(value: ParamValue, name: string): ParamValue {
  if (typeof value === 'string' || Array.isArray(value) || name === 'metadata') return value;
  const keys = Object.keys(value); // integer-like keys come first, ascending
  for (const key of keys) value[key] = listify(value[key]!, key);
  return keys.length > 0 && keys.every((key, i) => key === String(i)) ? keys.map((key) => value[key]!) : value;
}

/** Key-order-independent serialisation, used to compare idempotent requests. */
export function canonicalParams(value: ParamValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalParams).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalParams(value[k]!)}`).join(',')}}`;
}
