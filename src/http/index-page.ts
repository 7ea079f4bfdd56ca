import { Router } from 'express';

export interface IndexOptions {
  sandbox: boolean;
  graphiql: boolean;
  metrics: boolean;
  /** Extra endpoints other parts of the gateway mount (e.g. webhooks), listed as they are. */
  extra?: Endpoint[];
}

interface Endpoint {
  method: string;
  path: string;
  description: string;
}

/**
 * `GET /`: what this gateway answers, as JSON (or a short HTML list for a browser), so a first
 * visit finds GraphiQL and the REST path instead of a 404.
 */
export function indexRouter({ sandbox, graphiql, metrics, extra = [] }: IndexOptions): Router {
  const endpoints: Endpoint[] = [
    { method: 'POST', path: '/graphql', description: 'GraphQL: createStripeSetupIntent and the viewer' },
    ...(graphiql ? [{ method: 'GET', path: '/graphql', description: 'GraphiQL, in a browser' }] : []),
    { method: 'POST', path: '/api/v2/storefront/stripe/setup_intents', description: 'REST, as Spree’s Storefront API' },
    { method: 'GET', path: '/openapi.json', description: 'OpenAPI 3.1 description of the REST path' },
    { method: 'GET', path: '/health', description: '200 while the process runs' },
    { method: 'GET', path: '/ready', description: '200 while the store can serve' },
    ...(metrics ? [{ method: 'GET', path: '/metrics', description: 'Prometheus metrics' }] : []),
    ...extra,
    ...(sandbox
      ? [
          { method: 'POST', path: '/_sandbox/faults', description: 'sandbox: make the next Stripe call fail' },
          { method: 'DELETE', path: '/_sandbox/faults', description: 'sandbox: clear every fault' },
        ]
      : []),
  ];
  const body = { service: 'stripe-setup-gateway', mode: sandbox ? 'sandbox' : 'stripe', endpoints };
  const html = htmlIndex(body.mode, endpoints);
  const router = Router();
  router.get('/', (req, res) => {
    if (req.accepts(['json', 'html']) === 'html') {
      res.type('html').send(html);
      return;
    }
    res.json(body);
  });
  return router;
}

function htmlIndex(mode: string, endpoints: Endpoint[]): string {
  const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const rows = endpoints
    .map(({ method, path, description }) => {
      const target = method === 'GET' ? `<a href="${escape(path)}">${escape(path)}</a>` : escape(path);
      return `<li><code>${method} ${target}</code>: ${escape(description)}</li>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>stripe-setup-gateway</title></head>
<body><h1>stripe-setup-gateway</h1><p>Mode: ${escape(mode)}</p><ul>
${rows}
</ul></body></html>
`;
}
