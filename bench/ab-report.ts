import { readFileSync } from 'node:fs';

/**
 * `npx tsx bench/ab-report.ts bench/ab-results.json [more.json …]`: the Markdown table of one or
 * more `bench/ab.ts --out` files (bench/ab-results.md is made with it), with issue 21's targets:
 * CPU per answer at most 1.05x the base's, GraphQL at most 1.15x REST's, peak RSS at most 150 MB.
 */
interface AbResults {
  command: string;
  node: string;
  a: string;
  b: string;
  rounds: number;
  mode: string;
  seconds: number;
  connections: number;
  rate: number | null;
  finishedAt: string;
  cells: Array<{
    latencyMs: number;
    scenario: string;
    subject: string;
    cpuMsPerAnswer: { a: number; b: number; bOverA: number; bOverAPerRound: number };
    requestsPerSecond: { a: number; b: number };
    peakRssMb: { a: number; b: number };
  }>;
  graphqlOverRest: Array<{ latencyMs: number; scenario: string; graphqlOverRest: { a: number; b: number } }>;
  peakRssMb: { a: number; b: number };
  perRound: Record<string, { load: number[] }>;
}

const verdict = (value: number, bound: number) => (value <= bound ? 'holds' : 'fails');
const files = process.argv.slice(2);
if (files.length === 0) throw new Error('usage: npx tsx bench/ab-report.ts FILE.json [FILE.json …]');
for (const file of files) {
  const run = JSON.parse(readFileSync(file, 'utf8')) as AbResults;
  const loads = Object.values(run.perRound).flatMap((entry) => entry.load);
  const sorted = [...loads].sort((x, y) => x - y);
  console.log(`### Node ${run.node}: ${run.a} against ${run.b}`);
  console.log('');
  console.log(
    `\`${run.command}\`: ${run.rounds} rounds (${run.mode}), ${run.seconds} s per cell, ${run.connections} connections` +
      `${run.rate ? ` at ${run.rate} req/s` : ''}; one-minute load average ${sorted[0]!.toFixed(1)}-${sorted.at(-1)!.toFixed(1)} ` +
      `(median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)}) on 2 cores; finished ${run.finishedAt}.`,
  );
  console.log('');
  console.log('| Stripe latency | cell | CPU ms/answer A | CPU ms/answer B | B ÷ A (median of rounds) | target ≤ 1.05 | req/s A → B | peak RSS MB A → B |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const cell of run.cells) {
    const { a, b, bOverAPerRound } = cell.cpuMsPerAnswer;
    console.log(
      `| ${cell.latencyMs} ms | ${cell.scenario} ${cell.subject.replace('gateway-', '')} | ${a.toFixed(3)} | ${b.toFixed(3)} | ` +
        `${bOverAPerRound.toFixed(2)}x | ${verdict(bOverAPerRound, 1.05)} | ${cell.requestsPerSecond.a.toFixed(0)} → ${cell.requestsPerSecond.b.toFixed(0)} | ` +
        `${cell.peakRssMb.a.toFixed(0)} → ${cell.peakRssMb.b.toFixed(0)} |`,
    );
  }
  console.log('');
  for (const ratio of run.graphqlOverRest) {
    const { a, b } = ratio.graphqlOverRest;
    console.log(`- ${ratio.latencyMs} ms: GraphQL ÷ REST CPU per answer A ${a.toFixed(2)}x, B ${b.toFixed(2)}x (target ≤ 1.15: ${verdict(b, 1.15)})`);
  }
  console.log(`- peak RSS under load: A ${run.peakRssMb.a.toFixed(0)} MB, B ${run.peakRssMb.b.toFixed(0)} MB (target ≤ 150: ${verdict(run.peakRssMb.b, 150)})`);
  console.log('');
}
