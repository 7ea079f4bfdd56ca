import type { LoadResult } from './load.js';
import type { ScenarioName, SubjectId } from './scenarios.js';

/** The shape of bench/results.json. */
export interface BenchResults {
  generatedAt: string;
  quick: boolean;
  machine: MachineInfo;
  settings: {
    connections: number;
    warmupSeconds: number;
    measureSeconds: number;
    knownUsers: number;
    largeStoreUsers: number;
    /** Spree's account endpoint answers after this long (bench/servers/spree.ts). */
    spreeLatencyMs: number;
    latenciesMs: number[];
    guestRateLimitPerMinute: string;
    /** Those of `npm start`. */
    gatewayNodeFlags: string[];
  };
  cells: CellResult[];
  leak: LeakResult;
  /** Ratios within this run, and the memory checks; those with a target are the issue's. */
  checks: Check[];
}

export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryGb: number;
  os: string;
  node: string;
  /** 1-minute load average before and after: how busy the shared machine was around the run. */
  loadAverageBefore: number;
  loadAverageAfter: number;
}

export interface CellResult extends LoadResult {
  latencyMs: number;
  scenario: ScenarioName;
  subject: SubjectId;
  /** Highest RSS of the server's process while the cell ran. */
  peakRssMb: number;
  /** The server process's CPU time per answered request. */
  serverCpuMsPerRequest: number;
  /** The emulator's CPU time per answered request (shared by every server alike). */
  emulatorCpuMsPerRequest: number;
  /** Stripe calls per answer, from the emulator's log (its last 10,000 calls). */
  stripeCallsPerRequest: number;
  stripeCallsFailed: number;
  /** Large-store cells: how the database was filled. */
  largeStore?: LargeStoreSeeding;
}

export interface LargeStoreSeeding {
  users: number;
  /** The customer mappings, through the store's importCustomers in batches. */
  mappingsSeconds: number;
  /** As many idempotency records, one INSERT … SELECT. */
  idempotencySeconds: number;
}

export interface LeakResult {
  latencyMs: number;
  /** Cumulative requests at each reading, and the gateway's RSS / heap then. */
  readings: Array<{ requests: number; rssMb: number; heapUsedMb: number }>;
  peakRssMb: number;
  /** RSS growth from the first reading to the last, in per cent of the first. */
  rssGrowthPercent: number;
  failures: number;
}

export interface Check {
  /** e.g. "25 ms · known user · gateway REST p50 ÷ parallel limit", "gateway peak RSS (MB)". */
  label: string;
  value: number;
  /** Set when the issue names a target for this ratio. */
  target?: { op: '<=' | '>='; bound: number; holds: boolean };
}
