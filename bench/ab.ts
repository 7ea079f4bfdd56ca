import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileServers, startScriptFlags } from './build.js';
import { measureCell, prime, startPair, stopPair } from './measure.js';
import { SCENARIOS, SUBJECTS, type ScenarioName, type SubjectId } from './scenarios.js';
import { parseSettings } from './settings.js';
import { calledStoredUserId, LARGE_STORE_CUSTOMERS } from './large-store.js';
import { startSpree } from './spree.js';
import { freshUserTokens, knownUserTokens, storedUserTokens } from './tokens.js';

/**
 * `npx tsx bench/ab.ts --base REF [--latency 0] [--cells known-user:gateway-rest,…] [--rounds 3]
 * [--seconds 4]`: the gateway at git REF (A) against this checkout (B), side by side in one run.
 * Each round starts a fresh gateway and emulator per side and measures every cell; the order of
 * the sides alternates between rounds, so a machine getting busier favours neither. Prints the
 * median per cell and side, and B's change: the figures a change's row in the README quotes.
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
const cells = option('--cells', 'known-user:gateway-rest,known-user:gateway-graphql').split(',').map((cell) => {
  const [scenario, subject] = cell.split(':') as [ScenarioName, SubjectId];
  if (!SCENARIOS.some((s) => s.name === scenario) || SUBJECTS[subject]?.instance !== 'gateway') throw new Error(`unknown cell ${cell}`);
  return { scenario: SCENARIOS.find((s) => s.name === scenario)!, subject };
});
const parsed = parseSettings(argv.length > 0 ? argv : ['--latency', '0', '--seconds', '4']);
const settings = { ...parsed, warmupSeconds: Math.min(parsed.warmupSeconds, 1) };

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
// The Spree stand-in is this checkout's, whichever refs are compared.
const spree = await startSpree(headRef ? compileServers(undefined, `ab-spree-${process.pid}`) : sides[1]!.serversDir, settings.knownUsers);
const tokens = {
  known: await knownUserTokens(settings.knownUsers),
  fresh: freshUserTokens(),
  spree: spree.tokens,
  stored: storedUserTokens(LARGE_STORE_CUSTOMERS, calledStoredUserId(settings.largeStoreUsers)),
};

type Figures = { cpu: number[]; rps: number[]; p50: number[]; rss: number[] };
const figures = new Map<string, Figures>();
for (let round = 0; round < rounds; round++) {
  for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
    for (const latencyMs of settings.latenciesMs) {
      const sideSettings = {
        ...settings,
        serversDir: side.serversDir,
        gatewayNodeFlags: side.flags,
        gatewayEnv: { ...spree.gatewayEnv, ...side.env },
      };
      const pair = await startPair('gateway', latencyMs, sideSettings);
      try {
        await prime('gateway', pair.server.url, tokens, cells.some(({ scenario }) => scenario.name === 'customer-session'));
        for (const { scenario, subject } of cells) {
          const cell = await measureCell(latencyMs, scenario, subject, pair, tokens, sideSettings);
          const key = `${latencyMs} ms ${scenario.name} ${subject}|${side.name}`;
          const entry = figures.get(key) ?? { cpu: [], rps: [], p50: [], rss: [] };
          entry.cpu.push(cell.serverCpuMsPerRequest);
          entry.rps.push(cell.requestsPerSecond);
          entry.p50.push(cell.p50Ms);
          entry.rss.push(cell.peakRssMb);
          figures.set(key, entry);
          console.error(`round ${round + 1} ${key}: ${cell.serverCpuMsPerRequest.toFixed(3)} ms CPU/req, ${cell.requestsPerSecond.toFixed(0)} req/s, p50 ${cell.p50Ms.toFixed(2)} ms, peak RSS ${cell.peakRssMb.toFixed(0)} MB, ${cell.failures} failures`);
        }
      } finally {
        await stopPair(pair);
      }
    }
  }
}

await spree.child.stop();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const change = (a: number, b: number) => `${b >= a ? '+' : '−'}${Math.abs(((b - a) / a) * 100).toFixed(0)} %`;
console.log(`A = ${sides[0]!.name}, B = ${sides[1]!.name}; medians of ${rounds} rounds${exports > 0 ? `; ${exports} OTLP exports received` : ''}`);
for (const latencyMs of settings.latenciesMs) {
  for (const { scenario, subject } of cells) {
    const cell = `${latencyMs} ms ${scenario.name} ${subject}`;
    const [a, b] = sides.map((side) => figures.get(`${cell}|${side.name}`)!);
    const [cpuA, cpuB, rpsA, rpsB, p50A, p50B] = [a!.cpu, b!.cpu, a!.rps, b!.rps, a!.p50, b!.p50].map(median) as number[];
    const [rssA, rssB] = [Math.max(...a!.rss), Math.max(...b!.rss)];
    console.log(
      `${cell.padEnd(36)} CPU ms/req ${cpuA!.toFixed(3)} → ${cpuB!.toFixed(3)} (${change(cpuA!, cpuB!)}), ` +
        `req/s ${rpsA!.toFixed(0)} → ${rpsB!.toFixed(0)} (${change(rpsA!, rpsB!)}), p50 ${p50A!.toFixed(2)} → ${p50B!.toFixed(2)} ms, peak RSS ${rssA.toFixed(0)} → ${rssB.toFixed(0)} MB`,
    );
  }
}
