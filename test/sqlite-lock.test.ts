import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION, tokenFor } from './support/clients.js';
import { startStripeEmulator } from '../src/emulator/index.js';
import { useWorld } from './support/gateway.js';
import { runGatewayProcess, runTs, stopChild, waitForLog } from './support/process.js';

const DATABASE_TIMEOUT_MS = 1_500;
const STORE_UNAVAILABLE = 'The gateway’s database cannot answer right now; try again shortly.';

/** Another process holding the file's write lock (`BEGIN IMMEDIATE`) until `release()`. */
async function holdWriteLock(path: string) {
  const child = runTs('test/store/hold-sqlite-lock-child.ts', [path], {});
  const lines = createInterface({ input: child.stdout });
  const next = async () => String((await once(lines, 'line'))[0]);
  expect(await next()).toBe('locked');
  return {
    release: async () => {
      child.stdin.end('release\n');
      expect(await next()).toBe('released');
    },
    kill: () => child.kill('SIGKILL'),
  };
}

/** Times `/health` over and over until `done` settles. */
async function healthLatenciesUntil(url: string, done: Promise<unknown>): Promise<number[]> {
  let settled = false;
  void done.finally(() => (settled = true));
  const latencies: number[] = [];
  while (!settled) {
    const started = performance.now();
    const response = await fetch(`${url}/health`);
    await response.arrayBuffer();
    latencies.push(performance.now() - started);
    expect(response.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return latencies;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('a gateway process whose SQLite file another process has locked', () => {
  it('keeps /health answering at once while a signed-in call waits, then answers that call 503', async () => {
    const emulator = await startStripeEmulator();
    const dir = mkdtempSync(join(tmpdir(), 'gateway-locked-'));
    const databasePath = join(dir, 'gateway.sqlite');
    // The gateway runs in a process of its own: a frozen event loop there must not freeze the
    // clock that measures it.
    const gateway = runGatewayProcess(emulator.url, dir, { DATABASE_TIMEOUT_MS: String(DATABASE_TIMEOUT_MS) });
    let lock: Awaited<ReturnType<typeof holdWriteLock>> | undefined;
    try {
      const logs: Record<string, unknown>[] = [];
      const listening = await waitForLog(gateway, (line) => String(line.msg).startsWith('listening'), logs);
      const url = String(listening.url);
      await healthLatenciesUntil(url, Promise.resolve()); // a first request warms the new process up
      lock = await holdWriteLock(databasePath);
      const started = Date.now();
      const call = callRest(url, { token: await tokenFor({ sub: 'locked-out' }) });
      const latencies = await healthLatenciesUntil(url, call);
      const answer = await call;
      const elapsed = Date.now() - started;
      console.info(
        `/health while locked: ${latencies.length} answers, median ${median(latencies).toFixed(1)} ms, ` +
          `max ${Math.max(...latencies).toFixed(1)} ms; the call answered ${answer.status} after ${elapsed} ms`,
      );

      expect(median(latencies)).toBeLessThan(100);
      expect(Math.max(...latencies)).toBeLessThan(1_000);
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.body).toEqual({ error: STORE_UNAVAILABLE });
      expect(elapsed).toBeGreaterThanOrEqual(DATABASE_TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(DATABASE_TIMEOUT_MS + 5_000);
      // The outage is logged once, with what SQLite said, for the operator.
      await expect.poll(() => logs.filter((line) => String(line.msg).startsWith('the database cannot answer'))).toHaveLength(1);
      expect(JSON.stringify(logs.find((line) => String(line.msg).startsWith('the database cannot answer')))).toMatch(/SQLITE_BUSY/);
    } finally {
      lock?.kill();
      await stopChild(gateway);
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a SQLite file whose write lock another process holds', () => {
  const world = useWorld({ DATABASE_TIMEOUT_MS: String(DATABASE_TIMEOUT_MS) });

  it('answers GraphQL with HTTP 503 and STORE_UNAVAILABLE, masking what SQLite said', async () => {
    const lock = await holdWriteLock(world().databasePath);
    try {
      const answer = await callGraphQL(world().gateway.url, SETUP_INTENT_MUTATION, { token: await tokenFor({ sub: 'locked-out' }) });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.body.errors).toHaveLength(1);
      expect(answer.body.errors[0]).toMatchObject({ message: STORE_UNAVAILABLE, extensions: { code: 'STORE_UNAVAILABLE' } });
      expect(JSON.stringify(answer.body)).not.toMatch(/SQLITE|busy|locked/i);
      const during = await (await fetch(`${world().gateway.url}/metrics`)).text();
      expect(during).toMatch(/^gateway_store_up 0$/m);
      expect(during).toMatch(/^gateway_store_unavailable_total 1$/m);

      await lock.release();
      const after = await callRest(world().gateway.url, { token: await tokenFor({ sub: 'locked-out' }) });
      expect(after.status).toBe(200);
      expect(await (await fetch(`${world().gateway.url}/metrics`)).text()).toMatch(/^gateway_store_up 1$/m);
    } finally {
      lock.kill();
    }
  });

  it('serves a user whose customer is stored already: reading needs no lock', async () => {
    const token = await tokenFor({ sub: 'known' });
    const first = await callRest(world().gateway.url, { token });
    const lock = await holdWriteLock(world().databasePath);
    try {
      const again = await callRest(world().gateway.url, { token });
      expect(again.status).toBe(200);
      expect(again.body.customer_id).toBe(first.body.customer_id);
    } finally {
      lock.kill();
    }
  });

  it('finishes calls waiting on a lock released within DATABASE_TIMEOUT_MS, with one customer for concurrent first calls', async () => {
    const lock = await holdWriteLock(world().databasePath);
    const token = await tokenFor({ sub: 'waits' });
    const calls = Promise.all(Array.from({ length: 5 }, () => callRest(world().gateway.url, { token })));
    await new Promise((resolve) => setTimeout(resolve, 400));
    await lock.release();
    const answers = await calls;
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(answers.map((answer) => answer.body.customer_id)).size).toBe(1);

    const db = new Database(world().databasePath, { readonly: true });
    try {
      const rows = db.prepare('SELECT customer_id FROM customer_mappings WHERE user_id = ?').all('waits');
      expect(rows).toEqual([{ customer_id: answers[0]!.body.customer_id }]);
    } finally {
      db.close();
    }
  });
});
