import { register } from 'node:module';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { IncomingMessage } from 'node:http';
import type { TracingConfig } from '../config/config.js';
import { dropQueryStrings } from './redact.js';

/** Probes and scrapes would bury the calls worth reading. */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

/**
 * The OpenTelemetry SDK, started only when tracing is on: a tracer provider that honours the
 * W3C traceparent of incoming requests (the provider's default propagator), a batching OTLP/HTTP
 * exporter (endpoint, headers and timeouts from the standard OTEL_EXPORTER_OTLP_* variables),
 * and the instrumentations of node:http (one server span per request), pg and ioredis.
 * Only headers named in an instrumentation's options become attributes, and none is named.
 */
export async function startTracing(config: TracingConfig): Promise<void> {
  // ESM modules are instrumented through a loader hook, registered before the app is imported.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  diag.setLogger(
    { error: console.error, warn: console.error, info: () => {}, debug: () => {}, verbose: () => {} },
    DiagLogLevel.WARN,
  );
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: config.exporters.map((name) => new BatchSpanProcessor(exporterFor(name, config))),
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0]!),
        applyCustomAttributesOnSpan: (span, request) => dropQueryStrings(span, request),
      }),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      new IORedisInstrumentation({ dbStatementSerializer: (command) => command }),
    ],
  });
}

function exporterFor(name: TracingConfig['exporters'][number], config: TracingConfig): SpanExporter {
  if (name === 'console') return new ConsoleSpanExporter();
  return config.protocol === 'http/json' ? new OTLPJsonTraceExporter() : new OTLPProtobufTraceExporter();
}
