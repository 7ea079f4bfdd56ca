import { SpanKind, trace } from '@opentelemetry/api';
import type { Plugin } from 'graphql-yoga';

/**
 * The Guild's OpenTelemetry plugin: one span per operation (`graphql mutation.SaveCard`), with
 * the operation's type and name. Document, variables and result are off: they carry inputs and
 * secrets (a SetupIntent's client secret is in the result).
 */
export async function graphqlTracingPlugin(): Promise<Plugin> {
  const { useOpenTelemetry } = await import('@envelop/opentelemetry');
  return useOpenTelemetry(
    { resolvers: false, variables: false, result: false, document: false },
    trace.getTracerProvider(),
    SpanKind.INTERNAL,
    {},
    'stripe-setup-gateway',
    'graphql ',
  ) as Plugin;
}
