import express, { type ErrorRequestHandler, type RequestHandler } from 'express';

export const GRAPHQL_MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads the body with a size bound before yoga sees it (yoga reads whatever it is sent); yoga
 * then takes the buffered body as it is. Too large: 413 in GraphQL's error shape.
 */
export function graphqlBodyLimit(): [RequestHandler, ErrorRequestHandler] {
  return [
    express.raw({ type: () => true, limit: GRAPHQL_MAX_BODY_BYTES }),
    (error, _req, res, next) => {
      const status = (error as { status?: unknown }).status;
      if (typeof status !== 'number' || status >= 500) return next(error);
      res.status(status).json({ errors: [{ message: status === 413 ? 'The request body is too large.' : 'The request body could not be read.' }] });
    },
  ];
}
