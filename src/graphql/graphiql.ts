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
  /** Sandbox mode: the development token every tab's Authorization header holds. */
  token?: string | undefined;
}

/**
 * Yoga's GraphiQL opens its first tab with `query` (a `?query=` in the address wins), else its own
 * welcome text: `defaultQuery` only fills new tabs. `query` is missing from GraphiQLOptions' type.
 */
export type YogaGraphiQLOptions = GraphiQLOptions & { query?: string };

/**
 * The GraphiQL page's options: the mutation tab first (▶ runs it), then the session, viewer and
 * saved-card tabs. In sandbox mode every tab, new ones included, opens with the development token
 * in its headers, and the headers are kept across reloads (GraphiQL's localStorage); elsewhere a
 * real bearer token is never written to the browser's storage.
 */
export function graphiqlOptions({ sandbox, token }: GraphiQLPageOptions): YogaGraphiQLOptions {
  const mutation = graphiqlMutationDocument(sandbox);
  const headers = graphiqlDefaultHeaders(token);
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
    shouldPersistHeaders: sandbox,
  };
}

/**
 * GraphiQL served from the gateway itself: @graphql-yoga/render-graphiql inlines GraphiQL, its
 * editor workers, styles and fonts into the page, so loading it needs no CDN (yoga's default page
 * loads its scripts from unpkg). Imported on the first view only: an instance that never serves
 * the page saves ~35 MB. ./graphiql-route.ts keeps the result, compressed.
 */
export async function renderSelfHostedGraphiQL(options: GraphiQLOptions): Promise<string> {
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  return renderGraphiQL(options);
}
