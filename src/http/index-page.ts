import { Router } from 'express';
import { docsPath, type DocsIndex } from './docs-route.js';

/** What a client needs to script against this gateway: `GET /` as JSON (the contract's object, nothing more). */
export interface GatewayIndex {
  /** `sandbox` (the built-in emulator, or SANDBOX=true), else the key's mode. */
  mode: 'sandbox' | 'test' | 'live';
  /** The Stripe API the gateway talks to: in sandbox mode the emulator clients confirm SetupIntents at. */
  stripeApiBase: string;
  publishableKey: string | null;
  graphql: string;
  restPath: string;
  /** Null while no webhook secret is configured (the route is off). */
  webhookPath: string | null;
  /** Sandbox mode only: a development bearer token for user_1. */
  token?: string;
}

export interface IndexInput {
  sandbox: boolean;
  secretKey: string;
  apiBase: URL | undefined;
  publishableKey: string | undefined;
  token: string | undefined;
  graphqlPath: string;
  restPath: string;
  webhookPath: string | undefined;
}

const STRIPE_API = 'https://api.stripe.com';

export function describeGateway(input: IndexInput): GatewayIndex {
  const mode = input.sandbox ? 'sandbox' : /^(sk|rk)_live_/.test(input.secretKey) ? 'live' : 'test';
  return {
    mode,
    // `new URL('http://127.0.0.1:12111').href` ends in a slash; clients append `/v1/…` to it.
    stripeApiBase: (input.apiBase?.href ?? STRIPE_API).replace(/\/$/, ''),
    publishableKey: input.publishableKey ?? null,
    graphql: input.graphqlPath,
    restPath: input.restPath,
    webhookPath: input.webhookPath ?? null,
    ...(input.sandbox && input.token ? { token: input.token } : {}),
  };
}

export interface IndexOptions {
  index: GatewayIndex;
  graphiql: boolean;
  metrics: boolean;
  docs: DocsIndex;
}

/**
 * `GET /`: the contract's object as JSON (the default, for scripts), or a page for a person in a
 * browser: the mode, where Stripe is, the keys and token to paste, and links onwards.
 */
