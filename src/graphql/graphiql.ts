import type { GraphiQLOptions } from 'graphql-yoga';
import {
  GRAPHIQL_PAYMENT_METHODS_DOCUMENT,
  GRAPHIQL_VIEWER_DOCUMENT,
  graphiqlDefaultHeaders,
  graphiqlMutationDocument,
  graphiqlSessionDocument,
} from './graphiql-document.js';

export interface GraphiQLPageOptions {
  /** Sandbox mode: the page tells how to mint a development token. */
  sandbox: boolean;
}

/**
 * Yoga's GraphiQL opens its first tab with `query` (a `?query=` in the address wins), else its own
 * welcome text: `defaultQuery` only fills new tabs. `query` is missing from GraphiQLOptions' type.
 */
type YogaGraphiQLOptions = GraphiQLOptions & { query?: string };

/** The GraphiQL page's options: the mutation tab first (▶ runs it), then the session, viewer and saved-card tabs. */
export function graphiqlOptions({ sandbox }: GraphiQLPageOptions): YogaGraphiQLOptions {
  const mutation = graphiqlMutationDocument(sandbox);
  const headers = graphiqlDefaultHeaders(sandbox);
  return {
    title: 'stripe-setup-gateway',
    query: mutation,
    defaultQuery: mutation,
    defaultHeaders: headers,
    defaultTabs: [
      { query: mutation, headers },
      { query: graphiqlSessionDocument(sandbox), headers },
      { query: GRAPHIQL_VIEWER_DOCUMENT, headers },
      { query: GRAPHIQL_PAYMENT_METHODS_DOCUMENT, headers },
    ],
    defaultEditorToolsVisibility: 'headers',
    shouldPersistHeaders: false,
  };
}

let rendered: { key: string; page: string } | undefined;

/**
 * GraphiQL served from the gateway itself: @graphql-yoga/render-graphiql inlines GraphiQL, its
 * editor workers, styles and fonts into the page, so loading it needs no CDN (yoga's default page
 * loads its scripts from unpkg). The page is ~9 MB: loaded on the first view only (an instance
 * that never serves it saves ~35 MB), then built once per set of options.
 */
export async function renderSelfHostedGraphiQL(options: GraphiQLOptions): Promise<string> {
  const key = JSON.stringify(options);
  if (rendered?.key !== key) {
    const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
    rendered = { key, page: renderGraphiQL(options) };
  }
  return rendered.page;
}
