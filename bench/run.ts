import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { dirname } from 'node:path';
import { compileServers, startScriptFlags } from './build.js';
import { calledStoredUserId, LARGE_STORE_CUSTOMERS } from './large-store.js';
import { GUEST_RATE_LIMIT_PER_MINUTE, measureBlock, measureLeak } from './measure.js';
import { formatReport } from './report.js';
import type { BenchResults, CellResult, MachineInfo } from './results.js';
import { parseSettings } from './settings.js';
import { checksOf } from './targets.js';
import { SPREE_LATENCY_MS, startSpree } from './spree.js';
import { freshUserTokens, knownUserTokens, storedUserTokens } from './tokens.js';

/**
 * `npm run bench`: the gateway, the Spree-style sequential peer and the parallel limit, each in
 * its own process against a fresh emulator, driven in turn by the same load; see README
 * "Performance". Only ratios within one run mean anything on a shared machine.
 */
// Ctrl-C: exit normally, so the compiled servers' directory is removed (./build.ts); the
// servers themselves exit when their IPC channel closes.
process.on('SIGINT', () => process.exit(130));
const parsed = parseSettings(process.argv.slice(2));
const serversDir = compileServers();
const loadAverageBefore = loadavg()[0]!;
const spree = await startSpree(serversDir, parsed.knownUsers);
const settings = { ...parsed, serversDir, gatewayNodeFlags: startScriptFlags(), gatewayEnv: spree.gatewayEnv };
const tokens = {
  known: await knownUserTokens(settings.knownUsers),
  fresh: freshUserTokens(),
  spree: spree.tokens,
  stored: storedUserTokens(LARGE_STORE_CUSTOMERS, calledStoredUserId(settings.largeStoreUsers)),
};
const resultSettings = {
  connections: settings.connections,
  warmupSeconds: settings.warmupSeconds,
  measureSeconds: settings.measureSeconds,
  knownUsers: settings.knownUsers,
  largeStoreUsers: settings.largeStoreUsers,
  spreeLatencyMs: SPREE_LATENCY_MS,
  latenciesMs: settings.latenciesMs,
  guestRateLimitPerMinute: GUEST_RATE_LIMIT_PER_MINUTE,
  gatewayNodeFlags: settings.gatewayNodeFlags,
};

const cells: CellResult[] = [];
for (const latencyMs of settings.latenciesMs) {
  // Progress on stderr, one short line per cell; the tables are the final report's alone (stdout).
  console.error(`measuring at ${latencyMs} ms emulator latency…`);
  cells.push(
    ...(await measureBlock(latencyMs, tokens, settings, (cell) => {
      console.error(`  ${cell.scenario} · ${cell.subject}: ${cell.requestsPerSecond.toFixed(0)} req/s, ${cell.serverCpuMsPerRequest.toFixed(3)} ms CPU per answer`);
    })),
  );
}
console.error(`leak check: ${settings.leakRequests.join(' then ')} requests…`);
const leak = await measureLeak(tokens, settings);
await spree.child.stop();

const cpu = cpus();
const machine: MachineInfo = {
  cpuModel: cpu[0]?.model.trim() ?? 'unknown CPU',
  cpus: cpu.length,
  memoryGb: Math.round(totalmem() / 1024 ** 3),
  os: `${type()} ${release()}`,
  node: process.versions.node,
  loadAverageBefore,
  loadAverageAfter: loadavg()[0]!,
};
const results: BenchResults = {
  generatedAt: new Date().toISOString(),
  quick: settings.quick,
  machine,
  settings: resultSettings,
  cells,
  leak,
  checks: checksOf(cells, leak),
};
mkdirSync(dirname(settings.out), { recursive: true });
writeFileSync(settings.out, `${JSON.stringify(results, null, 2)}\n`);
console.log(formatReport(results));
console.log(`\nwrote ${settings.out}`);
