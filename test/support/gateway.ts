import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import { buildApp, type GatewayApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { DEFAULT_EMULATOR_SECRET_KEY, startStripeEmulator, type StripeEmulator } from '../../src/emulator/index.js';
import { listen } from '../../src/http/listen.js';

export const TEST_JWT_SECRET = 'test-secret-for-the-gateway-suite-0123456789';
const KEY_CHECK_WAIT_MS = 3_000;

export interface TestGateway {
  url: string;
  app: GatewayApp;
  close(): Promise<void>;
}

/** The real app, built by the composition root from env-style config, on a real socket. */
export async function startGateway(
  emulator: StripeEmulator,
  databaseUrl: string,
  env: Record<string, string> = {},
  logger: Logger = pino({ level: 'silent' }),
  /** `::` (dual-stack: IPv4 clients appear as `::ffff:…`) or `::1` put the gateway on an IPv6 socket. */
  host = '127.0.0.1',
): Promise<TestGateway> {
  const config = loadConfig({
    STRIPE_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY,
    STRIPE_API_BASE: emulator.url,
    DATABASE_URL: databaseUrl,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    // The emulator has no rate limit of its own; the tests of the account's budget set theirs.
    STRIPE_MAX_REQUESTS_PER_SECOND: '100000',
    ...env,
  });
  const app = await buildApp(config, logger);
  // The start-up check of the key (GET /v1/account) is over before a test injects faults or
  // counts Stripe requests; a Stripe that does not answer is not waited for long.
  await Promise.race([app.stripeKeyChecked, sleep(KEY_CHECK_WAIT_MS)]);
  const server = await listen(app.handler, 0, host, config.http, { connectionRefused: () => app.services.metrics.connectionRefused() });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: host === '::1' ? `http://[::1]:${port}` : server.url,
    app,
    close: async () => {
      await server.close();
      await app.close();
    },
  };
}

/** A fresh emulator, a fresh SQLite directory and a gateway on them, torn down together. */
export async function startWorld(env: Record<string, string> = {}, logger?: Logger) {
  const emulator = await startStripeEmulator();
  const dir = mkdtempSync(join(tmpdir(), 'gateway-test-'));
  const databasePath = join(dir, 'gateway.sqlite');
  const gateway = await startGateway(emulator, `sqlite:${databasePath}`, env, logger);
  return {
    emulator,
    gateway,
    databasePath,
    close: async () => {
      await gateway.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type World = Awaited<ReturnType<typeof startWorld>>;

/** A fresh world for every test of the enclosing describe. */
export function useWorld(env: Record<string, string> = {}): () => World {
  let world: World | undefined;
  beforeEach(async () => {
    world = await startWorld(env);
  });
  afterEach(() => world?.close());
  return () => {
    if (!world) throw new Error('useWorld() is read inside a test');
    return world;
  };
}

/**
 * The Stripe requests that calls made: everything the emulator saw but the gateway's check of
 * its key (GET /v1/account, at start-up and until the key works; contract 6.19).
 */
export function callsToStripe(emulator: StripeEmulator): ReturnType<StripeEmulator['requests']> {
  return emulator.requests().filter((request) => !(request.method === 'GET' && request.path === '/v1/account'));
}
