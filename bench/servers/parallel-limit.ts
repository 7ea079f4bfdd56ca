import { randomUUID } from 'node:crypto';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { baselineEnv, callerOf, JSON_API, RefusedToken, SETUP_INTENTS_PATH, stripeVersionOf, type Caller } from './baseline.js';
import { serveOverIpc } from './harness.js';

/**
 * The physical limit: the least a correct server can do. A bare node:http handler, a keep-alive
 * agent without a socket cap (every concurrent Stripe call has a connection), customers in a Map,
 * hand-written form bodies; one round trip for a known user (the key and the intent in
 * parallel), two for a new one. No framework, no GraphQL, no SDK, no retries. Every POST carries
 * an idempotency key, as the contract's retries need and the SDK sends: the emulator shares this
 * machine's CPU, so it must do the same work for every server.
 */
await serveOverIpc(async () => {
  const env = baselineEnv();
  const agent = new Agent({ keepAlive: true });
  const authorization = `Bearer ${env.secretKey}`;
  const customers = new Map<string, string>();

  const stripePost = (path: string, form: URLSearchParams, headers: Record<string, string> = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const body = form.toString();
      const call = request(
        {
          agent,
          host: env.apiBase.hostname,
          port: env.apiBase.port,
          method: 'POST',
          path,
          headers: {
            authorization,
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            'idempotency-key': randomUUID(),
            ...headers,
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => {
            if (response.statusCode === 200) resolve(JSON.parse(text) as Record<string, unknown>);
            else reject(new Error(`Stripe answered ${response.statusCode} on ${path}: ${text}`));
          });
        },
      );
      call.on('error', reject);
      call.end(body);
    });

  const customerFor = async (caller: Caller): Promise<string> => {
    const stored = caller.kind === 'user' ? customers.get(caller.user.sub) : undefined;
    if (stored) return stored;
    const form = new URLSearchParams();
    if (caller.kind === 'user') {
      const { sub, email, name } = caller.user;
      if (email) form.set('email', email);
      if (name) form.set('name', name);
      form.set('metadata[user_id]', sub);
    }
    const id = (await stripePost('/v1/customers', form)).id as string;
    if (caller.kind === 'user') customers.set(caller.user.sub, id);
    return id;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, text: string) => {
    if (req.method !== 'POST' || req.url !== SETUP_INTENTS_PATH) return send(res, 404, { error: 'No such route.' });
    let caller: Caller;
    try {
      caller = callerOf(req.headers.authorization, env);
    } catch (error) {
      if (error instanceof RefusedToken) return send(res, 401, { error: error.message });
      throw error;
    }
    const customer = await customerFor(caller);
    const intentForm = new URLSearchParams({ customer, 'automatic_payment_methods[enabled]': 'true' });
    if (caller.kind === 'user') intentForm.set('metadata[user_id]', caller.user.sub);
    const [key, intent] = await Promise.all([
      stripePost('/v1/ephemeral_keys', new URLSearchParams({ customer }), {
        'stripe-version': stripeVersionOf(text === '' ? undefined : JSON.parse(text), env),
      }),
      stripePost('/v1/setup_intents', intentForm),
    ]);
    send(res, 200, {
      customer_id: customer,
      ephemeral_key_secret: key.secret,
      setup_intent_client_secret: intent.client_secret,
    });
  };

  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      handle(req, res, text).catch(() => send(res, 500, { error: 'Internal server error.' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
});

function send(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': JSON_API,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}
