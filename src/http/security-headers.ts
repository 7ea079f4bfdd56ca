import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Helmet's headers on every response, `X-Content-Type-Options: nosniff` first among them.
 * Without its Content-Security-Policy: the answers are JSON (nothing for a CSP to govern) and
 * the self-hosted GraphiQL page runs inline scripts, styles and workers that helmet's default
 * policy would block.
 */
const helmetHeaders = helmet({ contentSecurityPolicy: false });

/**
 * With this configuration every header helmet sets is the same on every response, so helmet runs
 * once, here, and each request gets the recorded headers in one loop: helmet's chain of a dozen
 * middlewares per request was a measurable share of an answer's CPU (docs-pending/performance.md).
 */
function recordHelmet(): { set: Array<[string, string]>; removed: string[] } {
  const set: Array<[string, string]> = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: string) => set.push([name, value]),
    removeHeader: (name: string) => removed.push(name),
  };
  let finished = false;
  helmetHeaders({} as never, recorder as never, () => {
    finished = true;
  });
  // Helmet's middlewares are synchronous; should a release make one asynchronous, run it per request.
  return finished ? { set, removed } : { set: [], removed: [] };
}

const recorded = recordHelmet();

export const securityHeaders: RequestHandler =
  recorded.set.length === 0
    ? helmetHeaders
    : (_req, res, next) => {
        for (const name of recorded.removed) res.removeHeader(name);
        for (const [name, value] of recorded.set) res.setHeader(name, value);
        next();
      };