export function indexRouter({ index, graphiql, metrics, docs }: IndexOptions): Router {
  const json = JSON.stringify(index);
  const html = htmlIndex(index, { graphiql, metrics, docs });
  const router = Router();
  router.get('/', (req, res) => {
    // A sandbox token is a bearer credential: never cached on the way.
    if (index.token) res.set('Cache-Control', 'no-store');
    res.vary('Accept');
    if (req.accepts(['json', 'html']) === 'html') {
      res.type('html').send(html);
      return;
    }
    res.type('json').send(json);
  });
  return router;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const MODE_TEXT: Record<GatewayIndex['mode'], string> = {
  sandbox: 'Sandbox: development tokens, GraphiQL signed in, CORS for localhost.',
  test: 'Stripe test mode.',
  live: 'Stripe live mode: real customers, real cards.',
};

function htmlIndex(index: GatewayIndex, { graphiql, metrics, docs }: Omit<IndexOptions, 'index'>): string {
  const copyable = (id: string, label: string, value: string) => `
  <div class="field"><span class="label">${escape(label)}</span>
    <code id="${id}">${escape(value)}</code>
    <button type="button" data-copy="${id}">Copy</button></div>`;
  const link = (path: string, text = path) => `<a href="${escape(path)}">${escape(text)}</a>`;
  type Row = { method: string; path: string; description: string; linked?: boolean };
  const endpoints: Row[] = [
    { method: 'POST', path: index.graphql, description: 'GraphQL: createStripeSetupIntent, createStripeCustomerSession, viewer' },
    ...(graphiql ? [{ method: 'GET', path: index.graphql, description: 'GraphiQL, in this browser', linked: true }] : []),
    { method: 'POST', path: index.restPath, description: 'REST, as Spree’s Storefront API' },
    ...(index.webhookPath ? [{ method: 'POST', path: index.webhookPath, description: 'Stripe’s signed webhook events' }] : []),
    { method: 'GET', path: '/openapi.json', description: 'OpenAPI 3.1 description of the REST path', linked: true },
    { method: 'GET', path: '/health', description: '200 while the process runs', linked: true },
    { method: 'GET', path: '/ready', description: '200 while the database can serve', linked: true },
    ...(metrics ? [{ method: 'GET', path: '/metrics', description: 'Prometheus metrics', linked: true }] : []),
    ...(index.mode === 'sandbox' ? [{ method: 'POST', path: '/_sandbox/faults', description: 'make the next Stripe call fail' }] : []),
  ];
  const endpointRows = endpoints
    .map(
      ({ method, path, description, linked }) =>
        `<tr><td><code>${method} ${linked ? link(path) : escape(path)}</code></td><td>${escape(description)}</td></tr>`,
    )
    .join('\n');
  const docLinks = docs.pages
    .map((page) => `<li>${link(docsPath(page.file), page.title)}</li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>stripe-setup-gateway (${escape(index.mode)})</title>
<style>
  :root { color-scheme: light dark; --accent: #635bff; --muted: #6b7280; --line: #e5e7eb; }
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 58rem; margin: 2rem auto; padding: 0 1rem; }
  h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.1rem; margin: 1.75rem 0 .5rem; }
  .mode { display: inline-block; padding: .1rem .6rem; border-radius: 1rem; color: #fff; background: var(--accent);
          font-weight: 600; text-transform: uppercase; font-size: .8rem; }
  .mode.live { background: #b91c1c; } .mode.test { background: #b45309; }
  .muted { color: var(--muted); }
  .field { display: grid; grid-template-columns: 11rem 1fr auto; gap: .75rem; align-items: start;
           padding: .5rem 0; border-bottom: 1px solid var(--line); }
  .label { font-weight: 600; }
  code { font: 13px/1.4 ui-monospace, monospace; overflow-wrap: anywhere; }
  button { font: inherit; padding: .15rem .75rem; border: 1px solid var(--accent); border-radius: .4rem;
           background: transparent; color: var(--accent); cursor: pointer; }
  button.copied { background: var(--accent); color: #fff; }
  table { border-collapse: collapse; width: 100%; } td { padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
  a { color: var(--accent); }
  pre { padding: .75rem; border: 1px solid var(--line); border-radius: .4rem; overflow-x: auto; }
</style></head>
<body>
<header><h1>stripe-setup-gateway</h1>
<p><span class="mode ${escape(index.mode)}">${escape(index.mode)}</span> <span class="muted">${escape(MODE_TEXT[index.mode])}</span></p>
${graphiql ? `<p>${link(index.graphql, 'Open GraphiQL')}${index.token ? ', signed in as user_1' : ''}.</p>` : ''}
</header>
<main>
<h2>Stripe</h2>
${copyable('stripe-api-base', index.mode === 'sandbox' ? 'Emulator address' : 'Stripe API', index.stripeApiBase)}
${index.publishableKey ? copyable('publishable-key', 'Publishable key', index.publishableKey) : '<p class="muted">No publishable key configured (STRIPE_PUBLISHABLE_KEY).</p>'}
${
  index.token
    ? `<h2>Development token</h2>
<p class="muted">A bearer token for user_1, signed with the sandbox’s development secret.</p>
${copyable('token', 'Bearer token', index.token)}`
    : ''
}
<h2>Endpoints</h2>
<table>${endpointRows}</table>
${index.webhookPath ? '' : '<p class="muted">Webhooks are off: set STRIPE_WEBHOOK_SECRET to serve them.</p>'}
<h2>For scripts</h2>
<p class="muted">This page as JSON, with every value above:</p>
<pre><code id="script-example">curl -s http://127.0.0.1:4000/ -H 'accept: application/json'</code></pre>
${docLinks ? `<h2>Documentation</h2>\n<ul>${docLinks}</ul>` : ''}
</main>
<script>
  const example = document.getElementById('script-example');
  example.textContent = example.textContent.replace('http://127.0.0.1:4000', location.origin);
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.addEventListener('click', async () => {
      const text = document.getElementById(button.dataset.copy).textContent;
      try { await navigator.clipboard.writeText(text); }
      catch {
        const range = document.createRange();
        range.selectNodeContents(document.getElementById(button.dataset.copy));
        getSelection().removeAllRanges(); getSelection().addRange(range);
        document.execCommand('copy');
      }
      button.textContent = 'Copied'; button.classList.add('copied');
      setTimeout(() => { button.textContent = 'Copy'; button.classList.remove('copied'); }, 1500);
    });
  }
</script>
</body></html>
`;
}
