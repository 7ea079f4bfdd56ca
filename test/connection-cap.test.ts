import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { metricValue } from './support/log-lines.js';
import { useWorld } from './support/gateway.js';

const CAP = 20;
/** Far below HTTP_HEADERS_TIMEOUT_MS (10 s): a socket closed by then was refused, not timed out. */
const AT_ONCE_MS = 2_000;

interface Tracked {
  socket: Socket;
  closedAt: number | undefined;
}

async function openIdle(url: string, count: number): Promise<Tracked[]> {
  const { hostname, port } = new URL(url);
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Tracked>((resolve, reject) => {
          const socket = connect(Number(port), hostname);
          const tracked: Tracked = { socket, closedAt: undefined };
          socket.on('close', () => (tracked.closedAt = performance.now()));
          socket.on('error', () => {}); // a refused socket may be reset
          socket.once('connect', () => resolve(tracked));
          socket.once('error', reject);
        }),
    ),
  );
}

/** The gateway sees the closes a moment later (longer on a loaded machine): /health within 5 s. */
async function healthOnceAnswered(url: string): Promise<number> {
  const until = performance.now() + 5_000;
  for (;;) {
    try {
      return (await fetch(`${url}/health`)).status;
    } catch (error) {
      if (performance.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('MAX_CONNECTIONS', () => {
  const world = useWorld({ MAX_CONNECTIONS: String(CAP) });

  it('holds at most MAX_CONNECTIONS idle sockets, closes the rest at once, and serves again once some close', async () => {
    const openedAt = performance.now();
    const sockets = await openIdle(world().gateway.url, 2 * CAP);
    try {
      await new Promise((resolve) => setTimeout(resolve, AT_ONCE_MS));
      const closed = sockets.filter((tracked) => tracked.closedAt !== undefined);
      const held = sockets.filter((tracked) => tracked.closedAt === undefined);
      expect({ held: held.length, closed: closed.length }).toEqual({ held: CAP, closed: CAP });
      for (const tracked of closed) expect(tracked.closedAt! - openedAt).toBeLessThan(AT_ONCE_MS);

      for (const tracked of held.slice(0, 5)) tracked.socket.destroy();
      expect(await healthOnceAnswered(world().gateway.url)).toBe(200);
      expect(await metricValue(world().gateway.url, 'gateway_http_connections_refused_total')).toBeGreaterThanOrEqual(CAP);
    } finally {
      // The gateway's close waits for open connections.
      for (const tracked of sockets) tracked.socket.destroy();
    }
  });
});
