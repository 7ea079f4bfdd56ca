import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as OTLP/HTTP JSON carries it (ids are hex strings), with its attributes flattened. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

export interface OtlpExport {
  contentType: string;
  body: Buffer;
}

interface JsonAttribute {
  key: string;
  value: Record<string, unknown>;
}

/**
 * A stand-in OpenTelemetry collector: an HTTP server on 127.0.0.1 that accepts OTLP/HTTP trace
 * exports at /v1/traces, keeps every body, and decodes the JSON ones into spans.
 */
export async function startOtlpReceiver() {
  const exports: OtlpExport[] = [];
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const contentType = String(req.headers['content-type'] ?? '');
      const body = Buffer.concat(chunks);
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      exports.push({ contentType, body });
      if (contentType.startsWith('application/json')) spans.push(...decodeJson(body.toString('utf8')));
      res.writeHead(200, { 'content-type': contentType }).end(contentType.startsWith('application/json') ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function decodeJson(text: string): ReceivedSpan[] {
  const request = JSON.parse(text) as {
    resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Omit<ReceivedSpan, 'attributes'> & { attributes?: JsonAttribute[] }> }> }>;
  };
  return request.resourceSpans.flatMap((resource) =>
    resource.scopeSpans.flatMap((scope) =>
      scope.spans.map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind,
        attributes: Object.fromEntries((span.attributes ?? []).map(({ key, value }) => [key, Object.values(value)[0]])),
      })),
    ),
  );
}
