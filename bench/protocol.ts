/** What the orchestrator (bench/run.ts) and its child processes say to each other over IPC. */

export interface CommandMessage {
  id: number;
  command: string;
}

export type ChildMessage =
  | { kind: 'ready'; url: string }
  | { kind: 'reply'; id: number; result?: unknown; error?: string };

/** One server process's resources, read inside that process. */
export interface ProcessStats {
  rssBytes: number;
  /** Highest RSS sampled since the last `reset-peak`. */
  peakRssBytes: number;
  heapUsedBytes: number;
  /** User plus system CPU time since the process started. */
  cpuMicros: number;
}

/** The Stripe calls the emulator answered since the previous count (at most its last 10,000). */
export interface StripeCallCounts {
  /** Keyed "POST /v1/customers" and so on. */
  byRoute: Record<string, number>;
  /** Answers other than 200. */
  failed: number;
}

/** The servers under test: one child process each. */
export const SERVERS = ['gateway', 'sequential-peer', 'parallel-limit'] as const;
export type ServerName = (typeof SERVERS)[number];

/** The host that selects store `index` of a gateway started with BENCH_STORES (and its id, `store-N`). */
export const benchStoreHost = (index: number) => `store-${index}.bench.test`;
export const benchStoreId = (index: number) => `store-${index}`;
