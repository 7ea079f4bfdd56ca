import { invalidRequest, unknownParameter } from './errors.js';
import type { ParamValue, Params } from './form.js';

/*
 * Strict, typed readers over decoded params. Each throws Stripe's 400 invalid_request_error
 * naming the offending param in bracket notation. An empty string means "unset", as on Stripe.
 */

const METADATA_MAX_KEYS = 50;
const METADATA_KEY_MAX = 40;
const METADATA_VALUE_MAX = 500;

/** Stripe rejects the first parameter it does not know, naming its full bracketed path. */
export function assertKnownParams(params: Params, allowed: readonly string[], parent?: string): void {
  for (const name in params) {
    if (!allowed.includes(name)) throw unknownParameter(parent === undefined ? name : `${parent}[${name}]`);
  }
}

export function readString(value: ParamValue | undefined, param: string, maxLength = 5000): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${JSON.stringify(value)}`, param);
  if (value.length > maxLength) {
    throw invalidRequest(`Invalid string: ${value.slice(0, 20)}...; must be at most ${maxLength} characters`, param);
  }
  return value;
}

/** Form bodies carry booleans as the strings 'true' / 'false'; anything else is rejected. */
export function readBoolean(value: ParamValue | undefined, param: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidRequest(`Invalid boolean: ${typeof value === 'string' ? value : JSON.stringify(value)}`, param);
}

export function readEnum<T extends string>(value: ParamValue | undefined, param: string, allowed: readonly T[]): T | undefined {
  const text = readString(value, param);
  if (text === undefined) return undefined;
  if ((allowed as readonly string[]).includes(text)) return text as T;
  const choices = allowed.length === 2 ? allowed.join(' or ') : `${allowed.slice(0, -1).join(', ')}, or ${allowed.at(-1)}`;
  throw invalidRequest(`Invalid ${param}: must be one of ${choices}`, param);
}

export function readHash(value: ParamValue | undefined, param: string): Params | undefined {
  if (value === undefined) return undefined;
  if (value === '') return {};
  if (typeof value === 'string' || Array.isArray(value)) throw invalidRequest('Invalid object', param);
  return value;
}

/** Lists arrive as `x[0]=a&x[1]=b`, `x[]=a` or repeated `x=a&x=b`; sparse indices stay index-keyed objects. */
export function readList(value: ParamValue | undefined, param: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (value === '') return [];
  if (typeof value === 'string') throw invalidRequest('Invalid array', param);
  let entries: Array<[string, ParamValue]>;
  if (Array.isArray(value)) entries = value.map((item, i) => [String(i), item]);
  else if (Object.keys(value).every((k) => /^\d+$/.test(k))) entries = Object.entries(value);
  else throw invalidRequest('Invalid array', param);
  return entries.map(([index, item]) => {
    if (typeof item !== 'string') throw invalidRequest(`Invalid string: ${JSON.stringify(item)}`, `${param}[${index}]`);
    return item;
  });
}

/** Stripe's metadata limits: ≤50 keys, keys ≤40 chars, values ≤500 chars; empty values unset a key. */
export function readMetadata(value: ParamValue | undefined): Record<string, string> {
  const hash = readHash(value, 'metadata') ?? {};
  const keys = Object.keys(hash);
  if (keys.length > METADATA_MAX_KEYS) {
    throw invalidRequest(`Invalid metadata: metadata can have at most ${METADATA_MAX_KEYS} keys, but ${keys.length} were passed.`, 'metadata');
  }
  const metadata: Record<string, string> = {};
  for (const key of keys) {
    const param = `metadata[${key}]`;
    if (key.length > METADATA_KEY_MAX) {
      throw invalidRequest(
        `Metadata keys can have up to ${METADATA_KEY_MAX} characters, but you passed in a key that is ${key.length} characters.`,
        param,
      );
    }
    const text = readString(hash[key], param, Number.POSITIVE_INFINITY);
    if (text === undefined) continue;
    if (text.length > METADATA_VALUE_MAX) {
      throw invalidRequest(
        `Metadata values can have up to ${METADATA_VALUE_MAX} characters, but you passed in a value that is ${text.length} characters.`,
        param,
      );
    }
    metadata[key] = text;
  }
  return metadata;
}

/** List `limit`: an integer in 1..100, default 10. */
export function readLimit(value: ParamValue | undefined): number {
  const text = readString(value, 'limit');
  if (text === undefined) return 10;
  if (!/^-?\d+$/.test(text)) throw invalidRequest(`Invalid integer: ${text}`, 'limit');
  const limit = Number(text);
  if (limit < 1) throw invalidRequest('This value must be greater than or equal to 1.', 'limit');
  if (limit > 100) throw invalidRequest('This value must be less than or equal to 100.', 'limit');
  return limit;
}
