import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { callRest } from './support/clients.js';
import { startGateway, type TestGateway } from './support/gateway.js';
import { capturedLogger, metricValue } from './support/log-lines.js';
import { exitOf, runGatewayProcess, stopChild, waitForLog } from './support/process.js';
import { freePort, startOwnRedis, type OwnRedis } from './support/redis-server.js';

/** Small, so a hang shows; a call that hit it would answer 422 "did not answer in time", not 200. */
const DEADLINE_MS = 2_000;
const FALLBACK_ACTIVE = 'gateway_rate_limit_fallback_active';
const FALLBACKS = 'gateway_rate_limit_fallbacks_total';
const isFallbackLine = (line: Record<string, unknown>) => /per-instance memory/.test(String(line.msg));
const isRecoveryLine = (line: Record<string, unknown>) => /shared through Redis again/.test(String(line.msg));

/** What the guest budgets hold in Redis: the sum of the counters under the gateway's prefix. */
async function spentInRedis(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    const keys = await client.keys(`${prefix}*`);
    const values = keys.length === 0 ? [] : await client.mget(keys);
    return values.reduce((sum, value) => sum + Number(value ?? 0), 0);
  } finally {
    client.disconnect();
  }
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

describe('a Redis that freezes and thaws, at start-up or later', () => {
  let redis: OwnRedis | undefined;
  let emulator: StripeEmulator;
  let dir: string;
  let gateway: TestGateway | undefined;

  beforeEach(async () => {
    redis = await startOwnRedis();
    emulator = await startStripeEmulator();
    dir = mkdtempSync(join(tmpdir(), 'gateway-redis-'));
  });
  afterEach(async () => {
    // SIGCONT before anything else: a failed assertion must never leave a stopped redis-server.
    await redis?.kill();
    await gateway?.close();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers guests from per-instance memory within the deadline, says so once, counts it, and recovers', async () => {
    const prefix = 'frozen-test';
    const { logger, lines } = capturedLogger();
    gateway = await startGateway(
      emulator,
      `sqlite:${join(dir, 'gateway.sqlite')}`,
      { REDIS_URL: redis!.url, REDIS_KEY_PREFIX: prefix, GUEST_RATE_LIMIT_PER_MINUTE: '3', REQUEST_DEADLINE_MS: String(DEADLINE_MS) },
      logger,
    );
    const url = gateway.url;
    expect((await callRest(url)).status).toBe(200);
    expect(await spentInRedis(redis!.url, prefix)).toBe(1);
    expect(await metricValue(url, FALLBACK_ACTIVE)).toBe(0);

    redis!.freeze();
    const first = await timed(callRest(url));
    expect(first.value.status).toBe(200);
    expect(first.ms).toBeLessThan(DEADLINE_MS);
    // The memory budget still limits: three calls per minute, counted afresh on this instance.
    for (let i = 0; i < 2; i += 1) {
      const next = await timed(callRest(url));
      expect(next.value.status).toBe(200);
      expect(next.ms).toBeLessThan(DEADLINE_MS);
    }
    expect((await callRest(url)).status).toBe(429);
    expect(lines.filter(isFallbackLine)).toHaveLength(1);
    expect(lines.find(isFallbackLine)).toMatchObject({ level: 40 });
    expect(await metricValue(url, FALLBACK_ACTIVE)).toBe(1);
    expect(await metricValue(url, FALLBACKS)).toBe(1);

    redis!.thaw();
    await expect.poll(() => metricValue(url, FALLBACK_ACTIVE), { timeout: 15_000, interval: 200 }).toBe(0);
    expect(lines.filter(isRecoveryLine)).toHaveLength(1);
    expect(lines.filter(isFallbackLine)).toHaveLength(1);
    expect(await metricValue(url, FALLBACKS)).toBe(1);
    // Shared again: the next call is counted in Redis.
    const before = await spentInRedis(redis!.url, prefix);
    expect((await callRest(url)).status).toBe(200);
    expect(await spentInRedis(redis!.url, prefix)).toBe(before + 1);
  });

  it('starts on memory within the connect wait, and shares once Redis thaws', async () => {
    const prefix = 'frozen-start-test';
    const { logger, lines } = capturedLogger();
    redis!.freeze(); // it accepts the connection; the ready check is never answered
    const starting = timed(
      startGateway(
        emulator,
        `sqlite:${join(dir, 'gateway.sqlite')}`,
        { REDIS_URL: redis!.url, REDIS_KEY_PREFIX: prefix, REQUEST_DEADLINE_MS: String(DEADLINE_MS) },
        logger,
      ),
    );
    const started = await starting;
    gateway = started.value;
    expect(started.ms).toBeLessThan(10_000);
    const call = await timed(callRest(gateway.url));
    expect(call.value.status).toBe(200);
    expect(call.ms).toBeLessThan(DEADLINE_MS);
    expect(lines.filter(isFallbackLine)).toHaveLength(1);
    expect(await metricValue(gateway.url, FALLBACK_ACTIVE)).toBe(1);

    redis!.thaw();
    await expect.poll(() => metricValue(gateway!.url, FALLBACK_ACTIVE), { timeout: 15_000, interval: 200 }).toBe(0);
    expect(lines.filter(isRecoveryLine)).toHaveLength(1);
    expect((await callRest(gateway.url)).status).toBe(200);
    expect(await spentInRedis(redis!.url, prefix)).toBe(1);
  });
});

