import type { IncomingMessage } from 'node:http';

/** A store as selection sees it: its id and the host names that select it (lower case, no port). */
export interface SelectableStore {
  id: string;
  hosts: readonly string[];
}

export interface StoreSelector<T> {
  /** The request's store (contract 11), or undefined: no store is found for it. */
  select(req: IncomingMessage): T | undefined;
  /** Why `select` found none, for the 404's message (only read on that path). */
  refusal(req: IncomingMessage): string;
}

/** Host header values already matched, kept up to this many: a few per store in practice. */
const MAX_REMEMBERED_HOSTS = 4096;

/**
 * The request's store: `X-Store-Id` when present (naming no store: none, even with one store),
 * else the `Host` (`X-Forwarded-Host` when the proxy is trusted) without port, case-insensitive,
 * matched against the stores' hosts, else the only store when there is one.
 *
 * Every answer costs one or two Map lookups: a Host header value seen before is looked up as
 * sent; only a new value is parsed (port, case, trailing dot), and one that matched is
 * remembered. Values that match nothing are never remembered, so junk hosts cannot fill memory.
 */
export function storeSelector<T extends SelectableStore>(stores: readonly T[], { trustProxy }: { trustProxy: boolean }): StoreSelector<T> {
  const byId = new Map(stores.map((store) => [store.id, store]));
  const byHost = new Map(stores.flatMap((store) => store.hosts.map((host) => [host, store] as const)));
  const only = stores.length === 1 ? stores[0] : undefined;
  const remembered = new Map<string, T>();

  const hostOf = (req: IncomingMessage): string | undefined => {
    if (trustProxy) {
      const forwarded = req.headers['x-forwarded-host'];
      if (typeof forwarded === 'string' && forwarded !== '') return forwarded;
    }
    return req.headers.host;
  };

  const byHostHeader = (value: string): T | undefined => {
    const known = remembered.get(value);
    if (known !== undefined) return known;
    const store = byHost.get(hostName(value));
    if (store !== undefined && remembered.size < MAX_REMEMBERED_HOSTS) remembered.set(value, store);
    return store;
  };

  return {
    select: (req) => {
      const named = req.headers['x-store-id'];
      if (named !== undefined) return typeof named === 'string' ? byId.get(named) : undefined;
      if (only !== undefined) return only;
      const host = hostOf(req);
      return host === undefined ? undefined : byHostHeader(host);
    },
    refusal: (req) => {
      const named = req.headers['x-store-id'];
      if (named !== undefined) return `No store has the id given in X-Store-Id (${JSON.stringify(String(named).slice(0, 64))}).`;
      const host = hostOf(req);
      return host === undefined
        ? 'No store for this request: it names no host; send X-Store-Id.'
        : `No store serves the host ${JSON.stringify(hostName(host).slice(0, 253))}.`;
    },
  };
}

/**
 * The host name of a Host header value: the first of a forwarded list, without port, in lower
 * case, without the trailing dot of a fully qualified name; an IPv6 literal keeps its brackets.
 */
export function hostName(value: string): string {
  let host = value;
  const comma = host.indexOf(',');
  if (comma !== -1) host = host.slice(0, comma);
  host = host.trim();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end === -1 ? host : host.slice(0, end + 1);
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) host = host.slice(0, colon);
  }
  host = host.toLowerCase();
  return host.endsWith('.') ? host.slice(0, -1) : host;
}
