import type { Request as LoadRequest } from 'autocannon';
import type { LargeStoreKind } from './large-store.js';
import { benchStoreHost, type ServerName } from './protocol.js';

/**
 * A server process under test with its own emulator: the three servers (the gateway on a fresh
 * SQLite file), and the gateway again on a scratch database of its own: PostgreSQL holding the
 * known users only, and a large store (1,000,000 users) of each backend.
 */
export type InstanceName =
  | 'gateway'
  | 'sequential-peer'
  | 'parallel-limit'
  | 'gateway-postgres'
  | 'gateway-sqlite-large'
  | 'gateway-postgres-large'
  | 'gateway-100-stores';
/** `stores`: the gateway with a STORES_FILE of that many stores (bench/servers/gateway.ts), each selected by its host. */
export const INSTANCES: Record<InstanceName, { server: ServerName; database?: LargeStoreKind; seeded?: true; stores?: number }> = {
  gateway: { server: 'gateway' },
  'sequential-peer': { server: 'sequential-peer' },
  'parallel-limit': { server: 'parallel-limit' },
  'gateway-postgres': { server: 'gateway', database: 'postgres' },
  'gateway-sqlite-large': { server: 'gateway', database: 'sqlite', seeded: true },
  'gateway-postgres-large': { server: 'gateway', database: 'postgres', seeded: true },
  'gateway-100-stores': { server: 'gateway', stores: 100 },
};

export { benchStoreHost, benchStoreId } from './protocol.js';

/** A row of the table: one server reached through one of its surfaces. */
export const SUBJECTS = {
  'parallel-limit': { label: 'parallel limit', instance: 'parallel-limit', surface: 'rest' },
  'gateway-rest': { label: 'gateway REST', instance: 'gateway', surface: 'rest' },
  'gateway-graphql': { label: 'gateway GraphQL', instance: 'gateway', surface: 'graphql' },
  'sequential-peer': { label: 'sequential peer', instance: 'sequential-peer', surface: 'rest' },
  'gateway-rest-sqlite-large': { label: 'REST SQLite large', instance: 'gateway-sqlite-large', surface: 'rest' },
  'gateway-rest-postgres': { label: 'REST Pg 64 users', instance: 'gateway-postgres', surface: 'rest' },
  'gateway-rest-postgres-large': { label: 'REST Pg large', instance: 'gateway-postgres-large', surface: 'rest' },
  'gateway-rest-100-stores': { label: 'REST 100 stores', instance: 'gateway-100-stores', surface: 'rest' },
} as const satisfies Record<string, { label: string; instance: InstanceName; surface: 'rest' | 'graphql' }>;
export type SubjectId = keyof typeof SUBJECTS;

export const serverOf = (subject: SubjectId): ServerName => INSTANCES[SUBJECTS[subject].instance]!.server;

export type ScenarioName = 'known-user' | 'spree-token' | 'customer-session' | 'large-store' | 'stores' | 'new-user' | 'guest';

export interface Scenario {
  name: ScenarioName;
  label: string;
  /** Measured in this order, back to back, so the cells compared with each other are close in time. */
  subjects: SubjectId[];
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'known-user',
    label: 'known user',
    subjects: ['parallel-limit', 'gateway-rest', 'gateway-graphql', 'sequential-peer'],
  },
  // Spree's own opaque OAuth tokens, resolved through its account endpoint and then cached: the
  // known-user call again, beside the JWT one. The baselines take JWTs only.
  { name: 'spree-token', label: 'Spree token', subjects: ['gateway-rest', 'gateway-graphql'] },
  // createStripeCustomerSession (a CustomerSession beside the SetupIntent) for a known user: GraphQL only.
  { name: 'customer-session', label: 'customer session', subjects: ['gateway-graphql'] },
  // Known users drawn at random from 1,000,000 stored ones (and as many idempotency records),
  // on SQLite (against the known-user row above) and on PostgreSQL (against its 64 users).
  {
    name: 'large-store',
    label: 'store size',
    subjects: ['gateway-rest-sqlite-large', 'gateway-rest-postgres', 'gateway-rest-postgres-large'],
  },
  // Known users again, each call to the next of 100 stores (selected by its Host), against the
  // one-store gateway: what finding the store costs per answer.
  { name: 'stores', label: '100 stores', subjects: ['gateway-rest', 'gateway-rest-100-stores'] },
  { name: 'new-user', label: 'new user every call', subjects: ['parallel-limit', 'gateway-rest', 'sequential-peer'] },
  { name: 'guest', label: 'guest', subjects: ['parallel-limit', 'gateway-rest', 'sequential-peer'] },
];

/** The Stripe API version a mobile SDK sends along; it pins the ephemeral key. */
export const CLIENT_STRIPE_VERSION = '2024-06-20';
export const SETUP_INTENTS_PATH = '/api/v2/storefront/stripe/setup_intents';

const REST_BODY = JSON.stringify({ stripe_version: CLIENT_STRIPE_VERSION });
const MUTATION =
  'mutation Save($input: CreateStripeSetupIntentInput) { createStripeSetupIntent(input: $input) { __typename ' +
  '... on StripeSetupIntent { customerId ephemeralKeySecret setupIntentClientSecret } ... on Error { message } } }';
