import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import { DEFAULT_EMULATOR_SECRET_KEY } from '../src/emulator/index.js';
import { startChild, type BenchChild } from './children.js';
import { runLoad } from './load.js';
import { LARGE_STORE_CUSTOMERS, scratchDatabase, seedLargeStore, type ScratchDatabase } from './large-store.js';
import type { ProcessStats, StripeCallCounts } from './protocol.js';
import type { CellResult, LargeStoreSeeding, LeakResult } from './results.js';
import {
  baseRequest,
  benchStoreId,
  INSTANCES,
  loadRequests,
  readAnswer,
  SCENARIOS,
  SUBJECTS,
  type InstanceName,
  type Scenario,
  type SubjectId,
  type Tokens,
} from './scenarios.js';
import type { BenchSettings } from './settings.js';
import { BENCH_JWT_SECRET } from './tokens.js';

/** Guest calls are rate limited per client address; every call here comes from 127.0.0.1. */
export const GUEST_RATE_LIMIT_PER_MINUTE = '100000000';
/** Known users make thousands of calls each; the gateway's per-user limit is not what is measured. */
const USER_RATE_LIMIT_PER_MINUTE = '100000000';

const MB = 1024 * 1024;

/** A server under test and the emulator only it talks to, both fresh. */
export interface Pair {
  server: BenchChild;
  emulator: BenchChild;
  /** A large store's scratch database, dropped with the pair. */
  database?: ScratchDatabase;
  seeding?: LargeStoreSeeding;
}

/** Customers in a large store's emulator; its million users are mapped onto them in turn. */
/** What every server under test is configured with: the gateway's variable names. */
function serverEnv(emulatorUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    STRIPE_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY,
    STRIPE_API_BASE: emulatorUrl,
    STRIPE_EPHEMERAL_KEY_VERSION: Stripe.API_VERSION,
    AUTH_JWT_SECRET: BENCH_JWT_SECRET,
    GUEST_RATE_LIMIT_PER_MINUTE,
    USER_RATE_LIMIT_PER_MINUTE,
    // The emulator has no rate limit; the bench measures the gateway, not a Stripe account's.
    STRIPE_MAX_REQUESTS_PER_SECOND: '1000000000',
  };
}

export async function startPair(
  instance: InstanceName,
  latencyMs: number,
  settings: BenchSettings,
  extraFlags: string[] = [],
): Promise<Pair> {
  const emulator = await startChild(settings.serversDir, 'emulator', { BENCH_EMULATOR_LATENCY_MS: String(latencyMs) });
  const { server: name, database: kind, seeded } = INSTANCES[instance];
  const profile = settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] : [];
  const flags = name === 'gateway' ? [...settings.gatewayNodeFlags, ...profile, ...extraFlags] : [];
  const stores = INSTANCES[instance].stores;
  const env = { ...serverEnv(emulator.url), ...(name === 'gateway' && settings.gatewayEnv), ...(stores && { BENCH_STORES: String(stores) }) };
  if (!kind) return { server: await startChild(settings.serversDir, name, env, flags), emulator };
  let database: ScratchDatabase | undefined;
  try {
    database = await scratchDatabase(kind, settings.postgresUrl);
    const seeding = seeded ? await seedFor(emulator.url, database.url, settings.largeStoreUsers) : undefined;
    const server = await startChild(settings.serversDir, name, { ...env, BENCH_DATABASE_URL: database.url }, flags);
    return { server, emulator, database, seeding };
  } catch (error) {
    await database?.drop();
    await emulator.stop();
    throw error;
  }
}

/** Customers made in this emulator, and the store filled with `users` mapped onto them. */
async function seedFor(emulatorUrl: string, databaseUrl: string, users: number): Promise<LargeStoreSeeding> {
  const api = new URL(emulatorUrl);
  const stripe = new Stripe(DEFAULT_EMULATOR_SECRET_KEY, { host: api.hostname, port: api.port, protocol: 'http' });
  const account = await stripe.accounts.retrieveCurrent();
  const customers: string[] = [];
  for (let i = 0; i < LARGE_STORE_CUSTOMERS; i++) customers.push((await stripe.customers.create()).id);
  // The gateway's scope for this emulator's test-mode key (src/stripe/account-scope.ts).
  const seconds = await seedLargeStore(databaseUrl, `${account.id}:test`, customers, users);
  return { users, ...seconds };
}

