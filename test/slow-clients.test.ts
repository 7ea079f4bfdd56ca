import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startStripeEmulator } from '../src/emulator/index.js';
import { callRest, SETUP_INTENTS } from './support/clients.js';
import { callsToStripe, useWorld } from './support/gateway.js';
import { exitOf, runGatewayProcess, stopChild, waitForLog } from './support/process.js';

const HEADERS_TIMEOUT_MS = 1_500;
const REQUEST_TIMEOUT_MS = 3_000;
/** Node checks expiry once a second; the rest is room for a busy machine. */
const SLACK_MS = 4_000;

interface Trickle {
  socket: Socket;
  /** Resolves when the server closes the connection: what it answered and when. */
  closed: Promise<{ afterMs: number; answer: string }>;
  stop(): void;
}

/** A client that sends `head` at once, then one byte of `rest` every `everyMs`, never finishing. */
function trickle(url: string, head: string, rest: string, everyMs: number): Trickle {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const started = Date.now();
  let answer = '';
  let sent = 0;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (answer += chunk));
  socket.on('error', () => {});
  socket.write(head);
  const timer = setInterval(() => {
    if (socket.destroyed || sent >= rest.length) return;
    socket.write(rest[sent++]!);
  }, everyMs);
  const closed = new Promise<{ afterMs: number; answer: string }>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ afterMs: Date.now() - started, answer });
    }),
  );
  return { socket, closed, stop: () => (clearInterval(timer), socket.destroy()) };
}

/** The close, or `undefined` when the connection is still open after `ms`. */
function closedWithin(client: Trickle, ms: number) {
  return Promise.race([client.closed, new Promise<undefined>((resolve) => setTimeout(resolve, ms))]);
}

describe('slow clients', () => {
  const world = useWorld({
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  });

  it('cuts off headers that trickle in after HTTP_HEADERS_TIMEOUT_MS, with a 408', async () => {
    const client = trickle(
      world().gateway.url,
      `POST ${SETUP_INTENTS} HTTP/1.1\r\nHost: shop\r\n`,
      `X-Slow: ${'a'.repeat(200)}`,
      250,
    );
    try {
      const closed = await closedWithin(client, HEADERS_TIMEOUT_MS + SLACK_MS);
      expect(closed, 'the connection is still open').toBeDefined();
      expect(closed!.afterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
      expect(closed!.answer).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      client.stop();
    }
  });

  it('cuts off a body that trickles in after HTTP_REQUEST_TIMEOUT_MS', async () => {
    const client = trickle(
      world().gateway.url,
      `POST ${SETUP_INTENTS} HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"stripe_version":"`,
      '2'.repeat(900),
      250,
    );
    try {
      const closed = await closedWithin(client, REQUEST_TIMEOUT_MS + SLACK_MS);
      expect(closed, 'the connection is still open').toBeDefined();
      expect(closed!.afterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
      // No Stripe object was made for a request that never arrived.
      expect(callsToStripe(world().emulator)).toHaveLength(0);
    } finally {
      client.stop();
    }
  });

  it('refuses headers over HTTP_MAX_HEADER_BYTES with 431', async () => {
    const response = await fetch(`${world().gateway.url}/health`, { headers: { 'x-big': 'a'.repeat(20 * 1024) } });
    expect(response.status).toBe(431);
  });

  it('still serves a client that sends its request at a normal pace', async () => {
    const response = await fetch(`${world().gateway.url}/health`);
    expect(response.status).toBe(200);
  });

  it('never cuts off a call whose answer takes longer than HTTP_REQUEST_TIMEOUT_MS: the limit is on receiving', async () => {
    world().emulator.setLatency(REQUEST_TIMEOUT_MS / 2 + 100);
    const started = Date.now();
    const answer = await callRest(world().gateway.url, { body: { stripe_version: '2024-06-20' } });
    expect(Date.now() - started).toBeGreaterThan(REQUEST_TIMEOUT_MS);
    expect(answer.status).toBe(200);
    expect(answer.body.customer_id).toMatch(/^cus_/);
  });
});

describe('SIGTERM with a slow client connected', () => {
  it('exits 0 within SHUTDOWN_GRACE_MS although a body is still trickling in', async () => {
    const graceMs = 1_500;
    const emulator = await startStripeEmulator();
    const dir = mkdtempSync(join(tmpdir(), 'gateway-grace-'));
    const child = runGatewayProcess(emulator.url, dir, {
      SHUTDOWN_GRACE_MS: String(graceMs),
      // Long enough that only the grace can end the trickle within this test.
      HTTP_REQUEST_TIMEOUT_MS: '120000',
    });
    const logs: Record<string, unknown>[] = [];
    let client: Trickle | undefined;
    try {
      const exit = exitOf(child);
      const listening = await waitForLog(child, (line) => String(line.msg).startsWith('listening'), logs);
      client = trickle(
        String(listening.url),
        `POST ${SETUP_INTENTS} HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
        ' '.repeat(900),
        200,
      );
      // The request is in flight: its headers are in, its body is not.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(client.socket.destroyed).toBe(false);
      const signalled = Date.now();
      child.kill('SIGTERM');
      const exited = await Promise.race([exit, new Promise<undefined>((resolve) => setTimeout(resolve, graceMs + SLACK_MS))]);
      expect(exited, 'the gateway did not exit').toBeDefined();
      expect(exited!.code).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(graceMs + SLACK_MS);
      // It did wait for the request (three quarters of the grace; the rest is kept for closing the store).
      expect(Date.now() - signalled).toBeGreaterThanOrEqual(graceMs * 0.75 - 100);
      expect(logs.map((line) => line.msg)).toEqual(expect.arrayContaining(['draining in-flight requests', 'stopped']));
    } finally {
      client?.stop();
      await stopChild(child);
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
