import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import { authenticate, isLiveKey, publishableKeyRefused } from './auth.js';
import type { PendingEvent, RequestContext } from './context.js';
import { ApiError, invalidRequest, unrecognizedUrl } from './errors.js';
import { FaultSet, type ErrorFault, type FaultSpec, type TerminalFault } from './faults.js';
import { canonicalParams, decodeForm } from './form.js';
import { IdempotencyStore } from './idempotency.js';
import { newId, unixSeconds } from './ids.js';
import { collectionsOf, readStateFile, restoreCollections, StateFile } from './persistence.js';
import { errorReply, faultError, jsonReply, rateLimitError, type Reply } from './reply.js';
import { RequestLog, type RecordedRequest } from './request-log.js';
import { matchRoute, type RouteMatch } from './routes.js';
import { EmulatorState } from './state.js';
import { WebhookSender, type WebhookDelivery, type WebhookEndpoint } from './webhooks.js';
import { stripeVersionStanding } from '../stripe/stripe-versions.js';
import type {
  EmulatedCustomer,
  EmulatedEphemeralKey,
  EmulatedSetupIntent,
  StripeEmulator,
  StripeEmulatorOptions,
} from './types.js';

export const DEFAULT_EMULATOR_SECRET_KEY = 'sk_test_emulator_0123456789abcdefABCDEF';
/** Public by nature: what a client (Stripe.js, a mobile SDK, curl) confirms a SetupIntent with. */
export const DEFAULT_EMULATOR_PUBLISHABLE_KEY = 'pk_test_emulator_0123456789abcdefABCDEF';

/** The version the emulated account is pinned to, used when a request sends no Stripe-Version. */
const ACCOUNT_API_VERSION: string = Stripe.API_VERSION;
const MAX_BODY_BYTES = 1024 * 1024;

/** Either a finished answer, or the work to run once the latency has elapsed. */
type Step = Reply | (() => Reply);

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

class EmulatorServer implements StripeEmulator {
  readonly accountId: string;
  private readonly state: EmulatorState;
  private readonly faults = new FaultSet();
  private readonly idempotency = new IdempotencyStore();
  private readonly log = new RequestLog();
  private readonly keys: ReadonlySet<string>;
  private readonly publishableKeys: ReadonlySet<string>;
  private readonly webhooks: WebhookSender;
  /** Aborts pending latency timers so close() need not wait for them. */
  private readonly closing = new AbortController();
  private readonly server: Server;
  private address!: AddressInfo;
  private latencyMs = 0;
  private closed?: Promise<void>;
  private readonly stateFile: StateFile | undefined;

  constructor(options: StripeEmulatorOptions) {
    const keys = options.secretKeys ?? [DEFAULT_EMULATOR_SECRET_KEY];
    if (keys.length === 0) throw new Error('secretKeys must not be empty');
    this.publishableKeys = new Set(options.publishableKeys ?? [DEFAULT_EMULATOR_PUBLISHABLE_KEY]);
    this.keys = new Set([...keys, ...this.publishableKeys]);
    this.webhooks = new WebhookSender(options.webhooks ?? {}, this.closing.signal);
    for (const endpoint of options.webhooks?.endpoints ?? []) this.webhooks.add(endpoint);
    const saved = options.statePath === undefined ? undefined : readStateFile(options.statePath);
    this.accountId = saved?.accountId ?? options.accountId ?? newId('acct', 16);
    const ttl = options.ephemeralKeyTtlSeconds ?? 3600;
    if (!(Number.isInteger(ttl) && ttl > 0)) throw new RangeError(`ephemeralKeyTtlSeconds must be a positive integer, got ${ttl}`);
    const sessionTtl = options.customerSessionTtlSeconds ?? 1800;
    if (!(Number.isInteger(sessionTtl) && sessionTtl > 0)) {
      throw new RangeError(`customerSessionTtlSeconds must be a positive integer, got ${sessionTtl}`);
    }
    this.state = new EmulatorState(ttl, sessionTtl);
    if (saved) {
      restoreCollections(this.state, saved.collections);
      this.idempotency.restore(saved.idempotency);
    }
    this.stateFile =
      options.statePath === undefined
        ? undefined
        : new StateFile(options.statePath, () => ({
            version: 1,
            accountId: this.accountId,
            collections: collectionsOf(this.state),
            idempotency: this.idempotency.snapshot(),
          }));
    this.setLatency(options.latencyMs ?? 0);
    // Every delayed answer listens on this signal; the benchmark holds hundreds at once.
    setMaxListeners(0, this.closing.signal);
    this.server = createServer((req, res) => this.receive(req, res));
  }

