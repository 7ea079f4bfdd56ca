import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../bench/results.js';
import { INSTANCES, SCENARIOS, SUBJECTS } from '../bench/scenarios.js';
import { DEFAULT_OUT, parseSettings, QUICK_OUT } from '../bench/settings.js';
import { exitOf, runTs } from './support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-quick-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The smoke run only proves the benchmark still works end to end; its numbers mean nothing.
describe('npm run bench -- --quick', () => {
  it('never writes over the committed bench/results.json unless --out says so', () => {
    expect(parseSettings(['--quick']).out).toBe(QUICK_OUT);
    expect(QUICK_OUT).not.toBe(DEFAULT_OUT);
    expect(QUICK_OUT.startsWith(tmpdir())).toBe(true);
    expect(parseSettings([]).out).toBe(DEFAULT_OUT);
    expect(parseSettings(['--quick', '--out', '/tmp/x.json']).out).toBe('/tmp/x.json');
  });

  // Each cell runs until 200 answers (30 s at most), so a loaded machine slows the run but still measures every cell.
  it('measures every cell, prints the table and the ratios, and writes the results', { timeout: 600_000 }, async () => {
    const out = join(dir, 'results.json');
    const { TEST_DATABASE_URL } = process.env;
    const exit = await exitOf(runTs('bench/run.ts', ['--quick', '--out', out], TEST_DATABASE_URL ? { TEST_DATABASE_URL } : {}));
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stdout).toMatch(/scenario +server +p50 ms +p99 ms +req\/s +peak RSS MB/);
    expect(exit.stdout).toContain('Ratios within this run (gateway ÷ baseline)');
    expect(exit.stdout).toMatch(/Leak check .* RSS [\d.]+ MB \(heap [\d.]+ MB\) after 500 requests/);
    // Each latency's table once, on stdout; stderr has progress lines only.
    const headers = /scenario +server +p50 ms/g;
    expect(`${exit.stdout}${exit.stderr}`.match(headers)).toHaveLength(2);

    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    // The PostgreSQL store cells need a server (CI's TEST_DATABASE_URL).
    const measured = (subject: keyof typeof SUBJECTS) =>
      TEST_DATABASE_URL !== undefined || INSTANCES[SUBJECTS[subject].instance].database !== 'postgres';
    const expected = [25, 0].flatMap((latencyMs) =>
      SCENARIOS.flatMap((scenario) => scenario.subjects.filter(measured).map((subject) => `${latencyMs} ${scenario.name} ${subject}`)),
    );
    expect(results.cells.map((cell) => `${cell.latencyMs} ${cell.scenario} ${cell.subject}`)).toEqual(expected);
    for (const cell of results.cells) {
      const where = `${cell.latencyMs} ms ${cell.scenario} ${cell.subject}`;
      for (const value of [cell.requests, cell.requestsPerSecond, cell.p50Ms, cell.p99Ms, cell.peakRssMb, cell.serverCpuMsPerRequest]) {
        expect(value, where).toBeGreaterThan(0);
      }
      expect(cell.requests, where).toBeGreaterThanOrEqual(200);
      // Two Stripe calls per answer for a known user (by JWT, by Spree token, in a large store), three for a new one or a guest.
      expect(cell.stripeCallsPerRequest, where).toBeCloseTo(['new-user', 'guest'].includes(cell.scenario) ? 3 : 2, 0);
      expect(cell.failures + cell.stripeCallsFailed, where).toBe(0);
      if (INSTANCES[SUBJECTS[cell.subject].instance].seeded) expect(cell.largeStore?.users, where).toBe(20_000);
    }
    expect(results.leak.readings.map((reading) => reading.requests)).toEqual([500, 2_500]);
    expect(results.leak.readings.every((reading) => reading.rssMb > 0)).toBe(true);
    expect(results.checks.filter((check) => check.target).length).toBeGreaterThan(0);
  });
});
