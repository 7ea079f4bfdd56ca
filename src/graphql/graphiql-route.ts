import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { RequestHandler } from 'express';
import { renderSelfHostedGraphiQL, type YogaGraphiQLOptions } from './graphiql.js';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

interface EncodedPage {
  etag: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

/**
 * The GraphiQL page (~9 MB, GraphiQL inlined so it needs no CDN), rendered and compressed once on
 * its first view, off the event loop: brotli ~1.9 MB, gzip ~2.4 MB. Every later view sends the
 * same buffers (50 concurrent loads share them), and a browser that has the page gets 304 for
 * its If-None-Match. Other GETs of /graphql (queries) pass on to yoga.
 */
export function graphiqlRoute(options: YogaGraphiQLOptions): RequestHandler {
  let page: Promise<EncodedPage> | undefined;
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.accepts(['application/json', 'text/html']) !== 'text/html') {
      next();
      return;
    }
    page ??= encode(options);
    page.then(
      (encoded) => {
        res.setHeader('ETag', encoded.etag);
        // Cached by the browser, revalidated on every view: a restarted gateway may have new options.
        res.setHeader('Cache-Control', 'private, no-cache');
        res.setHeader('Vary', 'Accept, Accept-Encoding');
        if (req.fresh) {
          res.status(304).end();
          return;
        }
        // Brotli when the browser takes it (every current one does over HTTP too), else gzip.
        const encoding = req.acceptsEncodings('br') ? 'br' : req.acceptsEncodings('gzip') ? 'gzip' : 'identity';
        const body = encoded[encoding];
        if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.setHeader('Content-Length', body.length);
        res.status(200).end(req.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        page = undefined; // the next view tries again
        next(error);
      },
    );
  };
}

async function encode(options: YogaGraphiQLOptions): Promise<EncodedPage> {
  const identity = Buffer.from(await renderSelfHostedGraphiQL(options));
  const [br, gzip] = await Promise.all([
    brotli(identity, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length },
    }),
    gzipped(identity, { level: 6 }),
  ]);
  const etag = `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`;
  return { etag, identity, gzip, br };
}
