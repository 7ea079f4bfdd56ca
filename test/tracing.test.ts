import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_JWT_SECRET } from '../src/auth/dev-token.js';
import { loadConfig, parseTracingConfig } from '../src/config/config.js';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION, tokenFor } from './support/clients.js';
import { startOtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.js';
import { createTestDatabase, TEST_DATABASE_URL } from './support/postgres.js';
import { exitOf, runTs, stopChild, waitForLog } from './support/process.js';
import { TEST_REDIS_URL } from './support/redis.js';

const SERVER = 2; // OTLP SpanKind

/** The gateway as `npm start` runs it: the tracing preload first (`--import`), in sandbox mode. */
function startTracedGateway(dir: string, env: Record<string, string>) {
  return runTs(
    'src/main.ts',
    [],
    {
      PORT: '0',
      HOST: '127.0.0.1',
      SANDBOX_EMULATOR_PORT: '0',
      DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...env,
    },
    ['--import', './src/tracing/register.ts'],
  );
}

const traceparent = () => {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, header: `00-${traceId}-${parentId}-01` };
};

describe('OpenTelemetry tracing, exported as OTLP/HTTP JSON to a collector on 127.0.0.1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-tracing-'));
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let child: ReturnType<typeof startTracedGateway>;
  const logs: Record<string, unknown>[] = [];
  let url = '';

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    child = startTracedGateway(dir, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    url = String((await waitForLog(child, (line) => String(line.msg).startsWith('listening'), logs)).url);
  }, 60_000);
  afterAll(async () => {
    await stopChild(child);
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const spansOf = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);
  const named = (spans: ReceivedSpan[], name: string) => {
    const found = spans.find((span) => span.name === name);
    if (!found) throw new Error(`no span ${name} among ${spans.map((span) => span.name).join(', ')}`);
    return found;
  };
  /** The spans of one trace, once the three Stripe calls of a first call are in. */
  const traceOf = async (traceId: string) => {
    await expect
      .poll(() => spansOf(traceId).filter((span) => span.name.startsWith('stripe POST')).length, { timeout: 15_000 })
      .toBe(3);
    await expect.poll(() => spansOf(traceId).some((span) => span.kind === SERVER && span.parentSpanId !== '')).toBe(true);
    return spansOf(traceId);
  };

  const token = () => tokenFor({ sub: 'traced_user', email: 'traced@example.com' }, SANDBOX_JWT_SECRET);
  const secrets: string[] = [];

  it('traces a REST call: the caller’s traceparent is the parent; auth, store and each Stripe call beneath', async () => {
    const parent = traceparent();
    const bearer = await token();
    const answer = await callRest(url, { token: bearer, headers: { traceparent: parent.header } });
    expect(answer.status).toBe(200);
    secrets.push(bearer, answer.body.ephemeral_key_secret, answer.body.setup_intent_client_secret);

    const spans = await traceOf(parent.traceId);
    const server = spans.find((span) => span.kind === SERVER && span.parentSpanId === parent.parentId)!;
    expect(server).toBeDefined();
    expect(server.attributes['http.route'] ?? server.attributes['url.path']).toBe('/api/v2/storefront/stripe/setup_intents');
    expect(named(spans, 'auth').parentSpanId).toBe(server.spanId);
    expect(named(spans, 'auth').attributes).toMatchObject({ 'auth.viewer': 'user', 'auth.token_present': true });
    expect(named(spans, 'store findCustomer').parentSpanId).toBe(server.spanId);
    expect(named(spans, 'store claimCustomer').attributes['db.system.name']).toBe('sqlite');
    for (const call of ['stripe POST /v1/customers', 'stripe POST /v1/ephemeral_keys', 'stripe POST /v1/setup_intents']) {
      const stripe = named(spans, call);
      expect(stripe.parentSpanId, call).toBe(server.spanId);
      expect(stripe.attributes['http.response.status_code'], call).toBe(200);
      expect(stripe.attributes['stripe.request_id'], call).toMatch(/^req_/);
    }
    // The request's log line carries the trace id.
    await expect
      .poll(() => logs.find((line) => line.msg === 'request finished' && line.path === '/api/v2/storefront/stripe/setup_intents'))
      .toMatchObject({ traceId: parent.traceId });
  });

  it('traces a GraphQL call: the operation’s span under the request, the Stripe calls under the operation', async () => {
    const parent = traceparent();
    const bearer = await tokenFor({ sub: 'traced_graphql_user' }, SANDBOX_JWT_SECRET);
    const answer = await callGraphQL(url, SETUP_INTENT_MUTATION, { token: bearer, headers: { traceparent: parent.header } });
    const result = answer.body.data.createStripeSetupIntent;
    expect(result.__typename).toBe('StripeSetupIntent');
    secrets.push(bearer, result.ephemeralKeySecret, result.setupIntentClientSecret);

    const spans = await traceOf(parent.traceId);
    const server = spans.find((span) => span.kind === SERVER && span.parentSpanId === parent.parentId)!;
    expect(server).toBeDefined();
    const operation = named(spans, 'graphql mutation.Save');
    expect(operation.parentSpanId).toBe(server.spanId);
    expect(operation.attributes).toMatchObject({ 'graphql.execute.operationType': 'mutation', 'graphql.execute.operationName': 'Save' });
    expect(named(spans, 'auth').parentSpanId).toBe(server.spanId);
    expect(named(spans, 'store findCustomer').parentSpanId).toBe(operation.spanId);
    for (const call of ['stripe POST /v1/customers', 'stripe POST /v1/ephemeral_keys', 'stripe POST /v1/setup_intents']) {
      expect(named(spans, call).parentSpanId, call).toBe(operation.spanId);
    }
  });

  it('puts no secret in any attribute: no token, key, client secret, header or body', () => {
    expect(secrets).toHaveLength(6);
    expect(receiver.spans.length).toBeGreaterThan(20);
    const attributes = receiver.spans.flatMap((span) => Object.entries(span.attributes));
    for (const [key] of attributes) expect(key).not.toMatch(/header|body|secret|variables|result|document|authorization/);
    const forbidden = [...secrets, 'Bearer ', 'sk_test_', 'ek_test_', '_secret_', SANDBOX_JWT_SECRET];
    for (const [key, value] of attributes) {
      for (const secret of forbidden) expect(String(value), key).not.toContain(secret);
    }
  });
});

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('tracing with PostgreSQL and Redis', () => {
  it('puts the pg queries beneath the store spans, and the rate limiter’s Redis commands in the trace', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-tracing-pg-'));
    const database = await createTestDatabase();
    const receiver = await startOtlpReceiver();
    const child = startTracedGateway(dir, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: `test-tracing-${randomBytes(6).toString('hex')}`,
    });
    try {
      const url = String((await waitForLog(child, (line) => String(line.msg).startsWith('listening'))).url);
      const parent = traceparent();
      const bearer = await tokenFor({ sub: 'traced_pg_user' }, SANDBOX_JWT_SECRET);
      expect((await callRest(url, { token: bearer, headers: { traceparent: parent.header } })).status).toBe(200);
      const spansOf = () => receiver.spans.filter((span) => span.traceId === parent.traceId);
      await expect.poll(() => spansOf().some((span) => span.name === 'stripe POST /v1/setup_intents'), { timeout: 15_000 }).toBe(true);
      await expect.poll(() => spansOf().some((span) => span.kind === SERVER && span.parentSpanId === parent.parentId)).toBe(true);
      const spans = spansOf();
      const find = spans.find((span) => span.name === 'store findCustomer');
      expect(find?.attributes['db.system.name']).toBe('postgresql');
      const queries = spans.filter((span) => span.name.startsWith('pg.query'));
      expect(queries.some((query) => query.parentSpanId === find?.spanId)).toBe(true);
      expect(spans.some((span) => span.attributes['db.system.name'] === 'redis' && span.parentSpanId === find?.parentSpanId)).toBe(true);
      // Statements, never their values: the user id is a query parameter.
      for (const span of spans) expect(JSON.stringify(span.attributes)).not.toContain('traced_pg_user');
    } finally {
      await stopChild(child);
      await receiver.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tracing with the OpenTelemetry default protocol (OTLP/HTTP protobuf)', () => {
  it('exports protobuf to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-tracing-proto-'));
    const receiver = await startOtlpReceiver();
    const child = startTracedGateway(dir, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces` });
    try {
      const url = String((await waitForLog(child, (line) => String(line.msg).startsWith('listening'))).url);
      expect((await callRest(url)).status).toBe(200);
      await expect
        .poll(() => receiver.exports.some((e) => e.body.includes('stripe POST /v1/setup_intents')), { timeout: 15_000 })
        .toBe(true);
      expect(receiver.exports.every((e) => e.contentType === 'application/x-protobuf')).toBe(true);
      // SIGTERM flushes what is still batched, then exits 0.
      const exit = exitOf(child);
      child.kill('SIGTERM');
      expect((await exit).code).toBe(0);
    } finally {
      await stopChild(child);
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tracing configuration (the standard OTEL_* variables)', () => {
  it('is off unless an endpoint or an exporter is named', () => {
    expect(parseTracingConfig({}).enabled).toBe(false);
    expect(parseTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toMatchObject({
      enabled: true,
      exporters: ['otlp'],
      protocol: 'http/protobuf',
    });
    expect(parseTracingConfig({ OTEL_TRACES_EXPORTER: 'console' })).toMatchObject({ enabled: true, exporters: ['console'] });
    expect(parseTracingConfig({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).enabled).toBe(false);
    expect(parseTracingConfig({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }).enabled).toBe(false);
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'],
    ['OTEL_TRACES_EXPORTER', 'jaeger'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
  ])('refuses %s=%s with the variable named', (variable, value) => {
    expect(() => loadConfig({ [variable]: value, OTEL_TRACES_EXPORTER: variable === 'OTEL_TRACES_EXPORTER' ? value : 'otlp' })).toThrow(variable);
  });
});