describe('a Redis that is down from the start', () => {
  let redis: OwnRedis | undefined;
  let emulator: StripeEmulator;
  let dir: string;
  let gateway: TestGateway | undefined;

  beforeEach(async () => {
    emulator = await startStripeEmulator();
    dir = mkdtempSync(join(tmpdir(), 'gateway-redis-'));
  });
  afterEach(async () => {
    await redis?.kill();
    await gateway?.close();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves guests from memory, logs and counts it once, and shares the budget once Redis comes up', async () => {
    const port = await freePort(); // nothing listens there yet
    const prefix = 'down-test';
    const { logger, lines } = capturedLogger();
    gateway = await startGateway(
      emulator,
      `sqlite:${join(dir, 'gateway.sqlite')}`,
      {
        REDIS_URL: `redis://127.0.0.1:${port}`,
        REDIS_KEY_PREFIX: prefix,
        GUEST_RATE_LIMIT_PER_MINUTE: '5',
        REQUEST_DEADLINE_MS: String(DEADLINE_MS),
      },
      logger,
    );
    const url = gateway.url;
    for (let i = 0; i < 3; i += 1) {
      const call = await timed(callRest(url));
      expect(call.value.status).toBe(200);
      expect(call.ms).toBeLessThan(DEADLINE_MS);
    }
    expect(lines.filter(isFallbackLine)).toHaveLength(1);
    expect(await metricValue(url, FALLBACK_ACTIVE)).toBe(1);
    expect(await metricValue(url, FALLBACKS)).toBe(1);

    redis = await startOwnRedis(port);
    await expect.poll(() => metricValue(url, FALLBACK_ACTIVE), { timeout: 15_000, interval: 200 }).toBe(0);
    expect(lines.filter(isRecoveryLine)).toHaveLength(1);
    expect((await callRest(url)).status).toBe(200);
    expect(await spentInRedis(redis.url, prefix)).toBe(1);
    expect(lines.filter(isFallbackLine)).toHaveLength(1);
  });
});

describe('SIGTERM while Redis is frozen', () => {
  let redis: OwnRedis | undefined;
  afterEach(async () => {
    await redis?.kill();
  });

  it('answers the guest call in flight and exits 0', { timeout: 60_000 }, async () => {
    redis = await startOwnRedis();
    const emulator = await startStripeEmulator();
    const dir = mkdtempSync(join(tmpdir(), 'gateway-redis-term-'));
    const child = runGatewayProcess(emulator.url, dir, {
      REDIS_URL: redis.url,
      REQUEST_DEADLINE_MS: String(DEADLINE_MS),
    });
    const logs: Record<string, unknown>[] = [];
    try {
      const exit = exitOf(child);
      const listening = await waitForLog(child, (line) => String(line.msg).startsWith('listening'), logs);
      redis.freeze();
      const inFlight = callRest(String(listening.url));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const signalled = performance.now();
      child.kill('SIGTERM');
      expect((await inFlight).status).toBe(200);
      expect((await exit).code).toBe(0);
      expect(performance.now() - signalled).toBeLessThan(10_000);
      expect(logs.filter(isFallbackLine)).toHaveLength(1);
    } finally {
      await stopChild(child);
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
