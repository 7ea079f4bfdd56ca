import type { RequestHandler } from 'express';

/**
 * Mutations run only from `POST` with an `application/json` body: a cross-site form can send
 * form-urlencoded, multipart or text/plain without a preflight, never application/json. Yoga
 * would parse the first two (and run the mutation); they are 415 before the body is read.
 * GET stays for queries; yoga itself refuses a mutation over GET (405).
 *
 * Media types are case-insensitive (`APPLICATION/JSON` is JSON), but yoga compares the header
 * as written: it gets the type in lower case, parameters as sent.
 */
export const jsonBodiesOnly: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST') return next();
  if (req.is('application/json')) {
    req.headers['content-type'] = req.headers['content-type']!.replace(/^[^;]*/, (type) => type.trim().toLowerCase());
    return next();
  }
  res.status(415).json({ errors: [{ message: 'Send GraphQL requests as application/json.' }] });
};
