import type { BenchResults, CellResult, Check } from './results.js';
import { SCENARIOS, SUBJECTS } from './scenarios.js';

const COLUMNS = [
  ['scenario', 20],
  ['server', 17],
  ['p50 ms', 8],
  ['p99 ms', 8],
  ['req/s', 8],
  ['peak RSS MB', 12],
  ['CPU ms/req', 11],
  ['Stripe calls/req', 17],
  ['errors', 7],
] as const;

const pad = (text: string, width: number, index: number) => (index < 2 ? text.padEnd(width) : text.padStart(width));
const line = (values: string[]) => values.map((value, i) => pad(value, COLUMNS[i]![1], i)).join(' ').trimEnd();

/** One row per cell: the numbers the issue asks for, and what explains them. */
export function formatCell(cell: CellResult, firstOfScenario: boolean): string {
  const scenario = SCENARIOS.find((s) => s.name === cell.scenario)!;
  return line([
    firstOfScenario ? scenario.label : '',
    SUBJECTS[cell.subject].label,
    cell.p50Ms.toFixed(2),
    cell.p99Ms.toFixed(2),
    cell.requestsPerSecond.toFixed(0),
    cell.peakRssMb.toFixed(0),
    cell.serverCpuMsPerRequest.toFixed(3),
    cell.stripeCallsPerRequest.toFixed(2),
    String(cell.failures + cell.stripeCallsFailed),
  ]);
}

export function blockHeading(latencyMs: number, results: Pick<BenchResults, 'settings'>): string {
  const { connections, measureSeconds, warmupSeconds } = results.settings;
  return [
    `Emulator latency ${latencyMs} ms per Stripe call · ${connections} keep-alive connections · ${measureSeconds} s per cell after ${warmupSeconds} s warm-up`,
    line(COLUMNS.map(([name]) => name)),
  ].join('\n');
}

function formatCheck({ label, value, target }: Check): string {
  const shown = `${label.padEnd(78)} ${value.toFixed(2).padStart(7)}`;
  if (!target) return shown;
  return `${shown}  target ${target.op === '<=' ? '≤' : '≥'} ${target.bound}  ${target.holds ? 'holds' : 'FAILS'}`;
}

/** The whole report: the table per latency, the ratios, memory, and which targets hold. */
export function formatReport(results: BenchResults): string {
  const out: string[] = [];
  const { machine } = results;
  out.push(
    `stripe-setup-gateway benchmark${results.quick ? ' (--quick: a smoke run; its numbers mean little)' : ''}`,
    `${machine.cpuModel} × ${machine.cpus}, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}; ` +
      `load average ${machine.loadAverageBefore.toFixed(2)} before, ${machine.loadAverageAfter.toFixed(2)} after`,
    `gateway: node ${[...results.settings.gatewayNodeFlags, ''].join(' ')}(as npm start), ` +
      `GUEST_RATE_LIMIT_PER_MINUTE=${results.settings.guestRateLimitPerMinute}, LOG_LEVEL=silent, fresh SQLite; ` +
      `Spree tokens: the account endpoint at ${results.settings.spreeLatencyMs} ms, cache warm`,
    '',
  );
  for (const latencyMs of results.settings.latenciesMs) {
    out.push(blockHeading(latencyMs, results));
    let previous: string | undefined;
    for (const cell of results.cells.filter((c) => c.latencyMs === latencyMs)) {
      out.push(formatCell(cell, cell.scenario !== previous));
      previous = cell.scenario;
    }
    out.push('');
  }
  const seeded = results.cells.filter((cell) => cell.largeStore);
  if (seeded.length > 0) {
    out.push(
      `Large store: ${results.settings.largeStoreUsers} users with as many idempotency records, known users drawn at random (a fresh JWT verification ` +
        'nearly every call). Seeding (mappings through importCustomers in batches of 20,000; idempotency records in one INSERT … SELECT):',
      ...seeded.map(
        ({ latencyMs, subject, largeStore: seeding }) =>
          `  ${latencyMs} ms block, ${SUBJECTS[subject].label}: mappings ${seeding!.mappingsSeconds.toFixed(1)} s, idempotency records ${seeding!.idempotencySeconds.toFixed(1)} s`,
      ),
      '',
    );
  }
  const { leak } = results;
  out.push(
    `Leak check (gateway alone, ${leak.latencyMs} ms latency, a mix of all four calls, read after a full GC): ` +
      leak.readings.map((r) => `RSS ${r.rssMb.toFixed(1)} MB (heap ${r.heapUsedMb.toFixed(1)} MB) after ${r.requests} requests`).join(', ') +
      ` (${leak.rssGrowthPercent >= 0 ? '+' : ''}${leak.rssGrowthPercent.toFixed(1)} %), ${leak.failures} errors`,
    '',
    'Ratios within this run (gateway ÷ baseline) and memory:',
    ...results.checks.map(formatCheck),
    '',
  );
  const targeted = results.checks.filter((c) => c.target);
  const failing = targeted.filter((c) => !c.target!.holds);
  out.push(
    failing.length === 0
      ? `All ${targeted.length} targets hold.`
      : `${targeted.length - failing.length} of ${targeted.length} targets hold; failing:\n${failing.map((c) => `  ${formatCheck(c)}`).join('\n')}`,
  );
  return out.join('\n');
}
