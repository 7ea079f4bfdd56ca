import type { ErrorRequestHandler } from 'express';

/**
 * The last handler: whatever no route answered is a JSON 500 with a masked message and a full
 * entry in the log. Express's own would answer HTML with the stack outside NODE_ENV=production.
 */
export const unexpectedError: ErrorRequestHandler = (error, _req, res, _next) => {
  res.locals.logger.error({ err: error }, 'unexpected error');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(500).json({ error: 'Internal server error.' });
};
