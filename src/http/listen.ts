import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StartupError } from '../core/startup-error.js';

/** How long a client may take, and how much it may send before its request is read. */
export interface HttpServerLimits {
  /** From connecting (or the end of the previous request) to the last header line. */
  headersTimeoutMs: number;
  /** From connecting to the last byte of the body: a trickled body is cut off here. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** The request line and headers together; more is answered 431. */
  maxHeaderBytes: number;
  /** Open client connections; a connection beyond them is closed as soon as it is accepted. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
  maxConnections: 4096,
};

/** Headers read from a request: a browser sends ~20; Node drops any beyond this. */
const MAX_HEADERS_COUNT = 100;
/** Node checks expired headers and requests on this tick (its default, 30 s, would stretch every limit). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** While draining, keep-alive connections whose response just finished are closed on this tick. */
const DRAIN_TICK_MS = 100;

export interface RunningServer {
  server: Server;
  url: string;
  /**
   * Stops accepting, lets in-flight requests finish for at most `graceMs`, then destroys the
   * connections left (a slow client never holds a shutdown open) and resolves.
   */
  close(graceMs?: number): Promise<void>;
}

export interface ListenHooks {
  /** A connection closed at once because MAX_CONNECTIONS were open. */
  connectionRefused?: () => void;
}

export async function listen(
  handler: RequestListener,
  port: number,
  host: string,
  limits: HttpServerLimits = DEFAULT_HTTP_LIMITS,
  hooks: ListenHooks = {},
): Promise<RunningServer> {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, limits.headersTimeoutMs),
    },
    handler,
  );
  server.maxHeadersCount = MAX_HEADERS_COUNT;
  // Node closes a connection beyond this as soon as it is accepted (and emits 'drop'): idle
  // sockets cannot pile up until the process runs out of file descriptors or memory.
  server.maxConnections = limits.maxConnections;
  if (hooks.connectionRefused) server.on('drop', hooks.connectionRefused);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenFailure(error, host, port)));
    server.listen(port, host, () => resolve());
  });
  const { port: actualPort } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    server,
    url: `http://${urlHost}:${actualPort}`,
    close: (graceMs = Number.POSITIVE_INFINITY) => drain(server, graceMs),
  };
}

/**
 * What an operator can fix about where a server listens (a StartupError naming the variables
 * that set it), or the error as it came. Also for any other listener the gateway starts.
 */
export function listenFailure(
  error: NodeJS.ErrnoException,
  host: string,
  port: number,
  variables: { port: string; host: string } = { port: 'PORT', host: 'HOST' },
): Error {
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new StartupError(`${address} is already in use by another process; choose another ${variables.port} (or ${variables.host})`, {
        cause: error,
      });
    case 'EACCES':
      return new StartupError(`not allowed to listen on ${address}; ports below 1024 need privileges, choose another ${variables.port}`, {
        cause: error,
      });
    case 'EADDRNOTAVAIL':
      return new StartupError(`cannot listen on ${address}: ${variables.host} ${host} is not an address of this machine`, { cause: error });
    default:
      return error;
  }
}

function drain(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // Idle keep-alive sockets would otherwise hold close() open: closed now, and each busy one
    // as soon as its response is out.
    const idleSweep = setInterval(() => server.closeIdleConnections(), DRAIN_TICK_MS);
    const graceExpired = Number.isFinite(graceMs)
      ? setTimeout(() => server.closeAllConnections(), graceMs)
      : undefined;
    server.close((error) => {
      clearInterval(idleSweep);
      clearTimeout(graceExpired);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}
