import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DEFAULT_EMULATOR_SECRET_KEY } from '../../src/emulator/index.js';
import { TEST_JWT_SECRET } from './gateway.js';

const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * A child with only the variables given (plus PATH): nothing leaks in from the test's own env.
 * One process, tsx as a loader of the Node running the tests: the `tsx` command would put a
 * parent in front that relays signals only if the child confirms them within 30 ms, and on a
 * loaded machine it SIGKILLs a gateway that was draining.
 */
export function runTs(
  script: string,
  args: string[],
  env: Record<string, string>,
  nodeOptions: string[] = [],
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', ...nodeOptions, script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
}

/**
 * `src/main.ts` in a process of its own, as `npm start` runs it: on 127.0.0.1 (any port), talking
 * to `stripeApiBase`, with a SQLite file in `dir`; `env` adds or overrides variables.
 */
export function runGatewayProcess(
  stripeApiBase: string,
  dir: string,
  env: Record<string, string> = {},
): ChildProcessWithoutNullStreams {
  return runTs('src/main.ts', [], {
    PORT: '0',
    HOST: '127.0.0.1',
    STRIPE_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY,
    STRIPE_API_BASE: stripeApiBase,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`,
    ...env,
  });
}

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function exitOf(child: ChildProcessWithoutNullStreams): Promise<Exit> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Resolves with the first JSON log line the predicate accepts. */
export function waitForLog(
  child: ChildProcessWithoutNullStreams,
  predicate: (line: Record<string, unknown>) => boolean,
  lines: Record<string, unknown>[] = [],
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const reader = createInterface({ input: child.stdout });
    reader.on('line', (text) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text);
      } catch {
        return;
      }
      lines.push(line);
      if (predicate(line)) resolve(line);
    });
    child.on('close', (code) => reject(new Error(`exited with ${code} before the expected log line`)));
  });
}

/** Ends a child as a supervisor would: SIGTERM (a gateway drains), SIGKILL if it has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Generous: tsx compiles the gateway on a loaded 2-core machine. */
const START_TIMEOUT_MS = 45_000;

/** A script that should stop on its own (a refused start-up): killed if it is still running after `timeoutMs`. */
export function runToExit(script: string, args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<Exit> {
  const child = runTs(script, args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return exitOf(child).finally(() => clearTimeout(timer));
}

export interface RunningGateway {
  url: string;
  /** Every JSON log line up to and including `listening`. */
  logs: Record<string, unknown>[];
  /** The sandbox's one log line, when there is one. */
  sandboxLine: Record<string, unknown> | undefined;
  /** SIGTERM, then the exit (a gateway drains and exits 0). */
  stop(): Promise<Exit>;
}

/** `src/main.ts` with exactly `env` (plus PATH), once it listens. */
export async function startGatewayProcess(env: Record<string, string>): Promise<RunningGateway> {
  const child = runTs('src/main.ts', [], env);
  const exit = exitOf(child);
  const logs: Record<string, unknown>[] = [];
  // A gateway that never listens is ended, never left running after the test.
  const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
  try {
    const listening = await waitForLog(child, (line) => String(line.msg).startsWith('listening'), logs);
    clearTimeout(timer);
    return {
      url: String(listening.url),
      logs,
      sandboxLine: logs.find((line) => String(line.msg).startsWith('SANDBOX MODE')),
      stop: async () => {
        await stopChild(child);
        return exit;
      },
    };
  } catch (error) {
    const { stderr } = await exit;
    throw new Error(`the gateway did not start: ${stderr}`, { cause: error });
  }
}
