import type { Plugin } from 'graphql-yoga';
import type { Authenticate } from '../auth/authenticator.js';

/** What the composition root wraps when tracing is on; identities when it is off. */
export interface TracingHooks {
  authenticate(authenticate: Authenticate): Authenticate;
  store<T extends object>(store: T, databaseUrl: string): T;
  graphqlPlugins: Plugin[];
}

const OFF: TracingHooks = {
  authenticate: (authenticate) => authenticate,
  store: (store) => store,
  graphqlPlugins: [],
};

/** Tracing off: nothing is imported and nothing is wrapped, so it costs nothing per request. */
export async function tracingHooks(enabled: boolean): Promise<TracingHooks> {
  if (!enabled) return OFF;
  const [{ tracedAuthenticate, tracedStore }, { graphqlTracingPlugin }] = await Promise.all([
    import('./spans.js'),
    import('./graphql.js'),
  ]);
  return {
    authenticate: tracedAuthenticate,
    store: (store, databaseUrl) => tracedStore(store, databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgresql'),
    graphqlPlugins: [await graphqlTracingPlugin()],
  };
}
