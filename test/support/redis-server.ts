import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';

/**
 * A `redis-server` of the test's own on a free port, for outages the shared Redis must never
 * suffer (SIGSTOP, kill). Nothing is saved to disk.
 */
export interface OwnRedis {
  url: string;
  port: number;
  /** SIGSTOP: the socket stays open and accepts commands, nothing answers. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /** SIGCONT then SIGKILL; safe to call twice and after a failed start. */
  kill(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startOwnRedis(port?: number): Promise<OwnRedis> {
  const chosen = port ?? (await freePort());
  const child = spawn(
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const redis: OwnRedis = {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    freeze: () => signal(child, 'SIGSTOP'),
    thaw: () => signal(child, 'SIGCONT'),
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signal(child, 'SIGCONT');
      signal(child, 'SIGKILL');
      await exited;
    },
  };
  try {
    await untilAnswering(chosen, 5_000);
  } catch (error) {
    await redis.kill();
    throw error;
  }
  return redis;
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.exitCode === null && child.signalCode === null) child.kill(name);
}

/** Polls with a raw PING until the server answers PONG. */
async function untilAnswering(port: number, timeoutMs: number): Promise<void> {
  const giveUp = Date.now() + timeoutMs;
  while (Date.now() < giveUp) {
    if (await pings(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
}

function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}
