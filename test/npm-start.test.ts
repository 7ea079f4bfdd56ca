import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exitOf, waitForLog } from './support/process.js';

const ROOT = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gateway-npm-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `npm start` as an operator runs it (npm itself, its prestart build and all), in sandbox mode. */
function npmStart(name: string) {
  return spawn('npm', ['start'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      npm_config_update_notifier: 'false',
      PORT: '0',
      HOST: '127.0.0.1',
      SANDBOX_EMULATOR_PORT: '0',
      DATABASE_URL: `sqlite:${join(dir, `${name}.sqlite`)}`,
    },
  });
}

/** Linux lists a process's children in /proc. */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** The gateway's node process, however deep below npm it runs. */
function gatewayUnder(pid: number): number {
  for (const child of childrenOf(pid)) {
    if (/^node .*dist\/main\.js/.test(commandLineOf(child))) return child;
    const below = gatewayUnder(child);
    if (below) return below;
  }
  return 0;
}

function commandLineOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
}

/** A process that exited but whose parent has not reaped it yet (state Z) is gone too. */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('npm start and SIGTERM (what a supervisor or a container runtime sends)', () => {
  it.each([
    ['npm', (npm: number, _node: number) => npm],
    ['the node process', (_npm: number, node: number) => node],
  ])('SIGTERM to %s: the gateway drains, exits 0, and leaves no process behind', { timeout: 60_000 }, async (_target, pick) => {
    const child = npmStart(_target.replace(/\W/g, '-'));
    const closed = exitOf(child);
    // 'exit', not 'close': an orphaned gateway would hold npm's stdout open for ever.
    const exitCode = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const logs: Record<string, unknown>[] = [];
    let node = 0;
    try {
      const listening = await waitForLog(child, (line) => String(line.msg).startsWith('listening'), logs);
      // npm runs the script through sh; `exec` replaces sh with node, so no shell sits between
      // npm and node to swallow the signal (Debian's dash does not pass SIGTERM on).
      node = gatewayUnder(child.pid!);
      expect(node).toBeGreaterThan(0);
      expect((await fetch(`${listening.url}/health`)).status).toBe(200);

      process.kill(pick(child.pid!, node), 'SIGTERM');
      expect(await exitCode).toBe(0);
      await expect.poll(() => isRunning(node), { timeout: 10_000, message: 'the gateway outlived npm' }).toBe(false);
      await closed; // every line the gateway wrote has been read
      const messages = logs.map((line) => String(line.msg));
      expect(messages.some((message) => message.startsWith('draining'))).toBe(true);
      expect(messages).toContain('stopped');
      await expect(fetch(`${listening.url}/health`)).rejects.toThrow();
    } finally {
      child.kill('SIGKILL');
      // An orphaned gateway (the defect this test is about) must not outlive the test.
      if (node && isRunning(node)) process.kill(node, 'SIGKILL');
    }
  });
});
