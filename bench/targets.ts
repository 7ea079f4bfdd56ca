import type { CellResult, Check, LeakResult } from './results.js';
import { SCENARIOS, SUBJECTS, type ScenarioName, type SubjectId } from './scenarios.js';

type Bound = { op: '<=' | '>='; bound: number };
type Metric = 'p50' | 'rps';

/** The targets, as ratios of the gateway to a baseline within one run. */
function targetFor(latencyMs: number, scenario: ScenarioName, subject: SubjectId, metric: Metric, versus: SubjectId): Bound | undefined {
  if (latencyMs === 25) {
    if (metric === 'rps') return versus === 'parallel-limit' ? { op: '>=', bound: 0.9 } : undefined;
    if (scenario === 'guest') return undefined;
    if (versus === 'parallel-limit') return { op: '<=', bound: 1.1 };
    return { op: '<=', bound: scenario === 'known-user' ? 0.55 : 0.7 };
  }
  if (latencyMs === 0 && metric === 'rps' && versus === 'parallel-limit') {
    return { op: '>=', bound: subject === 'gateway-graphql' ? 0.5 : 0.6 };
  }
  return undefined;
}

export const PEAK_RSS_LIMIT_MB = 150;
export const RSS_GROWTH_LIMIT_PERCENT = 10;

const holds = ({ op, bound }: Bound, value: number) => (op === '<=' ? value <= bound : value >= bound);
const check = (label: string, value: number, bound: Bound | undefined): Check =>
  bound ? { label, value, target: { ...bound, holds: holds(bound, value) } } : { label, value };

/** Every gateway cell against both baselines on p50 and throughput, then memory. */
export function checksOf(cells: CellResult[], leak: LeakResult): Check[] {
  const checks: Check[] = [];
  const cellOf = (latencyMs: number, scenario: ScenarioName, subject: SubjectId) =>
    cells.find((cell) => cell.latencyMs === latencyMs && cell.scenario === scenario && cell.subject === subject);
  const latencies = [...new Set(cells.map((cell) => cell.latencyMs))];
  for (const latencyMs of latencies) {
    for (const scenario of SCENARIOS) {
      for (const subject of ['gateway-rest', 'gateway-graphql'] as const) {
        const cell = cellOf(latencyMs, scenario.name, subject);
        if (!cell) continue;
        for (const versus of ['parallel-limit', 'sequential-peer'] as const) {
          const base = cellOf(latencyMs, scenario.name, versus);
          if (!base) continue;
          const label = (metric: string) =>
            `${latencyMs} ms · ${scenario.label} · ${SUBJECTS[subject].label} ${metric} ÷ ${SUBJECTS[versus].label}`;
          checks.push(check(label('p50'), cell.p50Ms / base.p50Ms, targetFor(latencyMs, scenario.name, subject, 'p50', versus)));
          checks.push(
            check(
              label('req/s'),
              cell.requestsPerSecond / base.requestsPerSecond,
              targetFor(latencyMs, scenario.name, subject, 'rps', versus),
            ),
          );
        }
      }
    }
  }
  const gatewayPeak = Math.max(
    leak.peakRssMb,
    ...cells.filter((cell) => SUBJECTS[cell.subject].server === 'gateway').map((cell) => cell.peakRssMb),
  );
  checks.push(check('gateway peak RSS under load (MB)', gatewayPeak, { op: '<=', bound: PEAK_RSS_LIMIT_MB }));
  const [first, last] = [leak.readings[0], leak.readings.at(-1)];
  checks.push(
    check(
      `gateway RSS growth from ${first?.requests ?? 0} to ${last?.requests ?? 0} requests (%)`,
      leak.rssGrowthPercent,
      { op: '<=', bound: RSS_GROWTH_LIMIT_PERCENT },
    ),
  );
  return checks;
}
