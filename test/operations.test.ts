import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startStripeEmulator } from '../src/emulator/index.js';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION, tokenFor } from './support/clients.js';
import { callsToStripe, useWorld } from './support/gateway.js';
import { exitOf, runGatewayProcess, stopChild, waitForLog } from './support/process.js';

describe('operations endpoints', () => {
  const world = useWorld();

  it('keeps an incoming X-Request-Id and returns it', async () => {
    const answer = await callRest(world().gateway.url, { headers: { 'x-request-id': 'lb-7f3a-0001' } });
    expect(answer.headers.get('x-request-id')).toBe('lb-7f3a-0001');
    const generated = await callRest(world().gateway.url, { headers: { 'x-request-id': 'has spaces {and} "quotes"' } });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('/ready answers 503 once the store is unreachable, while /health stays 200', async () => {
    expect((await fetch(`${world().gateway.url}/ready`)).status).toBe(200);
    await world().gateway.app.services.store.close();
    const ready = await fetch(`${world().gateway.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable' });
    expect((await fetch(`${world().gateway.url}/health`)).status).toBe(200);
  });

  it('/metrics counts requests by surface and outcome, and Stripe calls by operation', async () => {
    const url = world().gateway.url;
    await callRest(url);
    await callGraphQL(url, SETUP_INTENT_MUTATION, { variables: { input: { stripeVersion: 'bad' } } });
    world().emulator.injectFault({ kind: 'error', status: 402, type: 'card_error', code: 'card_declined', times: 1, match: { path: '/v1/setup_intents' } });
    await callRest(url, { token: await tokenFor({ sub: 'metered' }) });
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/gateway_http_request_duration_seconds_count\{surface="rest",method="POST",status="200",store="default"\} 1/);
    expect(text).toMatch(/gateway_http_request_duration_seconds_count\{surface="rest",method="POST",status="422",store="default"\} 1/);
    expect(text).toMatch(/gateway_setup_intent_duration_seconds_count\{surface="rest",outcome="success",store="default"\} 1/);
    expect(text).toMatch(/gateway_setup_intent_duration_seconds_count\{surface="graphql",outcome="ValidationError",store="default"\} 1/);
    expect(text).toMatch(/gateway_setup_intent_duration_seconds_count\{surface="rest",outcome="PaymentProviderError",store="default"\} 1/);
    expect(text).toMatch(/gateway_stripe_request_duration_seconds_count\{operation="POST \/v1\/customers",status="200",store="default"\} 2/);
    expect(text).toMatch(/gateway_stripe_errors_total\{operation="POST \/v1\/setup_intents",status="402",store="default"\} 1/);
    expect(text).not.toMatch(/cus_|seti_|ek_test/);
  });
});

describe('SIGTERM', () => {
  it('stops accepting, finishes the request in flight, closes the store and exits 0', async () => {
    const emulator = await startStripeEmulator({ latencyMs: 600 });
    const dir = mkdtempSync(join(tmpdir(), 'gateway-drain-'));
    const child = runGatewayProcess(emulator.url, dir);
    const logs: Record<string, unknown>[] = [];
    try {
      const exit = exitOf(child);
      const listening = await waitForLog(child, (line) => String(line.msg).startsWith('listening'), logs);
      const url = String(listening.url);
      const inFlight = callRest(url, { token: await tokenFor({ sub: 'draining' }) });
      // The call's own requests: the gateway's check of its key reaches Stripe first.
      await expect.poll(() => callsToStripe(emulator).length, { timeout: 5_000 }).toBeGreaterThan(0);
      child.kill('SIGTERM');
      await expect.poll(() => logs.some((line) => line.msg === 'draining in-flight requests')).toBe(true);
      await expect(fetch(`${url}/health`)).rejects.toThrow();

      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(answer.body.customer_id).toMatch(/^cus_/);
      const { code } = await exit;
      expect(code).toBe(0);
      expect(logs.map((line) => line.msg)).toContain('stopped');
    } finally {
      await stopChild(child);
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
