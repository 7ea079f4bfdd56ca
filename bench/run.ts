import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { dirname } from 'node:path';
import { compileServers, startScriptFlags } from './build.js';
import { GUEST_RATE_LIMIT_PER_MINUTE, measureBlock, measureLeak } from './measure.js';
import { formatReport } from './report.js';
import type { BenchResults, CellResult, MachineInfo } from './results.js';
import { parseSettings } from './settings.js';
import { checksOf } from './targets.js';
import { freshUserTokens, knownUserTokens } from './tokens.js';

/**
 * `npm run bench`: the gateway, the Spree-style sequential peer and the parallel limit, each in
 * its own process against a fresh emulator, driven in turn by the same load; see README
 * "Performance". Only ratios within one run mean anything on a shared machine.
 */
// Ctrl-C: exit normally, so the compiled servers' directory is removed (./build.ts); the
// servers themselves exit when their IPC channel closes.
process.on('SIGINT', () => process.exit(130));
const settings = {
  ...parseSettings(process.argv.slice(2)),
  serversDir: compileServers(),
  gatewayNodeFlags: startScriptFlags(),
};
const loadAverageBefore = loadavg()[0]!;
const tokens = { known: await knownUserTokens(settings.knownUsers), fresh: freshUserTokens() };
const resultSettings = {
  connections: settings.connections,
  warmupSeconds: settings.warmupSeconds,
  measureSeconds: settings.measureSeconds,
  knownUsers: settings.knownUsers,
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
      console.error(`  ${cell.scenario} · ${cell.subject}: ${cell.requestsPerSecond.toFixed(0)} req/s`);
    })),
  );
}
console.error(`leak check: ${settings.leakRequests.join(' then ')} requests…`);
const leak = await measureLeak(tokens, settings);

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
