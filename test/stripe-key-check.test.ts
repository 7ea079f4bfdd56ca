import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { DEFAULT_EMULATOR_SECRET_KEY, startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { listen } from '../src/http/listen.js';
import { callRest, tokenFor } from './support/clients.js';
import { TEST_JWT_SECRET } from './support/gateway.js';
import { capturedLogger, metricValue } from './support/log-lines.js';

/** Short, so the test sees several checks; the gateway's own is 60 s. */
const INTERVAL_MS = 200;
/** What a loaded 2-core machine may take to notice. */
const NOTICE_MS = 10_000;
const REFUSED_KEY = 'sk_test_notYetKnownToStripe9876';

/** Polls until `check` holds, or fails with what it last saw. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const until = Date.now() + NOTICE_MS;
  let value = await read();
  while (!check(value) && Date.now() < until) {
    await sleep(50);
    value = await read();
  }
  return value;
}

describe('the Stripe key, checked at start-up and until it works', () => {
  let emulator: StripeEmulator;
  let dir: string;
  let closers: Array<() => Promise<void>>;
  beforeEach(async () => {
    emulator = await startStripeEmulator();
    dir = mkdtempSync(join(tmpdir(), 'gateway-key-check-'));
    closers = [];
  });
  afterEach(async () => {
    for (const close of closers.reverse()) await close();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function gateway(secretKey: string, apiBase = emulator.url) {
    const { logger, lines } = capturedLogger();
    const config = loadConfig({
      STRIPE_SECRET_KEY: secretKey,
      STRIPE_API_BASE: apiBase,
      STRIPE_TIMEOUT_MS: '2000',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`,
    });
    const app = await buildApp(config, logger, { stripeKeyCheckIntervalMs: INTERVAL_MS });
    const server = await listen(app.handler, 0, '127.0.0.1', config.http);
    closers.push(async () => {
      await server.close();
      await app.close();
    });
    const ready = async () => (await fetch(`${server.url}/ready`)).status;
    return { url: server.url, lines, ready };
  }

  it('a key Stripe refuses: one error naming STRIPE_SECRET_KEY (never the key), counted, /ready 503 until Stripe accepts it', async () => {
    const { url, lines, ready } = await gateway(REFUSED_KEY);
    expect(await eventually(ready, (status) => status === 503)).toBe(503);
    const body = await (await fetch(`${url}/ready`)).json();
    expect(body).toEqual({ status: 'unavailable', error: 'Stripe refuses STRIPE_SECRET_KEY.' });
    const errors = lines.filter((line) => line.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toMatch(/^Stripe refuses STRIPE_SECRET_KEY \(HTTP 401\)/);
    expect(await metricValue(url, 'gateway_stripe_key_refused{store="default"}')).toBe(1);
    // Checked again every interval, each refusal counted, logged once.
    const refusals = await eventually(
      async () => (await metricValue(url, 'gateway_stripe_key_checks_total{outcome="refused",store="default"}')) ?? 0,
      (count) => count >= 3,
    );
    expect(refusals).toBeGreaterThanOrEqual(3);
    expect(lines.filter((line) => line.level === 50)).toHaveLength(1);
    // The health of the process is not the key's.
    expect((await fetch(`${url}/health`)).status).toBe(200);

    emulator.acceptSecretKey(REFUSED_KEY);
    expect(await eventually(ready, (status) => status === 200)).toBe(200);
    expect(await metricValue(url, 'gateway_stripe_key_refused{store="default"}')).toBe(0);
    expect(lines.some((line) => line.level === 30 && /^Stripe accepts STRIPE_SECRET_KEY/.test(String(line.msg)))).toBe(true);
    // Once it works the checks stop.
    const checks = await metricValue(url, 'gateway_stripe_key_checks_total{outcome="ok",store="default"}');
    expect(checks).toBe(1);
    await sleep(INTERVAL_MS * 5);
    expect(await metricValue(url, 'gateway_stripe_key_checks_total{outcome="ok",store="default"}')).toBe(1);
    // And calls work.
    expect((await callRest(url, { token: await tokenFor({ sub: 'u1' }) })).status).toBe(200);

    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(REFUSED_KEY);
    expect(logged).not.toContain('9876');
  });

  it('a key Stripe accepts: /ready 200, checked once, nothing above info', async () => {
    const { url, lines, ready } = await gateway(DEFAULT_EMULATOR_SECRET_KEY);
    const ok = await eventually(
      async () => (await metricValue(url, 'gateway_stripe_key_checks_total{outcome="ok",store="default"}')) ?? 0,
      (count) => count === 1,
    );
    expect(ok).toBe(1);
    expect(await ready()).toBe(200);
    await sleep(INTERVAL_MS * 3);
    expect(await metricValue(url, 'gateway_stripe_key_checks_total{outcome="ok",store="default"}')).toBe(1);
    expect(await metricValue(url, 'gateway_stripe_key_refused{store="default"}')).toBe(0);
    expect(lines.filter((line) => (line.level as number) > 30)).toEqual([]);
  });

  it('a key rolled while the gateway runs: the first 401 starts the checks again, /ready 503 until it works', async () => {
    const key = 'sk_test_rolledInTheDashboard4321';
    emulator.acceptSecretKey(key);
    const { url, lines, ready } = await gateway(key);
    expect(
      await eventually(async () => (await metricValue(url, 'gateway_stripe_key_checks_total{outcome="ok",store="default"}')) ?? 0, (count) => count === 1),
    ).toBe(1);
    expect(await ready()).toBe(200);

    emulator.refuseSecretKey(key);
    const refusedCall = await callRest(url, { token: await tokenFor({ sub: 'u1' }) });
    expect(refusedCall.status).toBe(422);
    expect(await eventually(ready, (status) => status === 503)).toBe(503);
    expect(lines.filter((line) => line.level === 50).map((line) => line.msg)).toContainEqual(
      expect.stringMatching(/^Stripe refuses STRIPE_SECRET_KEY \(HTTP 401\)/),
    );

    emulator.acceptSecretKey(key);
    expect(await eventually(ready, (status) => status === 200), JSON.stringify(lines.filter((line) => line.msg !== 'request finished'))).toBe(200);
    expect((await callRest(url, { token: await tokenFor({ sub: 'u1' }) })).status).toBe(200);
    expect(JSON.stringify(lines)).not.toContain(key);
  });

  it('Stripe unreachable is not a refused key: /ready stays 200, a warning, checked again until it answers', async () => {
    const gone = await startStripeEmulator();
    await gone.close();
    const { url, lines, ready } = await gateway(DEFAULT_EMULATOR_SECRET_KEY, gone.url);
    const warning = await eventually(
      async () => lines.find((line) => line.level === 40 && /STRIPE_SECRET_KEY/.test(String(line.msg))),
      (line) => line !== undefined,
    );
    expect(warning?.msg).toMatch(/^Stripe could not be reached to check STRIPE_SECRET_KEY/);
    expect(await ready()).toBe(200);
    expect(await metricValue(url, 'gateway_stripe_key_refused{store="default"}')).toBe(0);
    expect(lines.filter((line) => line.level === 50)).toEqual([]);
    const unreachable = await eventually(
      async () => (await metricValue(url, 'gateway_stripe_key_checks_total{outcome="unreachable",store="default"}')) ?? 0,
      (count) => count >= 2,
    );
    expect(unreachable).toBeGreaterThanOrEqual(2);
  });
});
