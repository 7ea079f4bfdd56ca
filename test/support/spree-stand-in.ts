import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the store answers: normally, after `delayMs`, by dropping the connection, with a 500, or redirecting to `redirectTo`. */
export type SpreeMode = 'ok' | 'slow' | 'down' | 'error' | 'redirect';

export interface SpreeUser {
  id: number;
  email: string;
  firstName?: string;
  lastName?: string;
}

interface IssuedToken {
  user: SpreeUser;
  state: 'valid' | 'expired' | 'revoked';
  expiresAt: number;
}

export const TOKEN_PATH = '/spree_oauth/token';
export const INTROSPECTION_PATH = '/spree_oauth/introspect';
export const INTROSPECTION_CLIENT = { id: 'gateway-client', secret: 'gateway-client-secret-0123456789' };

/**
 * A Spree store on 127.0.0.1 as its Storefront API clients see it: Doorkeeper access tokens
 * (opaque, url-safe base64), `GET /api/v2/storefront/account` (200 JSON:API for a valid token,
 * 401 expired or revoked, 403 missing or unknown) and Doorkeeper's introspection endpoint
 * (customised, as a shop must, to name the user in `sub`), with client credentials by HTTP Basic.
 * Counts every call; can be slow, down or failing.
 */
export async function startSpreeStandIn() {
  const tokens = new Map<string, IssuedToken>();
  const passwords = new Map<string, { user: SpreeUser; password: string }>();
  let mode: SpreeMode = 'ok';
  let delayMs = 0;
  let redirectTo = '';
  const calls = { account: 0, introspection: 0, token: 0, other: 0 };
  /** Answers given instead of the usual one to particular tokens (what a proxy or a quirk says about them). */
  const oddAnswers = new Map<string, OddAnswer>();
  /** Like nginx's `large_client_header_buffers 4 8k`: larger request headers are answered 400. */
  let headerLimitBytes = Number.POSITIVE_INFINITY;
  /** Every Authorization header the store received, to show where tokens went. */
  const authorizations: string[] = [];

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://spree');
    if (req.method === 'GET' && url.pathname === '/api/v2/storefront/account') return account(req, res);
    if (req.method === 'POST' && url.pathname === INTROSPECTION_PATH) return introspect(req, res);
    if (req.method === 'POST' && url.pathname === TOKEN_PATH) return passwordGrant(req, res);
    calls.other += 1;
    json(res, 404, { error: 'The resource you were looking for could not be found.' });
  };

  const lookUp = (token: string | undefined) => (token === undefined ? undefined : tokens.get(token));
  const liveState = (issued: IssuedToken) => (issued.state === 'valid' && issued.expiresAt <= Date.now() ? 'expired' : issued.state);

  const account = (req: IncomingMessage, res: ServerResponse) => {
    calls.account += 1;
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const odd = token === undefined ? undefined : oddAnswers.get(token);
    if (odd) return json(res, odd.status, odd.body, odd.headers);
    const issued = lookUp(token);
    // Spree's storefront: no or an unknown token is 403 (no user), an expired or revoked one 401.
    if (!issued) return json(res, 403, { error: 'You are not authorized to access this page.' });
    if (liveState(issued) !== 'valid') return json(res, 401, { error: 'The access token is invalid' });
    const { user } = issued;
    const data = {
      id: String(user.id),
      type: 'user',
      attributes: {
        email: user.email,
        first_name: user.firstName ?? null,
        last_name: user.lastName ?? null,
        store_credits: 0,
        completed_orders: 0,
        public_metadata: {},
      },
      relationships: {},
    };
    json(res, 200, { data }, { 'content-type': 'application/vnd.api+json' });
  };

  // Doorkeeper's password grant, as Spree's storefront clients sign in.
  const passwordGrant = async (req: IncomingMessage, res: ServerResponse) => {
    calls.token += 1;
    const body = new URLSearchParams(await readBody(req));
    const account = passwords.get(body.get('username') ?? '');
    if (body.get('grant_type') !== 'password' || !account || account.password !== body.get('password')) {
      return json(res, 400, { error: 'invalid_grant', error_description: 'The provided authorization grant is invalid.' });
    }
    const lifetimeMs = 30 * 24 * 3600 * 1000;
    json(res, 200, {
      access_token: issue(account.user, lifetimeMs),
      token_type: 'Bearer',
      expires_in: lifetimeMs / 1000,
      refresh_token: randomBytes(32).toString('base64url'),
      created_at: Math.floor(Date.now() / 1000),
    });
  };

  const issue = (user: SpreeUser, lifetimeMs: number) => {
    const token = randomBytes(32).toString('base64url');
    tokens.set(token, { user, state: 'valid', expiresAt: Date.now() + lifetimeMs });
    return token;
  };

  const introspect = async (req: IncomingMessage, res: ServerResponse) => {
    calls.introspection += 1;
    const body = new URLSearchParams(await readBody(req));
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const [id, secret] = basic ? Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent) : [];
    if (id !== INTROSPECTION_CLIENT.id || secret !== INTROSPECTION_CLIENT.secret) {
      return json(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed.' }, {
        'www-authenticate': 'Basic realm="Doorkeeper"',
      });
    }
    const odd = oddAnswers.get(body.get('token') ?? '');
    if (odd) return json(res, odd.status, odd.body, odd.headers);
    const issued = lookUp(body.get('token') ?? undefined);
    if (!issued || liveState(issued) !== 'valid') return json(res, 200, { active: false });
    const { user } = issued;
    json(res, 200, {
      active: true,
      scope: '',
      client_id: 'storefront-app',
      token_type: 'Bearer',
      exp: Math.floor(issued.expiresAt / 1000),
      iat: Math.floor(Date.now() / 1000),
      sub: String(user.id),
      user_id: user.id,
      email: user.email,
      name: [user.firstName, user.lastName].filter(Boolean).join(' ') || undefined,
    });
  };

  // Room for headers past nginx's limit, so that the limit below is the one that answers.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    authorizations.push(req.headers.authorization ?? '');
    const headerBytes = req.rawHeaders.reduce((sum, part) => sum + Buffer.byteLength(part) + 2, 0);
    if (headerBytes > headerLimitBytes) {
      calls.other += 1;
      res.writeHead(400, { 'content-type': 'text/html' }).end('<html><head><title>400 Request Header Or Cookie Too Large</title></head></html>');
      return;
    }
    if (mode === 'down') {
      req.socket.destroy();
      return;
    }
    if (mode === 'redirect') {
      res.writeHead(307, { location: `${redirectTo}${req.url ?? '/'}` }).end();
      return;
    }
    if (mode === 'error') {
      json(res, 500, { error: 'We are sorry, but something went wrong.' });
      return;
    }
    const go = () => {
      Promise.resolve(answer(req, res)).catch(() => res.destroy());
    };
    if (mode === 'slow') setTimeout(go, delayMs);
    else go();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    calls,
    authorizations,
    setMode(next: SpreeMode, delay = 0) {
      mode = next;
      delayMs = delay;
    },
    /** Answers `answer` to `token` from now on, on the account and introspection endpoints alike. */
    answerOddly(token: string, answer: OddAnswer) {
      oddAnswers.set(token, answer);
    },
    /** Puts nginx's 400 for request headers over `bytes` in front of the store. */
    limitHeaders(bytes: number) {
      headerLimitBytes = bytes;
    },
    redirectTo(url: string) {
      mode = 'redirect';
      redirectTo = url;
    },
    /** Doorkeeper's password grant, as a storefront client signs in: a new opaque access token. */
    /** A new opaque access token for `user`, as the password grant would issue. */
    signIn(user: SpreeUser, lifetimeMs = 30 * 24 * 3600 * 1000): string {
      return issue(user, lifetimeMs);
    },
    /** A shopper who can sign in with `POST /spree_oauth/token` (grant_type=password). */
    register(user: SpreeUser, password: string) {
      passwords.set(user.email, { user, password });
    },
    revoke(token: string) {
      const issued = tokens.get(token);
      if (issued) issued.state = 'revoked';
    },
    expire(token: string) {
      const issued = tokens.get(token);
      if (issued) issued.state = 'expired';
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface OddAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type SpreeStandIn = Awaited<ReturnType<typeof startSpreeStandIn>>;

/** The gateway's variables for this stand-in as Spree (its account endpoint) or as an RFC 7662 endpoint. */
export function providerEnv(kind: 'account' | 'introspection', spree: { url: string }): Record<string, string> {
  return kind === 'account'
    ? { AUTH_SPREE_URL: spree.url }
    : {
        AUTH_INTROSPECTION_URL: `${spree.url}${INTROSPECTION_PATH}`,
        AUTH_INTROSPECTION_CLIENT_ID: INTROSPECTION_CLIENT.id,
        AUTH_INTROSPECTION_CLIENT_SECRET: INTROSPECTION_CLIENT.secret,
      };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
}
