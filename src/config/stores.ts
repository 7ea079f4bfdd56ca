import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.js';
import { parseEphemeralKeyVersion, parsePublishableKey, parseSecretKey, parseWebhookSecrets } from './stripe-settings.js';

/** One store the gateway serves (contract 11): the hosts that select it and its Stripe account. */
export interface StoreConfig {
  /** 1 to 40 of a-z, 0-9 and -. */
  id: string;
  /** Lower-case host names without port; empty: selected only by X-Store-Id, or as the only store. */
  hosts: string[];
  stripe: {
    /** Unset for every store: sandbox mode. */
    secretKey: string | undefined;
    publishableKey: string | undefined;
    /** Empty: no webhooks for this store. */
    webhookSecrets: string[];
    ephemeralKeyVersion: string;
    /** A connected account (Stripe Connect): every Stripe request of the store carries `Stripe-Account`. */
    account: string | undefined;
  };
}

/** The STRIPE_* settings, already validated: what a store leaves out, and the one store without STORES_FILE. */
export interface StoreDefaults {
  secretKey: string | undefined;
  publishableKey: string | undefined;
  webhookSecrets: string[];
  ephemeralKeyVersion: string;
}

export const DEFAULT_STORE_ID = 'default';

const STORE_ID_PATTERN = /^[a-z0-9-]{1,40}$/;
const ACCOUNT_PATTERN = /^acct_[A-Za-z0-9_]+$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A DNS name or an IPv4 address (labels of letters, digits and hyphens), or an IPv6 literal in brackets. */
const HOST_PATTERN = /^(?:(?!-)[a-z0-9-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9-]{1,63}(?<!-))*|\[[0-9a-f:.]+\])$/;
const FILE_KEYS = ['stores'];
const STORE_KEYS = ['id', 'hosts', 'stripe'];
const STRIPE_KEYS = ['secretKey', 'publishableKey', 'webhookSecrets', 'ephemeralKeyVersion', 'account'];

type Env = Record<string, string | undefined>;

/** Sandbox mode: no store has a Stripe key (each then gets an emulator account of its own). */
export function isSandbox(stores: readonly StoreConfig[]): boolean {
  return stores.every((store) => store.stripe.secretKey === undefined);
}

/**
 * The stores: from the JSON file STORES_FILE names, else one store `default` from the STRIPE_*
 * variables. A file that cannot be used stops start-up with one line naming the store and field.
 */
export function loadStores(path: string | undefined, env: Env, defaults: StoreDefaults): StoreConfig[] {
  if (path === undefined) {
    return [
      {
        id: DEFAULT_STORE_ID,
        hosts: [],
        stripe: { ...defaults, webhookSecrets: [...defaults.webhookSecrets], account: undefined },
      },
    ];
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw refusal(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // Only where: the parser's own message quotes the text, and the file may hold keys.
    throw refusal(`${path}: not valid JSON${jsonErrorPlace(text, (error as Error).message)}`);
  }
  return parseStores(parsed, env, defaults);
}

/** The file's content, already parsed from JSON. */
export function parseStores(file: unknown, env: Env, defaults: StoreDefaults): StoreConfig[] {
  const top = objectAt(file, 'the file', FILE_KEYS);
  if (!Array.isArray(top.stores) || top.stores.length === 0) throw refusal('stores: expected a list of at least one store');
  const stores = top.stores.map((entry, index) => parseStore(entry, index, env, defaults));

  const ids = new Map<string, number>();
  const hosts = new Map<string, string>();
  stores.forEach((store, index) => {
    const first = ids.get(store.id);
    if (first !== undefined) throw refusal(`stores[${index}]: id: "${store.id}" is also the id of stores[${first}]`);
    ids.set(store.id, index);
    store.hosts.forEach((host, hostIndex) => {
      const owner = hosts.get(host);
      if (owner !== undefined) {
        const where = owner === store.id ? 'this store' : `store "${owner}"`;
        throw refusal(`store "${store.id}": hosts[${hostIndex}]: ${host} is already a host of ${where}`);
      }
      hosts.set(host, store.id);
    });
  });
  // Sandbox mode is all or nothing: a store without a key beside stores with keys could not serve.
  if (!isSandbox(stores)) {
    const keyless = stores.find((store) => store.stripe.secretKey === undefined);
    if (keyless !== undefined) {
      throw refusal(
        `store "${keyless.id}": stripe.secretKey: required (neither the store nor STRIPE_SECRET_KEY gives one, and other stores have keys; sandbox mode is when no store has one)`,
      );
    }
  }
  return stores;
}

function parseStore(entry: unknown, index: number, env: Env, defaults: StoreDefaults): StoreConfig {
  const raw = objectAt(entry, `stores[${index}]`, STORE_KEYS);
  const value = (field: string, found: unknown, where: string) => resolveString(found, field, where, env);

  const id = value('id', raw.id, `stores[${index}]`);
  if (id === undefined) throw refusal(`stores[${index}]: id: required`);
  if (!STORE_ID_PATTERN.test(id)) throw refusal(`stores[${index}]: id: expected 1 to 40 of a-z, 0-9 and -, got ${JSON.stringify(id)}`);
  const where = `store "${id}"`;
  const field = (name: string, found: unknown) => value(name, found, where);

  const hosts = listAt(raw.hosts, 'hosts', where).map((host, hostIndex) => parseHost(field(`hosts[${hostIndex}]`, host), `hosts[${hostIndex}]`, where));

  const stripe = raw.stripe === undefined ? {} : objectAt(raw.stripe, `${where}: stripe`, STRIPE_KEYS);
  // The store's own validators are the variables' (src/config/stripe-settings.ts), naming the field.
  const check = <T>(parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      if (error instanceof ConfigError) throw refusal(`${where}: ${error.message}`);
      throw error;
    }
  };
  const ownSecretKey = field('stripe.secretKey', stripe.secretKey);
  const secretKey = ownSecretKey === undefined ? defaults.secretKey : check(() => parseSecretKey('stripe.secretKey', ownSecretKey));
  const ownPublishableKey = field('stripe.publishableKey', stripe.publishableKey);
  const secretKeyName = ownSecretKey === undefined ? 'STRIPE_SECRET_KEY' : 'stripe.secretKey';
  const publishableKey =
    ownPublishableKey === undefined
      ? check(() => parsePublishableKey('stripe.publishableKey (STRIPE_PUBLISHABLE_KEY)', defaults.publishableKey, secretKey, secretKeyName))
      : check(() => parsePublishableKey('stripe.publishableKey', ownPublishableKey, secretKey, secretKeyName));
  const webhookSecrets = parseStoreWebhookSecrets(stripe.webhookSecrets, where, env, defaults, check);
  const ownVersion = field('stripe.ephemeralKeyVersion', stripe.ephemeralKeyVersion);
  const ephemeralKeyVersion =
    ownVersion === undefined ? defaults.ephemeralKeyVersion : check(() => parseEphemeralKeyVersion('stripe.ephemeralKeyVersion', ownVersion));
  const account = field('stripe.account', stripe.account);
  if (account !== undefined && !ACCOUNT_PATTERN.test(account)) {
    throw refusal(`${where}: stripe.account: expected a connected account id like acct_1Abc…`);
  }
  return { id, hosts, stripe: { secretKey, publishableKey, webhookSecrets, ephemeralKeyVersion, account } };
}

