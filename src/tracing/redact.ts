import type { Span } from '@opentelemetry/api';
import { ClientRequest, IncomingMessage } from 'node:http';

export const REDACTED = 'REDACTED';

/**
 * The HTTP instrumentation records a request's query string (`url.query` on the server span,
 * inside `url.full` on a client span). A query may carry a GraphQL document or its variables: the
 * path stays, the query does not. Headers and bodies are never recorded.
 */
export function dropQueryStrings(span: Span, request: ClientRequest | IncomingMessage): void {
  if (request instanceof IncomingMessage) {
    if (request.url?.includes('?')) span.setAttribute('url.query', REDACTED);
    return;
  }
  if (request instanceof ClientRequest && request.path.includes('?')) {
    const host = String(request.getHeader('host') ?? request.host);
    span.setAttribute('url.full', `${request.protocol}//${host}${request.path.split('?')[0]}`);
  }
}