  /** Binds the server; host, port and url are valid from then on (and stay readable after close()). */
  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.address = this.server.address() as AddressInfo;
  }

  get host(): string {
    return this.address.address;
  }

  get port(): number {
    return this.address.port;
  }

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve, reject) => {
      this.closing.abort();
      this.stateFile?.flush();
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections(); // idle keep-alive sockets and hung requests alike
    });
    return this.closed;
  }

  setLatency(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`latency must be >= 0 ms, got ${ms}`);
    this.latencyMs = ms;
  }

  injectFault(fault: FaultSpec): { remove(): void } {
    return this.faults.add(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  customers(): EmulatedCustomer[] {
    const { customers, deletedCustomerIds } = this.state;
    return [...customers.values()].map((customer): EmulatedCustomer => {
      const { deleted: _never, ...copy } = structuredClone(customer);
      return deletedCustomerIds.has(customer.id) ? { ...copy, deleted: true } : copy;
    });
  }

  setupIntents(): EmulatedSetupIntent[] {
    return [...this.state.setupIntents.values()].map((intent) => structuredClone(intent));
  }

  ephemeralKeys(): EmulatedEphemeralKey[] {
    return [...this.state.ephemeralKeys.values()].map((key) => structuredClone(key));
  }

  deleteCustomer(id: string): void {
    const customer = this.state.customers.get(id);
    if (customer === undefined) throw new Error(`No such customer: '${id}'`);
    if (this.state.deletedCustomerIds.has(id)) return;
    this.state.deletedCustomerIds.add(id);
    this.stateFile?.changed();
    this.publish([{ type: 'customer.deleted', object: structuredClone(customer) }], customer.livemode, null);
  }

  paymentMethods(): Stripe.PaymentMethod[] {
    return [...this.state.paymentMethods.values()].map((method) => structuredClone(method));
  }

  customerSessions(): Stripe.CustomerSession[] {
    return [...this.state.customerSessions.values()].map((session) => structuredClone(session));
  }

  addWebhookEndpoint(endpoint: WebhookEndpoint): { remove(): void } {
    return this.webhooks.add(endpoint);
  }

  events(): Stripe.Event[] {
    return this.webhooks.listEvents();
  }

  resendEvent(eventId: string): void {
    this.webhooks.resend(eventId);
  }

  webhookDeliveries(): WebhookDelivery[] {
    return this.webhooks.deliveries();
  }

  webhooksIdle(): Promise<void> {
    return this.webhooks.idle();
  }

  requests(): RecordedRequest[] {
    return this.log.list();
  }

  resetRequests(): void {
    this.log.clear();
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const receivedAt = performance.timeOrigin + performance.now();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('error', () => {}); // client went away mid-body: nothing to answer
    req.on('end', () => {
      void this.handle(req, res, size <= MAX_BODY_BYTES ? Buffer.concat(chunks).toString('utf8') : undefined, receivedAt);
    });
  }

  /**
   * Order: record → pick faults → reset/hang → checks (fault error, auth, version, route,
   * idempotency) → latency → work → answer. The idempotency key is reserved before the
   * latency, so a duplicate arriving meanwhile sees it in flight (409), as on Stripe.
   */
  private async handle(req: IncomingMessage, res: ServerResponse, body: string | undefined, receivedAt: number): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const idempotencyKey = header(req, 'idempotency-key');
    const stripeVersion = header(req, 'stripe-version');
    const record: RecordedRequest = {
      method,
      path,
      status: 0,
      requestId: newId('req', 14),
      receivedAt,
      replayed: false,
      params: decodeForm((method === 'POST' ? body : queryAt === -1 ? '' : url.slice(queryAt + 1)) ?? ''),
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      ...(stripeVersion === undefined ? {} : { stripeVersion }),
    };
    this.log.add(record);

    const faults = this.faults.select(method, path);
    const terminal = faults?.terminal;
    if (terminal?.kind === 'reset') return void req.socket.resetAndDestroy();
    if (terminal?.kind === 'hang') return; // open until the client gives up or close()

    const step = this.prepare(req, record, body, terminal);
    const delay = this.latencyMs + (faults?.latencyMs ?? 0);
    if (delay > 0) {
      try {
        await sleep(delay, undefined, { signal: this.closing.signal });
      } catch {
        return; // closing
      }
    }
    const reply = typeof step === 'function' ? step() : step;
    if (terminal?.kind === 'reset-after-commit') return void req.socket.resetAndDestroy();

    record.status = reply.status;
    res.writeHead(reply.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(reply.body),
      'Request-Id': record.requestId,
      'Stripe-Version': stripeVersion ?? ACCOUNT_API_VERSION,
      ...(idempotencyKey !== undefined && method === 'POST' ? { 'Idempotency-Key': idempotencyKey } : {}),
      ...reply.headers,
    });
    res.end(reply.body);
    if (method !== 'GET') this.stateFile?.changed();
  }

  private prepare(req: IncomingMessage, record: RecordedRequest, body: string | undefined, fault?: TerminalFault): Step {
    let livemode = false;
    try {
      if (body === undefined) throw invalidRequest('Request body too large.', undefined, undefined, 413);
      if (fault?.kind === 'error' && fault.stage !== 'execution') throw faultError(fault);
      if (fault?.kind === 'rate-limit') throw rateLimitError(fault);
      const apiKey = authenticate(req.headers.authorization, this.keys);
      livemode = isLiveKey(apiKey);
      const publishable = this.publishableKeys.has(apiKey);
      // Only versions Stripe released; checked before the idempotency layer, so nothing is saved.
      if (record.stripeVersion !== undefined && stripeVersionStanding(record.stripeVersion) !== 'released') {
        throw invalidRequest(`Invalid Stripe API version: ${record.stripeVersion}`);
      }
      const route = matchRoute(record.method, record.path);
      if (route === undefined) throw unrecognizedUrl(record.method, record.path);
      if (publishable && !route.publishable) throw publishableKeyRefused();
      const ctx: RequestContext = {
        state: this.state,
        params: record.params,
        livemode,
        publishable,
        id: route.id,
        stripeVersionHeader: record.stripeVersion,
        accountId: this.accountId,
        events: [],
      };
      const failure = fault?.kind === 'error' ? fault : undefined; // stage 'execution'
      // Stripe ignores Idempotency-Key on GET and DELETE.
      if (record.method !== 'POST' || record.idempotencyKey === undefined) {
        return () => this.execute(route, ctx, record, failure).reply;
      }

      const key = record.idempotencyKey;
      const scope = `${apiKey}\n${key}`; // keys are scoped per API key
      const outcome = this.idempotency.begin(scope, key, record.method, record.path, canonicalParams(record.params));
      if (outcome.kind === 'replay') {
        record.replayed = true;
        const { status, body: original, requestId, headers } = outcome.response;
        return {
          status,
          body: original,
          headers: { ...headers, 'Idempotent-Replayed': 'true', 'Original-Request': requestId },
        };
      }
      return () => {
        const { reply, saved } = this.execute(route, ctx, record, failure);
        if (!saved) {
          this.idempotency.release(scope);
          return reply;
        }
        // Execution began, so Stripe keeps the result whatever it was; a saved 5xx will only be
        // replayed, so Stripe tells the client not to retry it under this key.
        const kept =
          reply.status >= 500 && reply.headers['Stripe-Should-Retry'] === undefined
            ? { ...reply, headers: { ...reply.headers, 'Stripe-Should-Retry': 'false' } }
            : reply;
        this.idempotency.complete(scope, { status: kept.status, body: kept.body, requestId: record.requestId, headers: kept.headers });
        return kept;
      };
    } catch (error) {
      return errorReply(error, record.requestId, livemode);
    }
  }

  /**
   * Runs the endpoint; `saved` is false for a request whose parameters it refused (a 400
   * invalid_request_error), which Stripe does not keep under the idempotency key.
   */
  private execute(
    route: RouteMatch,
    ctx: RequestContext,
    record: RecordedRequest,
    failure: ErrorFault | undefined,
  ): { reply: Reply; saved: boolean } {
    try {
      if (failure) throw faultError(failure); // the endpoint failed once it began
      const reply = jsonReply(200, route.handler(ctx));
      this.publish(ctx.events, ctx.livemode, { id: record.requestId, idempotency_key: record.idempotencyKey ?? null });
      return { reply, saved: true };
    } catch (error) {
      const refusedParameters =
        failure === undefined &&
        error instanceof ApiError &&
        error.status === 400 &&
        error.body.type === 'invalid_request_error';
      return { reply: errorReply(error, record.requestId, ctx.livemode), saved: !refusedParameters };
    }
  }

  /** Events of a request that succeeded (or of a Dashboard action: request null), to the webhook endpoints. */
  private publish(pending: readonly PendingEvent[], livemode: boolean, request: Stripe.Event.Request | null): void {
    if (!this.webhooks.active) return;
    for (const { type, object } of pending) {
      const event = {
        id: newId('evt', 24),
        object: 'event',
        api_version: ACCOUNT_API_VERSION,
        created: unixSeconds(),
        data: { object },
        livemode,
        pending_webhooks: 1,
        request,
        type,
      } as Stripe.Event;
      this.webhooks.publish(event);
    }
  }
}

export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const emulator = new EmulatorServer(options);
  await emulator.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return emulator;
}