export async function stopPair({ server, emulator, database }: Pair): Promise<void> {
  await server.stop();
  await emulator.stop();
  await database?.drop();
}

/**
 * Stores every known user's customer (and, on the gateway unless `spree` is false, signs in every
 * Spree shopper: the token cache is warm), and proves each surface answers correctly before it is timed.
 */
export async function prime(instance: InstanceName, url: string, tokens: Tokens, sessions = true, spree = true): Promise<void> {
  const name = INSTANCES[instance].server;
  const surfaces = name === 'gateway' ? (['rest', 'graphql'] as const) : (['rest'] as const);
  const call = async (surface: 'rest' | 'graphql', token: string | undefined, scenario?: 'customer-session') => {
    const { path, headers, body } = baseRequest(surface, scenario);
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { ...headers, ...(token && { authorization: `Bearer ${token}` }) },
      body,
    });
    const problem = readAnswer(surface, response.status, await response.text(), scenario);
    if (problem) throw new Error(`${name} ${surface}: ${problem}`);
  };
  const stores = INSTANCES[instance].stores;
  if (stores !== undefined) {
    // Every known user's customer in every store (one customer per user and store), 16 at a time.
    const pairs = Array.from({ length: stores }, (_, index) => tokens.known.map((token) => ({ token, store: benchStoreId(index) }))).flat();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let pair = pairs.shift(); pair !== undefined; pair = pairs.shift()) {
          const { path, headers, body } = baseRequest('rest');
          const response = await fetch(`${url}${path}`, {
            method: 'POST',
            headers: { ...headers, authorization: `Bearer ${pair.token}`, 'x-store-id': pair.store },
            body,
          });
          const problem = readAnswer('rest', response.status, await response.text());
          if (problem) throw new Error(`${name} ${pair.store}: ${problem}`);
        }
      }),
    );
    return;
  }
  if (INSTANCES[instance].seeded) {
    // A large store: its users are stored already.
    for (let i = 0; i < 8; i++) await call('rest', tokens.stored());
    return;
  }
  // A gateway from before Spree tokens (bench/ab.ts's base) is primed with JWTs only.
  const queue = [...tokens.known, ...(name === 'gateway' && spree ? tokens.spree : [])];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let token = queue.shift(); token !== undefined; token = queue.shift()) await call('rest', token);
    }),
  );
  if (name === 'gateway' && sessions) await call('graphql', tokens.known[0], 'customer-session');
  for (const surface of surfaces) {
    await call(surface, tokens.known[0]);
    await call(surface, tokens.fresh());
    await call(surface, undefined);
  }
}

export async function measureCell(
  latencyMs: number,
  scenario: Scenario,
  subject: SubjectId,
  pair: Pair,
  tokens: Tokens,
  settings: BenchSettings,
): Promise<CellResult> {
  const { server, emulator } = pair;
  const load = async (seconds: number, amount?: number) => {
    const result = await runLoad({
      url: server.url,
      connections: settings.connections,
      rate: settings.rate,
      requests: loadRequests(subject, scenario.name, tokens),
      seconds,
      amount,
    });
    // autocannon hangs up on calls still in flight; the server finishes them regardless. Let it,
    // so their CPU and Stripe calls are not counted in the next window.
    await sleep(Math.min(settings.quick ? 300 : 2_000, Math.max(100, 2 * result.p99Ms)));
    return result;
  };
  if (settings.warmupSeconds > 0) await load(settings.warmupSeconds);
  await server.call('reset-peak');
  await emulator.call('stripe-calls');
  const [serverBefore, emulatorBefore] = [await server.stats(), await emulator.stats()];
  const result = await load(settings.measureSeconds, settings.measureAnswers);
  const [serverAfter, emulatorAfter] = [await server.stats(), await emulator.stats()];
  const calls = await emulator.call<StripeCallCounts>('stripe-calls');
  const totalCalls = Object.values(calls.byRoute).reduce((sum, count) => sum + count, 0);
  // Every answer creates exactly one SetupIntent: calls per intent is calls per answer.
  const intents = calls.byRoute['POST /v1/setup_intents'] ?? 0;
  const perRequest = (micros: number) => (result.requests === 0 ? 0 : micros / 1000 / result.requests);
  return {
    latencyMs,
    scenario: scenario.name,
    subject,
    requests: result.requests,
    seconds: result.seconds,
    requestsPerSecond: result.requestsPerSecond,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    failures: result.failures,
    failedStatuses: result.failedStatuses,
    peakRssMb: serverAfter.peakRssBytes / MB,
    serverCpuMsPerRequest: perRequest(serverAfter.cpuMicros - serverBefore.cpuMicros),
    emulatorCpuMsPerRequest: perRequest(emulatorAfter.cpuMicros - emulatorBefore.cpuMicros),
    stripeCallsPerRequest: intents === 0 ? 0 : totalCalls / intents,
    stripeCallsFailed: calls.failed,
  };
}

