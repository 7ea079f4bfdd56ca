import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

/** How the stand-in answers: the key set, a 503, never, or a JSON body of `hugeBytes`. */
export type JwksMode = 'ok' | 'fail' | 'hang' | 'huge';

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

/**
 * An identity provider's JWKS endpoint on 127.0.0.1 that can fail, hang or answer a body of any
 * size, and counts what it was asked and what it managed to send.
 */
export async function startJwksStandIn() {
  let keys: JWK[] = [];
  let mode: JwksMode = 'ok';
  let hugeBytes = 2 * 1024 * 1024;
  const stats = { fetches: 0, bytesSent: 0, aborted: 0 };

  const server = createServer((_req, res) => {
    stats.fetches += 1;
    if (mode === 'fail') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('identity provider down');
    } else if (mode === 'hang') {
      // Never answers; closeAllConnections() ends it.
    } else if (mode === 'huge') {
      streamHugeKeySet(res, hugeBytes, stats);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`);

  return {
    url,
    stats,
    setMode(next: JwksMode, size?: number) {
      mode = next;
      if (size !== undefined) hugeBytes = size;
    },
    /** A new key pair; published unless `publish` is false (an unknown kid). */
    async addKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256', publish = true): Promise<SigningKey> {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
      if (publish) keys = [...keys, jwk];
      return { kid, alg, privateKey, jwk };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type JwksStandIn = Awaited<ReturnType<typeof startJwksStandIn>>;

/** A token signed with `key`, valid for five minutes unless the claims say otherwise. */
export function signWith(key: SigningKey, claims: JWTPayload & { sub?: string }) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).setIssuedAt();
  if (claims.exp === undefined) jwt.setExpirationTime('5m');
  return jwt.sign(key.privateKey);
}

/** Valid JSON (a key set padded with a long string), written as fast as the reader takes it. */
function streamHugeKeySet(res: ServerResponse, size: number, stats: { bytesSent: number; aborted: number }) {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const head = '{"keys":[],"padding":"';
  res.write(head);
  let sent = head.length;
  res.on('close', () => {
    stats.bytesSent += sent;
    if (!res.writableFinished) stats.aborted += 1;
  });
  const pump = () => {
    while (sent < size) {
      const piece = chunk.subarray(0, Math.min(chunk.length, size - sent));
      sent += piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end('"}');
  };
  pump();
}