/** A list of secrets (each may hold several, comma-separated, as STRIPE_WEBHOOK_SECRET does), or one string. */
function parseStoreWebhookSecrets(
  found: unknown,
  where: string,
  env: Env,
  defaults: StoreDefaults,
  check: <T>(parse: () => T) => T,
): string[] {
  if (found === undefined) return [...defaults.webhookSecrets];
  const entries = typeof found === 'string' ? [found] : listAt(found, 'stripe.webhookSecrets', where);
  const fieldOf = (index: number) => (typeof found === 'string' ? 'stripe.webhookSecrets' : `stripe.webhookSecrets[${index}]`);
  return entries.flatMap((entry, index) => {
    const value = resolveString(entry, fieldOf(index), where, env);
    if (value === undefined) throw refusal(`${where}: ${fieldOf(index)}: expected a whsec_… signing secret`);
    return check(() => parseWebhookSecrets(fieldOf(index), value));
  });
}

/** Lower case, without the trailing dot of a fully qualified name; a port is refused. */
function parseHost(value: string | undefined, field: string, where: string): string {
  if (value === undefined) throw refusal(`${where}: ${field}: expected a host name`);
  const host = value.toLowerCase().replace(/\.$/, '');
  if (/:\d*$/.test(host) && !host.endsWith(']')) throw refusal(`${where}: ${field}: ${value}: a host name without port`);
  if (host.length > 253 || !HOST_PATTERN.test(host)) throw refusal(`${where}: ${field}: ${value} is not a host name`);
  return host;
}

/**
 * A string field, with `env:NAME` read from the environment (so the file holds no secret);
 * undefined when absent. Values are trimmed, as the variables are.
 */
function resolveString(found: unknown, field: string, where: string, env: Env): string | undefined {
  if (found === undefined) return undefined;
  if (typeof found !== 'string') throw refusal(`${where}: ${field}: expected a string`);
  if (!found.startsWith('env:')) {
    const value = found.trim();
    if (value === '') throw refusal(`${where}: ${field}: empty (leave the field out instead)`);
    return value;
  }
  const name = found.slice('env:'.length);
  if (!ENV_NAME_PATTERN.test(name)) throw refusal(`${where}: ${field}: ${JSON.stringify(found)} does not name an environment variable`);
  const value = env[name]?.trim();
  if (value === undefined) throw refusal(`${where}: ${field}: env:${name} is not set`);
  if (value === '') throw refusal(`${where}: ${field}: env:${name} is empty`);
  return value;
}

function objectAt(found: unknown, where: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof found !== 'object' || found === null || Array.isArray(found)) throw refusal(`${where}: expected a JSON object`);
  for (const key of Object.keys(found)) {
    if (!keys.includes(key)) {
      throw refusal(`${where}: unknown key ${JSON.stringify(key)} (expected ${keys.map((k) => JSON.stringify(k)).join(', ')})`);
    }
  }
  return found as Record<string, unknown>;
}

function listAt(found: unknown, field: string, where: string): unknown[] {
  if (found === undefined) return [];
  if (!Array.isArray(found)) throw refusal(`${where}: ${field}: expected a list`);
  return found;
}

/** ` at line L column C` from the parser's "position N", or nothing. */
function jsonErrorPlace(text: string, message: string): string {
  const position = /position (\d+)/.exec(message)?.[1];
  if (position === undefined) return '';
  const before = text.slice(0, Number(position)).split('\n');
  return ` at line ${before.length} column ${before.at(-1)!.length + 1}`;
}

/** One line, whatever the cause's message held. */
function refusal(problem: string): ConfigError {
  return new ConfigError('STORES_FILE', problem.replace(/\s*\n\s*/g, ' '));
}
