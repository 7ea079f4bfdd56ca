import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, CommandMessage, ProcessStats } from './protocol.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface BenchChild {
  readonly name: string;
  readonly url: string;
  call<T>(command: string): Promise<T>;
  stats(): Promise<ProcessStats>;
  /** Closes the server and waits for the process to exit (and write its CPU profile, if any). */
  stop(): Promise<void>;
}

/**
 * Starts the compiled `bench/servers/<name>.ts` (see ./build.ts) in a process of its own, with
 * only the given environment, and resolves once it listens.
 */
export async function startChild(
  serversDir: string,
  name: string,
  env: Record<string, string>,
  nodeFlags: string[] = [],
): Promise<BenchChild> {
  const child = fork(`${serversDir}${name}.js`, [], {
    cwd: ROOT,
    execArgv: nodeFlags,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.on('message', (message: ChildMessage) => {
      if (message.kind === 'ready') {
        clearTimeout(timer);
        resolve(message.url);
        return;
      }
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(`${name}: ${message.error}`));
      else waiter?.resolve(message.result);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const error = new Error(`${name} exited (${signal ?? code})`);
      reject(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
  });

  const call = <T>(command: string) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      send(child, { id, command });
    });
  return {
    name,
    url,
    call,
    stats: () => call<ProcessStats>('stats'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) await call('stop').catch(() => undefined);
      await exited;
    },
  };
}

function send(child: ChildProcess, message: CommandMessage): void {
  child.send(message);
}
