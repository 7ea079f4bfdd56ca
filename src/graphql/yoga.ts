import type { Request, Response } from 'express';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { GraphQLError, Kind } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Authenticate } from '../auth/authenticator.js';
import { AuthUnavailableError, RateLimitedError, UnauthenticatedError } from '../core/errors.js';
import { clientAddressOf } from '../http/client-address.js';
import { abuseLimits } from './abuse-limits.js';
import { exposurePlugins } from './exposure.js';
import { maskGatewayError } from './mask-error.js';
import { requestErrors } from './request-errors.js';
import type { GraphQLContext } from '../schema/context.js';
import { schema } from '../schema/index.js';

export interface GraphQLServerOptions {
  authenticate: Authenticate;
  /** GRAPHQL_INTROSPECTION: introspection answered and field names suggested. */
  introspection: boolean;
  logger: Logger;
  /** More plugins (tracing's), after the gateway's own. */
  plugins?: Plugin[];
}

type ServerContext = { req: Request; res: Response };

/** Results carry secrets: no cache may keep them. */
const noStore: Plugin = {
  onResponse: ({ response }) => {
    response.headers.set('Cache-Control', 'no-store');
  },
};

export function createGraphQLServer({ authenticate, introspection, logger, plugins = [] }: GraphQLServerOptions) {
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // GraphiQL is served before yoga, compressed and cached (./graphiql-route.ts).
    graphiql: false,
    // Masked in every mode: yoga's development mode would add messages and stacks to answers.
    maskedErrors: { isDev: false, maskError: maskGatewayError },
    logging: {
      debug: (...args) => logger.isLevelEnabled('debug') && logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error({ err: args.find((arg) => arg instanceof Error) }, 'graphql error'),
    },
    // CORS is the Express app's, from the configured allow-list: yoga's own would allow any origin.
    cors: false,
    plugins: [
      noStore,
      requestErrors,
      ...abuseLimits,
      ...exposurePlugins({ introspection }),
      // graphql-jit compiles each document once (yoga's parse cache hands back the same document
      // object) into a function, instead of graphql-js walking the operation on every call.
      // Before the tracing plugin, which wraps whatever execute function it finds.
      // The plugin caches one compiled operation per document whatever the operation name, so a
      // document of several operations would run the first one named: those stay with graphql-js.
      useGraphQlJit(
        {},
        {
          enableIf: ({ document }) => document.definitions.filter((node) => node.kind === Kind.OPERATION_DEFINITION).length === 1,
          onError: (error) => logger.warn({ err: error }, 'graphql-jit could not compile a document'),
        },
      ),
      ...plugins,
    ],
    context: async ({ request, req, res }) => {
      // Read before signing in: the call's deadline counts the identity provider's time too.
      const receivedAt = performance.now();
      const clientAddress = clientAddressOf(req);
      return {
        // The request's store, found before yoga runs (./select-store.ts).
        services: res.locals.services!,
        caller: {
          receivedAt,
          viewer: await viewerOrUnauthenticated(authenticate, request, clientAddress),
          clientAddress,
          surface: 'graphql' as const,
        },
        setupIntentBudget: { remaining: 1 },
      };
    },
  });
}

async function viewerOrUnauthenticated(authenticate: Authenticate, request: globalThis.Request, clientAddress: string) {
  try {
    return await authenticate(request.headers.get('authorization'), clientAddress);
  } catch (error) {
    if (error instanceof RateLimitedError) {
      // Too many refused tokens from this address: section 5's RATE_LIMITED, failing the request as a bad token does.
      throw new GraphQLError(error.message, {
        extensions: {
          code: 'RATE_LIMITED',
          retryAfterSeconds: error.retryAfterSeconds,
          http: { status: 429, headers: { 'Retry-After': String(error.retryAfterSeconds) } },
        },
      });
    }
    if (error instanceof AuthUnavailableError) {
      // No verdict on the token: neither a 401 (clients would sign the user out) nor a guest.
      throw new GraphQLError(error.message, {
        extensions: {
          code: 'AUTH_UNAVAILABLE',
          http: { status: 503, headers: { 'Retry-After': String(error.retryAfterSeconds) } },
        },
      });
    }
    if (!(error instanceof UnauthenticatedError)) throw error;
    // Fails the whole request: a bad token is never served as a guest.
    throw new GraphQLError(error.message, {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
    });
  }
}
