import { trace } from '@opentelemetry/api';

interface Flushable {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Sends the spans still batched, before the process exits (SIGTERM). Tracing off: the global
 * provider is the API's no-op one, and this returns at once.
 */
export async function shutdownTracing(): Promise<void> {
  const global = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const provider = (global.getDelegate?.() ?? global) as Partial<Flushable>;
  if (typeof provider.shutdown === 'function') await provider.shutdown().catch(() => {});
}
