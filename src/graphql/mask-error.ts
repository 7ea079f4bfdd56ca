import { GraphQLError } from 'graphql';
import { maskError, type MaskError } from 'graphql-yoga';
import { StoreUnavailableError } from '../core/store-unavailable.js';

/**
 * Yoga's masking, never in its development mode (which would answer with the message and the
 * stack), and one outage told as what it is: a database that cannot answer fails the request
 * with HTTP 503, `extensions.code = "STORE_UNAVAILABLE"` and Retry-After, like REST's 503.
 */
export const maskGatewayError: MaskError = (error, message) => {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof StoreUnavailableError) {
    return new GraphQLError(original.message, {
      ...(error instanceof GraphQLError && { nodes: error.nodes, path: error.path }),
      extensions: {
        code: 'STORE_UNAVAILABLE',
        http: { status: 503, headers: { 'Retry-After': String(original.retryAfterSeconds) } },
      },
    });
  }
  return maskError(error, message, false);
};
