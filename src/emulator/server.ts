import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import { openAccounts } from './account-setup.js';
import { ACCOUNT_ID_PATTERN, keyHash, type AccountRegistry, type EmulatedAccount } from './accounts.js';
import { authenticate, extractApiKey, isLiveKey, publishableKeyRefused } from './auth.js';
import type { PendingEvent, RequestContext } from './context.js';
import { ApiError, invalidRequest, unrecognizedUrl } from './errors.js';
import { FaultSet, type ErrorFault, type FaultSpec, type TerminalFault } from './faults.js';
import { canonicalParams, decodeForm } from './form.js';
import { IdempotencyStore } from './idempotency.js';
import { newId, unixSeconds } from './ids.js';
import {
  collectionsOf,
  stateFile,
  StateWriter,
  type EmulatorStateStore,
  type PersistedEmulator,
} from './persistence.js';
import { errorReply, faultError, jsonReply, rateLimitError, type Reply } from './reply.js';
import { RequestLog, type RecordedRequest } from './request-log.js';
import { matchRoute, type RouteMatch } from './routes.js';
import { EmulatorState } from './state.js';
import { WebhookSender, type EventSource, type WebhookDelivery, type WebhookEndpoint } from './webhooks.js';
import { stripeVersionStanding } from '../stripe/stripe-versions.js';
import type {
  EmulatedAccountInfo,
  EmulatedCustomer,
  EmulatedEphemeralKey,
  EmulatorAccountOptions,
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

/** The accounts of the options: `accounts`, or the single account secretKeys/publishableKeys/accountId describe. */
function configuredAccounts(options: StripeEmulatorOptions): EmulatorAccountOptions[] {
  if (options.accounts === undefined) {
    const secretKeys = options.secretKeys ?? [DEFAULT_EMULATOR_SECRET_KEY];
    if (secretKeys.length === 0) throw new Error('secretKeys must not be empty');
    return [
      {
        secretKeys,
        publishableKeys: options.publishableKeys ?? [DEFAULT_EMULATOR_PUBLISHABLE_KEY],
        ...(options.accountId === undefined ? {} : { id: options.accountId }),
      },
    ];
  }
  if (options.secretKeys !== undefined || options.publishableKeys !== undefined || options.accountId !== undefined) {
    throw new Error('accounts excludes secretKeys, publishableKeys and accountId (they describe a single account)');
  }
  return options.accounts;
}

class EmulatorServer implements StripeEmulator {
  readonly accountId: string;
  private readonly accountRegistry: AccountRegistry;
  private readonly faults = new FaultSet();
  private readonly idempotency = new IdempotencyStore();
  private readonly log = new RequestLog();
  private readonly keys: Set<string>;
  private readonly publishableKeys: ReadonlySet<string>;
  private readonly webhooks: WebhookSender;
  /** Aborts pending latency timers so close() need not wait for them. */
  private readonly closing = new AbortController();
  private readonly server: Server;
  private address!: AddressInfo;
  private latencyMs = 0;
  private closed?: Promise<void>;
  private readonly stateWriter: StateWriter | undefined;

  constructor(options: StripeEmulatorOptions, stateStore?: EmulatorStateStore, saved?: PersistedEmulator) {
    const ttl = options.ephemeralKeyTtlSeconds ?? 3600;
    if (!(Number.isInteger(ttl) && ttl > 0)) throw new RangeError(`ephemeralKeyTtlSeconds must be a positive integer, got ${ttl}`);
    const sessionTtl = options.customerSessionTtlSeconds ?? 1800;
    if (!(Number.isInteger(sessionTtl) && sessionTtl > 0)) {
      throw new RangeError(`customerSessionTtlSeconds must be a positive integer, got ${sessionTtl}`);
    }
    const configured = configuredAccounts(options);
    const { registry, keyed, publishableKeys } = openAccounts(configured, saved, () => new EmulatorState(ttl, sessionTtl));
    this.accountRegistry = registry;
    this.accountId = keyed[0]!.id;
    this.publishableKeys = publishableKeys;
    this.keys = new Set(configured.flatMap((account) => [...account.secretKeys, ...(account.publishableKeys ?? [])]));
    if (saved) this.idempotency.restore(saved.idempotency);
    this.webhooks = new WebhookSender(options.webhooks ?? {}, this.closing.signal, this.accountId);
    for (const endpoint of options.webhooks?.endpoints ?? []) this.webhooks.add(endpoint);
    this.stateWriter =
      stateStore === undefined
        ? undefined
        : new StateWriter(
            stateStore,
            () => ({
            version: 2,
            accounts: this.accountRegistry.list().map((account) => ({
              id: account.id,
              platform: account.platform,
              keyHashes: account.keyHashes,
              object: account.object,
              collections: collectionsOf(account.state),
            })),
            idempotency: this.idempotency.snapshot(),
            }),
            options.onStateSaveError ?? ((error) => process.emitWarning(`the Stripe emulator could not save its state: ${String(error)}`)),
          );
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
    this.closed ??= (async () => {
      this.closing.abort();
      const stopped = new Promise<void>((resolve, reject) => {
        this.server.close((error) => (error ? reject(error) : resolve()));
        this.server.closeAllConnections(); // idle keep-alive sockets and hung requests alike
      });
      // Both settle before close() does: a failed save never leaves the server listening.
      const [saved, closed] = await Promise.allSettled([this.stateWriter?.flush(), stopped]);
      if (saved.status === 'rejected') throw saved.reason;
      if (closed.status === 'rejected') throw closed.reason;
    })();
    return this.closed;
  }

  /** Saves the state now (the account id of a new state, so every later start finds the same account). */
  saveState(): Promise<void> {
    this.stateWriter?.changed();
    return this.stateWriter?.flush() ?? Promise.resolve();
  }

  /** Stripe starts accepting `key` (a key rolled in the Dashboard): of the first account unless it has one. */
  acceptSecretKey(key: string): void {
    if (this.accountRegistry.ofKey(key) === undefined) this.accountRegistry.bindKey(key, this.accountRegistry.get(this.accountId)!);
    this.keys.add(key);
  }

  refuseSecretKey(key: string): void {
    this.keys.delete(key);
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

  accounts(): EmulatedAccountInfo[] {
    return this.accountRegistry.list().map(({ id, platform, object }) => ({ id, platform, object: structuredClone(object) }));
  }

  accountOf(key: string): string | undefined {
    return this.accountRegistry.ofKey(key)?.id;
  }

  connectAccount(platform: string, id?: string): string {
    const owner = this.accountRegistry.get(platform);
    if (owner === undefined || owner.platform !== null) throw new Error(`${platform} is not an account with keys of its own`);
    if (id !== undefined && !ACCOUNT_ID_PATTERN.test(id)) throw new Error(`${id} must look like acct_…`);
    const connected = this.accountRegistry.connect(owner, id);
    this.stateWriter?.changed();
    return connected.id;
  }

  /** The states listings read: one account's, or every account's. */
  private statesOf(account: string | undefined): EmulatorState[] {
    if (account === undefined) return this.accountRegistry.list().map((each) => each.state);
    const found = this.accountRegistry.get(account);
    if (found === undefined) throw new Error(`No such emulator account: '${account}'`);
    return [found.state];
  }

  customers(account?: string): EmulatedCustomer[] {
    return this.statesOf(account).flatMap(({ customers, deletedCustomerIds }) =>
      [...customers.values()].map((customer): EmulatedCustomer => {
        const { deleted: _never, ...copy } = structuredClone(customer);
        return deletedCustomerIds.has(customer.id) ? { ...copy, deleted: true } : copy;
      }),
    );
  }

  setupIntents(account?: string): EmulatedSetupIntent[] {
    return this.statesOf(account).flatMap((state) => [...state.setupIntents.values()].map((intent) => structuredClone(intent)));
  }

  ephemeralKeys(account?: string): EmulatedEphemeralKey[] {
    return this.statesOf(account).flatMap((state) => [...state.ephemeralKeys.values()].map((key) => structuredClone(key)));
  }

  deleteCustomer(id: string): void {
    const owner = this.accountRegistry.list().find((account) => account.state.customers.has(id));
    if (owner === undefined) throw new Error(`No such customer: '${id}'`);
    const customer = owner.state.customers.get(id)!;
    if (owner.state.deletedCustomerIds.has(id)) return;
    owner.state.deletedCustomerIds.add(id);
    this.stateWriter?.changed();
    this.publish([{ type: 'customer.deleted', object: structuredClone(customer) }], customer.livemode, null, owner);
  }

  paymentMethods(account?: string): Stripe.PaymentMethod[] {
    return this.statesOf(account).flatMap((state) => [...state.paymentMethods.values()].map((method) => structuredClone(method)));
  }

  customerSessions(account?: string): Stripe.CustomerSession[] {
    return this.statesOf(account).flatMap((state) => [...state.customerSessions.values()].map((session) => structuredClone(session)));
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
    const stripeAccount = header(req, 'stripe-account');
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
      ...(stripeAccount === undefined ? {} : { stripeAccount }),
    };
    this.log.add(record);

    const faults = this.faults.select(method, path, this.faults.size > 0 ? this.targetAccount(req, stripeAccount) : undefined);
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
    if (method !== 'GET') this.stateWriter?.changed();
  }

  /** For fault matching, before any check: the account the request names, whether or not it may. */
  private targetAccount(req: IncomingMessage, stripeAccount: string | undefined): string | undefined {
    if (stripeAccount !== undefined) return stripeAccount;
    const key = extractApiKey(req.headers.authorization);
    return key === undefined ? undefined : this.accountOf(key);
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
      const keyAccount = this.accountRegistry.ofKey(apiKey)!;
      const account = this.accountRegistry.resolve(apiKey, keyAccount, record.stripeAccount);
      record.account = account.id;
      // Only versions Stripe released; checked before the idempotency layer, so nothing is saved.
      if (record.stripeVersion !== undefined && stripeVersionStanding(record.stripeVersion) !== 'released') {
        throw invalidRequest(`Invalid Stripe API version: ${record.stripeVersion}`);
      }
      const route = matchRoute(record.method, record.path);
      if (route === undefined) throw unrecognizedUrl(record.method, record.path);
      if (publishable && !route.publishable) throw publishableKeyRefused();
      const ctx: RequestContext = {
        state: account.state,
        params: record.params,
        livemode,
        publishable,
        id: route.id,
        stripeVersionHeader: record.stripeVersion,
        accountId: account.id,
        account,
        keyAccount,
        apiKey,
        accounts: this.accountRegistry,
        events: [],
      };
      const failure = fault?.kind === 'error' ? fault : undefined; // stage 'execution'
      // Stripe ignores Idempotency-Key on GET and DELETE.
      if (record.method !== 'POST' || record.idempotencyKey === undefined) {
        return () => this.execute(route, ctx, record, failure).reply;
      }

      const key = record.idempotencyKey;
      // Keys are scoped per API key, and per connected account a platform's key acts for.
      // The key's hash, not the key: scopes are written to the state file.
      const scope = record.stripeAccount === undefined ? `${keyHash(apiKey)}\n${key}` : `${keyHash(apiKey)}\n${record.stripeAccount}\n${key}`;
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
      this.publish(ctx.events, ctx.livemode, { id: record.requestId, idempotency_key: record.idempotencyKey ?? null }, ctx.account);
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

  /**
   * Events of a request that succeeded (or of a Dashboard action: request null), to the webhook
   * endpoints. A connected account's events carry `account`, as Stripe's Connect events do.
   */
  private publish(pending: readonly PendingEvent[], livemode: boolean, request: Stripe.Event.Request | null, account: EmulatedAccount): void {
    if (!this.webhooks.active) return;
    const source: EventSource = { account: account.id, platform: account.platform };
    for (const { type, object } of pending) {
      const event = {
        id: newId('evt', 24),
        object: 'event',
        ...(account.platform === null ? {} : { account: account.id }),
        api_version: ACCOUNT_API_VERSION,
        created: unixSeconds(),
        data: { object },
        livemode,
        pending_webhooks: 1,
        request,
        type,
      } as Stripe.Event;
      this.webhooks.publish(event, source);
    }
  }
}

export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  if (options.statePath !== undefined && options.stateStore !== undefined) throw new Error('statePath or stateStore, not both');
  const stateStore = options.stateStore ?? (options.statePath === undefined ? undefined : stateFile(options.statePath));
  const saved = await stateStore?.load();
  const emulator = new EmulatorServer(options, stateStore, saved);
  await emulator.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  if (stateStore !== undefined && saved === undefined) {
    await emulator.saveState().catch(async (error: unknown) => {
      await emulator.close().catch(() => {});
      throw error;
    });
  }
  return emulator;
}
