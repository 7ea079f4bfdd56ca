import { ConfigError, parseTracingConfig, type TracingConfig } from '../config/config.js';

/**
 * Loaded with `node --import` before the gateway (`npm start` does), so that the Node HTTP, pg
 * and ioredis modules are instrumented as they load. Tracing off (no OTEL_* variables): this is
 * all that runs; the SDK is never imported.
 */
let tracing: TracingConfig | undefined;
try {
  tracing = parseTracingConfig();
} catch (error) {
  // The gateway itself reports invalid configuration, in its one line.
  if (!(error instanceof ConfigError)) throw error;
}
if (tracing?.enabled) {
  const { startTracing } = await import('./sdk.js');
  await startTracing(tracing);
}