// One document text for every call, as an app sends it: yoga's parse cache may keep it.
const GRAPHQL_BODY = JSON.stringify({ query: MUTATION, variables: { input: { stripeVersion: CLIENT_STRIPE_VERSION } } });
const SESSION_MUTATION =
  'mutation Session($input: CreateStripeCustomerSessionInput!) { createStripeCustomerSession(input: $input) { __typename ' +
  '... on StripeCustomerSession { customerId customerSessionClientSecret expiresAt setupIntentClientSecret } ... on Error { message } } }';
const SESSION_BODY = JSON.stringify({ query: SESSION_MUTATION, variables: { input: { component: 'PAYMENT_ELEMENT' } } });

export interface Tokens {
  known: string[];
  fresh: () => string;
  /** Spree's opaque access tokens for its signed-in shoppers (bench/servers/spree.ts). */
  spree: string[];
  /** A user of the large store drawn at random, every call. */
  stored: () => string;
}

/** The HTTP request a client of this surface sends in this scenario, before its bearer token. */
export function baseRequest(
  surface: 'rest' | 'graphql',
  scenario?: ScenarioName,
): { path: string; headers: Record<string, string>; body: string } {
  if (surface === 'rest') return { path: SETUP_INTENTS_PATH, headers: { 'content-type': 'application/vnd.api+json' }, body: REST_BODY };
  const body = scenario === 'customer-session' ? SESSION_BODY : GRAPHQL_BODY;
  return { path: '/graphql', headers: { 'content-type': 'application/json', accept: 'application/json' }, body };
}

/**
 * The token each call carries in this scenario on this subject: one of the known users (or Spree
 * shoppers) in turn, a large store's user at random, a new user, or none.
 */
export function tokenSource(scenario: ScenarioName, tokens: Tokens, subject?: SubjectId): (() => string) | undefined {
  if (scenario === 'guest') return undefined;
  if (scenario === 'new-user') return tokens.fresh;
  if (subject && INSTANCES[SUBJECTS[subject].instance]!.seeded) return tokens.stored;
  const pool = scenario === 'spree-token' ? tokens.spree : tokens.known;
  let next = 0;
  return () => pool[next++ % pool.length]!;
}

/** autocannon's request list for a cell: one request, re-signed per call when the caller varies. */
export function loadRequests(subject: SubjectId, scenario: ScenarioName, tokens: Tokens): LoadRequest[] {
  const { path, headers, body } = baseRequest(SUBJECTS[subject].surface, scenario);
  const token = tokenSource(scenario, tokens, subject);
  const request: LoadRequest = { method: 'POST', path, headers, body };
  const stores = INSTANCES[SUBJECTS[subject].instance].stores;
  if (stores !== undefined) {
    // Host headers made once: the load generator's own cost stays out of the comparison.
    const hosts = Array.from({ length: stores }, (_, index) => benchStoreHost(index));
    let next = 0;
    request.setupRequest = (req) => ({
      ...req,
      headers: { ...headers, host: hosts[next++ % stores]!, ...(token && { authorization: `Bearer ${token()}` }) },
    });
  } else if (token) {
    request.setupRequest = (req) => ({ ...req, headers: { ...headers, authorization: `Bearer ${token()}` } });
  }
  return [request];
}

/** The three values, or why the answer is not a successful one. */
export function readAnswer(surface: 'rest' | 'graphql', status: number, body: string, scenario?: ScenarioName): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${body.slice(0, 300)}`;
  if (scenario === 'customer-session') return readSession(body);
  type Values = { customer?: unknown; key?: unknown; intent?: unknown };
  let answer: Values;
  if (surface === 'rest') {
    const rest = JSON.parse(body) as { customer_id?: unknown; ephemeral_key_secret?: unknown; setup_intent_client_secret?: unknown };
    answer = { customer: rest.customer_id, key: rest.ephemeral_key_secret, intent: rest.setup_intent_client_secret };
  } else {
    const graphql = JSON.parse(body) as { data?: { createStripeSetupIntent?: Record<string, unknown> } };
    const result = graphql.data?.createStripeSetupIntent ?? {};
    answer = { customer: result.customerId, key: result.ephemeralKeySecret, intent: result.setupIntentClientSecret };
  }
  const matches = (value: unknown, pattern: RegExp) => typeof value === 'string' && pattern.test(value);
  const ok = matches(answer.customer, /^cus_/) && matches(answer.key, /^ek_test_/) && matches(answer.intent, /^seti_.+_secret_/);
  return ok ? undefined : `unexpected answer: ${body.slice(0, 300)}`;
}

/** A customer session's answer: the customer, the session's client secret and the SetupIntent's. */
function readSession(body: string): string | undefined {
  const graphql = JSON.parse(body) as { data?: { createStripeCustomerSession?: Record<string, unknown> } };
  const session = graphql.data?.createStripeCustomerSession ?? {};
  const matches = (value: unknown, pattern: RegExp) => typeof value === 'string' && pattern.test(value);
  const ok =
    matches(session.customerId, /^cus_/) &&
    matches(session.customerSessionClientSecret, /^cuss_/) &&
    matches(session.setupIntentClientSecret, /^seti_.+_secret_/);
  return ok ? undefined : `unexpected answer: ${body.slice(0, 300)}`;
}
