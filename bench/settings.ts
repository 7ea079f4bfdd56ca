import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCENARIOS, type ScenarioName } from './scenarios.js';

export interface BenchSettings {
  quick: boolean;
  /** The compiled servers under test (./build.ts). */
  serversDir: string;
  /** Node flags for the gateway: those `npm start` uses (./build.ts). */
  gatewayNodeFlags: string[];
  /** Where the results JSON goes. */
  out: string;
  /** Writes V8 CPU profiles of the gateway (`node --cpu-prof`) into this directory. */
  profileDir: string | undefined;
  /** Emulator latency per Stripe call, one measurement block each. */
  latenciesMs: number[];
  /** The scenarios to measure (all by default): fewer make a quicker before/after comparison. */
  scenarios: ScenarioName[];
  connections: number;
  /**
   * Requests per second offered over all connections (bench/ab.ts --rate): both sides of an A/B
   * then serve the same rate, so neither's CPU per answer gains from batching more calls per
   * event-loop turn because the machine happened to let it run faster. Unset: as fast as answered.
   */
  rate?: number;
  warmupSeconds: number;
  /** Measured seconds per cell; with `measureAnswers`, the most a cell may take. */
  measureSeconds: number;
  /**
   * A cell runs until this many answers (--quick: on a loaded machine a short window may see
   * none, and a figure of nothing is no smoke test); unset, it runs `measureSeconds`.
   */
  measureAnswers: number | undefined;
  /** Signed-in users whose customers are stored before the known-user cells; as many Spree shoppers. */
  knownUsers: number;
  /** Users (and idempotency records) in the large-store scenario's database. */
  largeStoreUsers: number;
  /** The large store on PostgreSQL: scratch databases are made on this server (BENCH_DATABASE_URL, else TEST_DATABASE_URL); unset, its cells are left out. */
  postgresUrl: string | undefined;
  /** Extra environment of the gateway (bench/run.ts: the Spree stand-in). */
  gatewayEnv: Record<string, string>;
  /** The leak check: RSS after the first count of requests, then after the second (cumulative). */
  leakRequests: [number, number];
  leakLatencyMs: number;
}

export const DEFAULT_OUT = fileURLToPath(new URL('./results.json', import.meta.url));
/** A smoke run's numbers mean little: they never replace the committed results. */
export const QUICK_OUT = join(tmpdir(), 'stripe-setup-gateway-bench-quick.json');

const USAGE = `usage: npm run bench -- [--quick] [--out FILE] [--profile DIR] [--seconds N] [--latency MS,MS] [--scenario NAME,NAME]
  --quick       a smoke run: 200 answers per cell, a 20,000-user large store; asserts nothing about targets
  --out FILE    results JSON (default bench/results.json; with --quick, a file in the temporary directory)
  --profile DIR write the gateway's V8 CPU profiles (node --cpu-prof) into DIR
  --seconds N   measured seconds per cell (default 8; --quick: until 200 answers, 30 s at most)
  --store-users N  users and idempotency records in the large-store scenario (default 1000000)
  --latency L   emulator latencies in ms, comma-separated (default 25,0)
  --scenario S  ${SCENARIOS.map((s) => s.name).join(', ')}: comma-separated (default all)
The large store on PostgreSQL needs BENCH_DATABASE_URL or TEST_DATABASE_URL (a scratch database is made and dropped).`;

type ParsedSettings = Omit<BenchSettings, 'serversDir' | 'gatewayNodeFlags' | 'gatewayEnv'>;

export function parseSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedSettings {
  const quick = argv.includes('--quick');
  const settings: ParsedSettings = {
    quick,
    out: quick ? QUICK_OUT : DEFAULT_OUT,
    profileDir: undefined,
    latenciesMs: [25, 0],
    scenarios: SCENARIOS.map((scenario) => scenario.name),
    connections: 64,
    warmupSeconds: quick ? 0 : 2,
    measureSeconds: quick ? 30 : 8,
    measureAnswers: quick ? 200 : undefined,
    knownUsers: quick ? 8 : 64,
    largeStoreUsers: quick ? 20_000 : 1_000_000,
    postgresUrl: env.BENCH_DATABASE_URL || env.TEST_DATABASE_URL || undefined,
    leakRequests: quick ? [500, 2_500] : [10_000, 50_000],
    leakLatencyMs: 0,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return next;
    };
    if (flag === '--quick') continue;
    else if (flag === '--out') settings.out = value();
    else if (flag === '--profile') settings.profileDir = value();
    else if (flag === '--seconds') {
      settings.measureSeconds = positive(flag, value());
      settings.measureAnswers = undefined;
    } else if (flag === '--store-users') settings.largeStoreUsers = positive(flag, value());
    else if (flag === '--latency') settings.latenciesMs = value().split(',').map((ms) => positive(flag, ms, true));
    else if (flag === '--scenario') settings.scenarios = value().split(',').map(scenarioName);
    else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  return settings;
}

function positive(flag: string, text: string, zeroAllowed = false): number {
  const number = Number(text);
  if (!Number.isFinite(number) || number < 0 || (number === 0 && !zeroAllowed)) {
    throw new Error(`${flag}: expected a positive number, got ${text}\n${USAGE}`);
  }
  return number;
}

function scenarioName(text: string): ScenarioName {
  const scenario = SCENARIOS.find((s) => s.name === text);
  if (!scenario) throw new Error(`--scenario: unknown scenario ${text}\n${USAGE}`);
  return scenario.name;
}
