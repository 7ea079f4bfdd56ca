import { ConfigError, parseTracingConfig } from '../config/config.js';

/**
 * Loaded with `node --import` before the gateway (`npm start` does), so that the Node HTTP, pg
 * and ioredis modules are instrumented as they load. Tracing off (no OTEL_* variables): this is
 * all that runs; the SDK is never imported.
 */
let enabled = false;
try {
  enabled = parseTracingConfig().enabled;
} catch (error) {
  // The gateway itself reports invalid configuration, in its one line.
  if (!(error instanceof ConfigError)) throw error;
}
if (enabled) {
  const { startTracing } = await import('./sdk.js');
  await startTracing(parseTracingConfig());
}