/**
 * One block of the table at one emulator latency: every server with a fresh emulator of its own,
 * then each scenario measured on each server back to back (one at a time), so cells compared
 * with each other are close in time on a noisy machine.
 */
export async function measureBlock(
  latencyMs: number,
  tokens: Tokens,
  settings: BenchSettings,
  onCell: (cell: CellResult) => void,
): Promise<CellResult[]> {
  const pairs = new Map<InstanceName, Pair>();
  const scenarios = SCENARIOS.filter((s) => settings.scenarios.includes(s.name));
  const measured = (subject: SubjectId) => settings.postgresUrl !== undefined || INSTANCES[SUBJECTS[subject].instance]!.database !== 'postgres';
  const instances = [...new Set(scenarios.flatMap((s) => s.subjects.filter(measured).map((subject) => SUBJECTS[subject].instance)))];
  try {
    // Started together (they sit idle until their turn), then primed one by one.
    const started = await Promise.allSettled(instances.map((instance) => startPair(instance, latencyMs, settings)));
    started.forEach((outcome, i) => outcome.status === 'fulfilled' && pairs.set(instances[i]!, outcome.value));
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const sessions = scenarios.some((scenario) => scenario.name === 'customer-session');
    for (const [instance, pair] of pairs) await prime(instance, pair.server.url, tokens, sessions);
    const cells: CellResult[] = [];
    for (const scenario of scenarios) {
      for (const subject of scenario.subjects.filter(measured)) {
        const pair = pairs.get(SUBJECTS[subject].instance)!;
        const cell = await measureCell(latencyMs, scenario, subject, pair, tokens, settings);
        if (pair.seeding) cell.largeStore = pair.seeding;
        onCell(cell);
        cells.push(cell);
      }
    }
    return cells;
  } finally {
    await Promise.all([...pairs.values()].map(stopPair));
  }
}

/**
 * The leak check, on the gateway alone: a mix of every kind of call (known users over REST and
 * GraphQL, new users, guests), RSS read after the first count of requests and again after the
 * second, each time after a full collection (the gateway runs with --expose-gc here), so the
 * readings compare what is retained rather than where the heap's growth happened to be.
 */
export async function measureLeak(tokens: Tokens, settings: BenchSettings): Promise<LeakResult> {
  const pair = await startPair('gateway', settings.leakLatencyMs, settings, ['--expose-gc']);
  try {
    await prime('gateway', pair.server.url, tokens, false);
    await pair.server.call('reset-peak');
    const requests = [
      ...loadRequests('gateway-rest', 'known-user', tokens),
      ...loadRequests('gateway-graphql', 'known-user', tokens),
      ...loadRequests('gateway-rest', 'new-user', tokens),
      ...loadRequests('gateway-rest', 'guest', tokens),
    ];
    const readings: LeakResult['readings'] = [];
    let done = 0;
    let failures = 0;
    for (const target of settings.leakRequests) {
      const result = await runLoad({ url: pair.server.url, connections: settings.connections, requests, amount: target - done });
      done = target;
      failures += result.failures;
      const stats = await pair.server.call<ProcessStats>('settled-stats');
      readings.push({ requests: done, rssMb: stats.rssBytes / MB, heapUsedMb: stats.heapUsedBytes / MB });
    }
    const { peakRssBytes } = await pair.server.stats();
    const first = readings[0]!.rssMb;
    const last = readings.at(-1)!.rssMb;
    return {
      latencyMs: settings.leakLatencyMs,
      readings,
      peakRssMb: peakRssBytes / MB,
      rssGrowthPercent: ((last - first) / first) * 100,
      failures,
    };
  } finally {
    await stopPair(pair);
  }
}
