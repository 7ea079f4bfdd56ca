import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileServers, startScriptFlags } from './build.js';
import { measureCell, prime, startPair, stopPair, type Pair } from './measure.js';
import { loadRequests, SCENARIOS, SUBJECTS, type ScenarioName, type SubjectId } from './scenarios.js';
import { runLoad } from './load.js';
import { parseSettings, type BenchSettings } from './settings.js';
import { calledStoredUserId, LARGE_STORE_CUSTOMERS } from './large-store.js';
import { startSpree } from './spree.js';
import { freshUserTokens, knownUserTokens, storedUserTokens } from './tokens.js';

/**
 * `npx tsx bench/ab.ts --base REF [--latency 0,25] [--cells known-user:gateway-rest,…] [--rounds 3]
 * [--seconds 5] [--out FILE.json]`: the gateway at git REF (A) against this checkout (B), side by
 * side in one run. In each round (see --mode below for the order) every cell is
 * measured on both sides; the order of the sides alternates, so a machine getting
 * busier favours neither. Prints the median per cell and side, B's change, GraphQL's CPU per
 * answer against REST's on each side, and each side's peak RSS under load (the highest of every
 * measured window): the figures a change's row in the README quotes. `--out` also writes every
 * round's figures with the machine's load average when each was taken. `--mode paired` (the default)
 * runs both sides' gateways at once and measures each cell on A and B back to back (order
 * alternating), for a machine whose load swings within seconds; `--mode fresh` starts a fresh
 * gateway per round, side and latency instead, and paired mode first runs every cell on each side
 * for `--warm` seconds (4). `--rate N` offers N requests per second instead of as many as are
 * answered: both sides then serve the same rate, so CPU per answer does not move with how fast
 * a loaded machine happened to let a side run. `--profile DIR` writes a
 * V8 CPU profile of every gateway (`A-r1-0ms.cpuprofile`, …) for bench/profile-summary.ts.
 *
 * `--a-env K=V,K=V` runs side A with more environment (a shared Redis for both sides: `--a-env
 * REDIS_URL=… --b-env REDIS_URL=…`). `--b-env K=V,K=V` and `--b-flags "--flag …"` run side B with more environment and Node flags
 * (`{servers}` in them is the side's compiled directory, `{sink}` the URL of an OTLP sink this
 * process answers 200 on): tracing on against off is `--base HEAD --b-flags
 * "--import={servers}../../src/tracing/register.js" --b-env OTEL_EXPORTER_OTLP_ENDPOINT={sink}`.
 */
process.on('SIGINT', () => process.exit(130));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = argv.indexOf(name);
  return at === -1 ? fallback : argv.splice(at, 2)[1]!;
};
const baseRef = option('--base', 'main');
const headRef = option('--head', '');
const bEnvText = option('--b-env', '');
const aEnvText = option('--a-env', '');
const bFlagsText = option('--b-flags', '');
const rounds = Number(option('--rounds', '3'));
const out = option('--out', '');
const profileDir = option('--profile', '');
const mode = option('--mode', 'paired');
const rateText = option('--rate', '');
const warmSeconds = Number(option('--warm', '4'));
if (mode !== 'paired' && mode !== 'fresh') throw new Error(`--mode: paired or fresh, not ${mode}`);
const cells = option('--cells', 'known-user:gateway-rest,known-user:gateway-graphql').split(',').map((cell) => {
  const [scenario, subject] = cell.split(':') as [ScenarioName, SubjectId];
  if (!SCENARIOS.some((s) => s.name === scenario) || SUBJECTS[subject]?.instance !== 'gateway') throw new Error(`unknown cell ${cell}`);
  return { scenario: SCENARIOS.find((s) => s.name === scenario)!, subject };
});
const parsed = parseSettings(argv.length > 0 ? argv : ['--latency', '0,25', '--seconds', '5']);
const settings = { ...parsed, warmupSeconds: Math.min(parsed.warmupSeconds, 1), ...(rateText && { rate: Number(rateText) }) };

