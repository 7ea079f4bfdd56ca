import autocannon, { type Request as LoadRequest } from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  requests: LoadRequest[];
  /** Run for this long… */
  seconds?: number;
  /** …or until this many answers (then `seconds`, when given, is a cap). */
  amount?: number;
  /** Requests per second over all connections (autocannon's overallRate); unset: as fast as answered. */
  rate?: number;
}

export interface LoadResult {
  /** Successful (2xx) answers. */
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers, connection errors and timeouts. */
  failures: number;
  /** The status codes other than 2xx, and how often. */
  failedStatuses: Record<string, number>;
}

/**
 * One autocannon run over keep-alive connections (autocannon's default). Latencies are taken
 * from each answer (µs precision) rather than autocannon's histogram, which rounds to whole ms:
 * too coarse at 0 ms emulator latency.
 */
export async function runLoad({ url, connections, requests, seconds, amount, rate }: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const started = performance.now();
  // The run ends on autocannon's next tick after the last answer: count time to that answer only.
  let lastAnswer = started;
  let cap: NodeJS.Timeout | undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        requests,
        // autocannon checks its end only on each sample tick: keep that prompt.
        sampleInt: 100,
        ...(rate !== undefined && { overallRate: rate }),
        ...(amount === undefined ? { duration: seconds ?? 1 } : { amount }),
      },
      (error, finished) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(finished)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      lastAnswer = performance.now();
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
    if (amount !== undefined && seconds !== undefined) cap = setTimeout(() => instance.stop(), seconds * 1000);
  }).finally(() => clearTimeout(cap));
  const elapsed = (lastAnswer - started) / 1000;
  latencies.sort((a, b) => a - b);
  const failedStatuses: Record<string, number> = {};
  for (const [code, { count = 0 } = {}] of Object.entries(result.statusCodeStats ?? {})) {
    if (!code.startsWith('2')) failedStatuses[code] = count;
  }
  return {
    requests: latencies.length,
    seconds: elapsed,
    requestsPerSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    failures: result.non2xx + result.errors,
    failedStatuses,
  };
}

/** Nearest-rank percentile of sorted values; 0 for none. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}