/** A checkout of `ref` beside this one, sharing its node_modules; removed on exit. */
function checkout(ref: string): string {
  const dir = `${mkdtempSync(join(tmpdir(), 'bench-ab-'))}/`;
  execFileSync('git', ['worktree', 'add', '--detach', dir, ref], { cwd: ROOT, stdio: 'pipe' });
  process.on('exit', () => {
    execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
  });
  symlinkSync(`${ROOT}node_modules`, `${dir}node_modules`);
  return dir;
}
// Each side with its own `npm start` flags: a change of flags is a change like any other.
const side = (name: string, root: string | undefined, outName: string) => ({
  name,
  serversDir: root ? compileServers(root, outName) : compileServers(),
  flags: root ? startScriptFlags(root) : startScriptFlags(),
});
// An OTLP/HTTP endpoint that takes every export (an empty protobuf answer is a full success).
let exports = 0;
const sink = createServer((req, res) => {
  req.resume().on('end', () => {
    exports += 1;
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
sink.unref();
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
const sides = [
  { ...side(`A ${baseRef}`, checkout(baseRef), `ab-a-${process.pid}`), env: {} as Record<string, string> },
  side(`B ${headRef || 'this checkout'}${bEnvText || bFlagsText ? ` with ${[bFlagsText, bEnvText].filter(Boolean).join(' ')}` : ''}`, headRef ? checkout(headRef) : undefined, `ab-b-${process.pid}`),
].map((entry, i) => {
  const fill = (text: string) => text.replaceAll('{servers}', entry.serversDir).replaceAll('{sink}', sinkUrl);
  const envOf = (text: string) =>
    Object.fromEntries(text.split(',').filter(Boolean).map((pair) => fill(pair).split(/=(.*)/s).slice(0, 2) as [string, string]));
  if (i === 0) return { ...entry, env: envOf(aEnvText) };
  const env = Object.fromEntries(bEnvText.split(',').filter(Boolean).map((pair) => fill(pair).split(/=(.*)/s).slice(0, 2) as [string, string]));
  return { ...entry, flags: [...entry.flags, ...bFlagsText.split(' ').filter(Boolean).map(fill)], env };
});
// The Spree stand-in is this checkout's, whichever refs are compared; started only for its cells
// (a base from before Spree tokens refuses them: it is primed with JWTs alone then).
const withSpree = cells.some(({ scenario }) => scenario.name === 'spree-token');
const spree = withSpree
  ? await startSpree(headRef ? compileServers(undefined, `ab-spree-${process.pid}`) : sides[1]!.serversDir, settings.knownUsers)
  : undefined;
const tokens = {
  known: await knownUserTokens(settings.knownUsers),
  fresh: freshUserTokens(),
  spree: spree?.tokens ?? [],
  stored: storedUserTokens(LARGE_STORE_CUSTOMERS, calledStoredUserId(settings.largeStoreUsers)),
};

type Figures = { cpu: number[]; rps: number[]; p50: number[]; rss: number[]; load: number[] };
const figures = new Map<string, Figures>();
const sessions = cells.some(({ scenario }) => scenario.name === 'customer-session');
const settingsOf = (side: (typeof sides)[number], label: string) => ({
  ...settings,
  serversDir: side.serversDir,
  gatewayNodeFlags: profileDir
    ? [...side.flags, '--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${side.name[0]}-${label}.cpuprofile`]
    : side.flags,
  gatewayEnv: { ...spree?.gatewayEnv, ...side.env },
});
const record = async (round: number, side: (typeof sides)[number], latencyMs: number, pair: Pair, sideSettings: BenchSettings) => {
  for (const { scenario, subject } of cells) await recordCell(round, side, latencyMs, pair, sideSettings, scenario, subject);
};
const recordCell = async (
  round: number,
  side: (typeof sides)[number],
  latencyMs: number,
  pair: Pair,
  sideSettings: BenchSettings,
  scenario: (typeof cells)[number]['scenario'],
  subject: SubjectId,
) => {
  const cell = await measureCell(latencyMs, scenario, subject, pair, tokens, sideSettings);
  const key = `${latencyMs} ms ${scenario.name} ${subject}|${side.name}`;
  const entry = figures.get(key) ?? { cpu: [], rps: [], p50: [], rss: [], load: [] };
  entry.cpu.push(cell.serverCpuMsPerRequest);
  entry.rps.push(cell.requestsPerSecond);
  entry.p50.push(cell.p50Ms);
  entry.rss.push(cell.peakRssMb);
  // The machine's one-minute load average as the cell ended: a busy machine is part of the figure.
  const load = loadavg()[0]!;
  entry.load.push(load);
  figures.set(key, entry);
  console.error(
    `round ${round + 1} ${key}: ${cell.serverCpuMsPerRequest.toFixed(3)} ms CPU/req, ${cell.requestsPerSecond.toFixed(0)} req/s, ` +
      `p50 ${cell.p50Ms.toFixed(2)} ms, peak RSS ${cell.peakRssMb.toFixed(0)} MB, ${cell.failures} failures, load ${load.toFixed(1)}`,
  );
};
if (mode === 'fresh') {
  // A fresh gateway and emulator per round, side and latency.
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      for (const latencyMs of settings.latenciesMs) {
        const sideSettings = settingsOf(side, `r${round + 1}-${latencyMs}ms`);
        const pair = await startPair('gateway', latencyMs, sideSettings);
        try {
          await prime('gateway', pair.server.url, tokens, sessions, withSpree);
          await record(round, side, latencyMs, pair, sideSettings);
        } finally {
          await stopPair(pair);
        }
      }
    }
  }
} else {
  // Paired: both sides' gateways (each with its own emulator) run at once, idle but for the side
  // being measured, and each cell is measured on one side right after the other, in alternating
  // order: the two figures of a pair see the same machine, whatever the other tenants do.
  for (const latencyMs of settings.latenciesMs) {
    const started = sides.map((side) => ({ side, sideSettings: settingsOf(side, `${latencyMs}ms`) }));
    const pairs: Pair[] = [];
    try {
      for (const { sideSettings } of started) pairs.push(await startPair('gateway', latencyMs, sideSettings));
      for (const pair of pairs) await prime('gateway', pair.server.url, tokens, sessions, withSpree);
      // JIT and heap settle before the first pair of figures: a fresh process's first seconds cost more per answer.
      for (const pair of pairs) {
        for (const { scenario, subject } of cells) {
          await runLoad({ url: pair.server.url, connections: settings.connections, requests: loadRequests(subject, scenario.name, tokens), seconds: warmSeconds, rate: settings.rate });
        }
      }
      for (let round = 0; round < rounds; round++) {
        for (const [i, { scenario, subject }] of cells.entries()) {
          const order = (round + i) % 2 === 0 ? [0, 1] : [1, 0];
          for (const at of order) await recordCell(round, started[at]!.side, latencyMs, pairs[at]!, started[at]!.sideSettings, scenario, subject);
        }
      }
    } finally {
      await Promise.all(pairs.map(stopPair));
    }
  }
}

await spree?.child.stop();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const change = (a: number, b: number) => `${b >= a ? '+' : '−'}${Math.abs(((b - a) / a) * 100).toFixed(0)} %`;
const loads = [...figures.values()].flatMap((entry) => entry.load);
console.log(
  `A = ${sides[0]!.name}, B = ${sides[1]!.name}; medians of ${rounds} rounds (${mode}), ${settings.measureSeconds} s per cell, ` +
    `${settings.connections} connections${settings.rate ? ` at ${settings.rate} req/s` : ''}; load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} ` +
    `(median ${median(loads).toFixed(1)})${exports > 0 ? `; ${exports} OTLP exports received` : ''}`,
);
const summary: Array<Record<string, unknown>> = [];
for (const latencyMs of settings.latenciesMs) {
  for (const { scenario, subject } of cells) {
    const cell = `${latencyMs} ms ${scenario.name} ${subject}`;
    const [a, b] = sides.map((side) => figures.get(`${cell}|${side.name}`)!);
    const [cpuA, cpuB, rpsA, rpsB, p50A, p50B] = [a!.cpu, b!.cpu, a!.rps, b!.rps, a!.p50, b!.p50].map(median) as number[];
    const [rssA, rssB] = [Math.max(...a!.rss), Math.max(...b!.rss)];
    // Each round's B ÷ A (in paired mode, two measurements taken back to back): less noisy than the ratio of the medians.
    const paired = median(b!.cpu.map((value, i) => value / a!.cpu[i]!));
    summary.push({
      latencyMs,
      scenario: scenario.name,
      subject,
      cpuMsPerAnswer: { a: cpuA, b: cpuB, bOverA: cpuB! / cpuA!, bOverAPerRound: paired },
      requestsPerSecond: { a: rpsA, b: rpsB },
      p50Ms: { a: p50A, b: p50B },
      peakRssMb: { a: rssA, b: rssB },
    });
    console.log(
      `${cell.padEnd(36)} CPU ms/req ${cpuA!.toFixed(3)} → ${cpuB!.toFixed(3)} (${change(cpuA!, cpuB!)}; B ÷ A per round, median ${paired.toFixed(2)}x), ` +
        `req/s ${rpsA!.toFixed(0)} → ${rpsB!.toFixed(0)} (${change(rpsA!, rpsB!)}), p50 ${p50A!.toFixed(2)} → ${p50B!.toFixed(2)} ms, peak RSS ${rssA.toFixed(0)} → ${rssB.toFixed(0)} MB`,
    );
  }
}
// GraphQL against REST on each side, per scenario and latency: the medians of each round's own ratio.
const ratios: Array<Record<string, unknown>> = [];
for (const latencyMs of settings.latenciesMs) {
  for (const { scenario } of cells.filter(({ subject }) => subject === 'gateway-graphql')) {
    if (!cells.some((cell) => cell.scenario === scenario && cell.subject === 'gateway-rest')) continue;
    const perSide = sides.map((side) => {
      const cpu = (subject: string) => figures.get(`${latencyMs} ms ${scenario.name} ${subject}|${side.name}`)!.cpu;
      const [rest, graphql] = [cpu('gateway-rest'), cpu('gateway-graphql')];
      return median(graphql.map((value, i) => value / rest[i]!));
    });
    ratios.push({ latencyMs, scenario: scenario.name, graphqlOverRest: { a: perSide[0], b: perSide[1] } });
    console.log(`${`${latencyMs} ms ${scenario.name}`.padEnd(36)} GraphQL ÷ REST CPU per answer (median of rounds): A ${perSide[0]!.toFixed(2)}x, B ${perSide[1]!.toFixed(2)}x`);
  }
}
const peaks = sides.map((side) => Math.max(...[...figures].filter(([key]) => key.endsWith(`|${side.name}`)).flatMap(([, entry]) => entry.rss)));
console.log(`peak RSS under load (highest of every window): A ${peaks[0]!.toFixed(0)} MB, B ${peaks[1]!.toFixed(0)} MB on Node ${process.versions.node}`);
if (out) {
  const rows = Object.fromEntries([...figures].map(([key, entry]) => [key, entry]));
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        command: `npx tsx bench/ab.ts ${process.argv.slice(2).join(' ')}`.trim(),
        node: process.versions.node,
        a: sides[0]!.name,
        b: sides[1]!.name,
        rounds,
        mode,
        rate: settings.rate ?? null,
        seconds: settings.measureSeconds,
        connections: settings.connections,
        finishedAt: new Date().toISOString(),
        cells: summary,
        graphqlOverRest: ratios,
        peakRssMb: { a: peaks[0], b: peaks[1] },
        perRound: rows,
      },
      null,
      2,
    )}\n`,
  );
}
