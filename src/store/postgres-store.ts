import pg from 'pg';
import {
  CustomerTakenError,
  importOutcome,
  type ClaimedIdempotencyKey,
  type CustomerMapping,
  type CustomerStore,
  type ImportResult,
} from './customer-store.js';
import type { StoreGuard } from './guarded-store.js';
import { migratePostgres, POSTGRES_SCHEMA_VERSION } from './migrations/postgres.js';
import { StoreUnavailableError } from '../core/store-unavailable.js';
import { describeError, StartupError } from '../core/startup-error.js';
import { MigrationError } from './migrations/migration-error.js';

export interface PostgresStoreOptions {
  /** Most connections this instance holds. */
  poolSize: number;
  /**
   * The most one statement may take, waiting for a lock or a pooled connection included
   * (statement_timeout, lock_timeout, and pg's own timeouts for a server that does not answer).
   */
  timeoutMs: number;
  /** A pooled connection failed while idle (server restart, dropped socket); the pool has already discarded it. */
  onIdleError?: (error: Error) => void;
}

const FIND_MAPPING = prepared('find-mapping', 'SELECT customer_id FROM customer_mappings WHERE account_scope = $1 AND user_id = $2');
// Either uniqueness rule (the user's one customer, the customer's one user) leaves the row out.
const INSERT_MAPPING = prepared('insert-mapping', `
  INSERT INTO customer_mappings (account_scope, user_id, customer_id) VALUES ($1, $2, $3)
  ON CONFLICT DO NOTHING
  RETURNING customer_id`);
const COUNT_SET_ASIDE = prepared('count-set-aside', 'SELECT count(*)::int AS count FROM customer_mappings_set_aside');
const FIND_OWNERS = prepared('find-owners', `
  SELECT customer_id, user_id FROM customer_mappings WHERE account_scope = $1 AND customer_id = ANY($2::text[])`);
const FIND_MAPPINGS = prepared('find-mappings', `
  SELECT user_id, customer_id FROM customer_mappings WHERE account_scope = $1 AND user_id = ANY($2::text[])`);
// In the rows' order, so of two rows for one user the first is the one written.
const IMPORT_MAPPINGS = prepared('import-mappings', `
  INSERT INTO customer_mappings (account_scope, user_id, customer_id)
  SELECT $1, row.user_id, row.customer_id
  FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS row (user_id, customer_id, position)
  ORDER BY row.position
  ON CONFLICT DO NOTHING
  RETURNING user_id, customer_id`);
const SWAP_MAPPING = prepared('swap-mapping', `
  UPDATE customer_mappings SET customer_id = $4
  WHERE account_scope = $1 AND user_id = $2 AND customer_id = $3
  RETURNING customer_id`);
const UPSERT_KEY = prepared('upsert-key', `
  INSERT INTO idempotency_keys (account_scope, user_id, idempotency_key, fingerprint, created_at)
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (account_scope, user_id, idempotency_key) DO UPDATE
    SET fingerprint = excluded.fingerprint, created_at = excluded.created_at, attempt = 0
    WHERE idempotency_keys.created_at < $6
  RETURNING fingerprint, attempt`);
const FIND_KEY = prepared('find-key', 'SELECT fingerprint, attempt FROM idempotency_keys WHERE account_scope = $1 AND user_id = $2 AND idempotency_key = $3');
const ADVANCE_KEY = prepared('advance-key', `
  UPDATE idempotency_keys SET attempt = attempt + 1
  WHERE account_scope = $1 AND user_id = $2 AND idempotency_key = $3 AND attempt = $4
  RETURNING attempt`);
const INSTALLATION = prepared('installation', 'SELECT id FROM installation');
const SCHEMA_VERSION = prepared('schema-version', 'SELECT coalesce(max(version), 0)::int AS version FROM schema_migrations');
const PURGE_KEYS = prepared('purge-keys', 'DELETE FROM idempotency_keys WHERE created_at < $1');
/** One statement: the mappings go and are remembered as forgotten together. */
const FORGET_CUSTOMER = prepared('forget-customer', `
  WITH removed AS (DELETE FROM customer_mappings WHERE customer_id = $1 RETURNING account_scope, user_id)
  INSERT INTO forgotten_customers (account_scope, user_id, customer_id, forgotten_at)
  SELECT account_scope, user_id, $1, $2 FROM removed
  ON CONFLICT (account_scope, user_id, customer_id) DO UPDATE SET forgotten_at = excluded.forgotten_at`);
const FIND_FORGOTTEN = prepared('find-forgotten', `
  SELECT customer_id FROM forgotten_customers WHERE account_scope = $1 AND user_id = $2 AND forgotten_at >= $3
  ORDER BY forgotten_at DESC LIMIT 1`);
const PURGE_FORGOTTEN = prepared('purge-forgotten', 'DELETE FROM forgotten_customers WHERE forgotten_at < $1');
const INSERT_EVENT = prepared('insert-event', `
  INSERT INTO webhook_events (event_id, received_at) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING`);
const DELETE_EVENT = prepared('delete-event', 'DELETE FROM webhook_events WHERE event_id = $1');
const PURGE_EVENTS = prepared('purge-events', 'DELETE FROM webhook_events WHERE received_at < $1');

/** Named: each pooled connection prepares the statement once and reuses the plan. */
function prepared(name: string, text: string) {
  return (values: unknown[]): pg.QueryConfig => ({ name, text, values });
}

/** Where a connection string points (user, host, port, database), without its password or parameters. */
function withoutCredentials(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.protocol}//${url.username ? `${url.username}@` : ''}${url.host}${url.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/** pg's client-side timeout trails the server's statement_timeout, which names what timed out. */
const QUERY_TIMEOUT_MARGIN_MS = 1_000;

/**
 * Claims that meet a row deleted between their two statements (a concurrent purge, or a
 * customer.deleted event) try again.
 */
const KEY_CLAIM_ATTEMPTS = 3;

/** PostgreSQL through a `pg` pool; every write is one statement that settles races itself. */
export class PostgresCustomerStore implements CustomerStore {
  /** Connects, migrates (see `migratePostgres`), and only then hands out the store. */
  static async open(connectionString: string, options: PostgresStoreOptions): Promise<PostgresCustomerStore> {
    // Migrations get a connection of their own without the serving timeouts: a migration may
    // wait for another instance's, or rewrite a large table, for longer than one call may take.
    const migrator = new pg.Pool({ connectionString, max: 1, connectionTimeoutMillis: 10_000 });
    migrator.on('error', options.onIdleError ?? (() => {}));
    try {
      await migratePostgres(migrator);
    } catch (error) {
      if (error instanceof MigrationError) throw error;
      throw new StartupError(`cannot connect to the database at ${withoutCredentials(connectionString)}: ${describeError(error)}`, {
        cause: error,
      });
    } finally {
      await migrator.end();
    }
    const { timeoutMs } = options;
    const pool = new pg.Pool({
      connectionString,
      max: options.poolSize,
      connectionTimeoutMillis: timeoutMs,
      statement_timeout: timeoutMs,
      lock_timeout: timeoutMs,
      // A server that stops answering (frozen, a dead network path) never cancels anything itself.
      query_timeout: timeoutMs + QUERY_TIMEOUT_MARGIN_MS,
    });
    // Without a listener an idle client's error is an unhandled 'error' event and ends the process.
    pool.on('error', options.onIdleError ?? (() => {}));
    return new PostgresCustomerStore(pool);
  }

  private constructor(private readonly pool: pg.Pool) {}

  async installationId(): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(INSTALLATION([]));
    if (!rows[0]) throw new Error('the database has no installation id; it was not migrated');
    return rows[0].id;
  }

  async findCustomer(accountScope: string, userId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ customer_id: string }>(FIND_MAPPING([accountScope, userId]));
    return rows[0]?.customer_id;
  }

  async findCustomers(accountScope: string, userIds: readonly string[]): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ user_id: string; customer_id: string }>(
      FIND_MAPPINGS([accountScope, userIds]),
    );
    return new Map(rows.map((row) => [row.user_id, row.customer_id]));
  }

  /**
   * One INSERT statement (so the batch is one transaction), then, for the rows it did not write,
   * a read in a statement of its own: its snapshot sees mappings a racing writer committed.
   */
  async importCustomers(accountScope: string, mappings: readonly CustomerMapping[]): Promise<ImportResult[]> {
    if (mappings.length === 0) return [];
    const written = await this.pool.query<{ user_id: string; customer_id: string }>(
      IMPORT_MAPPINGS([accountScope, mappings.map((row) => row.userId), mappings.map((row) => row.customerId)]),
    );
    const inserted = new Map(written.rows.map((row) => [row.user_id, row.customer_id]));
    const unwritten = mappings.filter((row) => !inserted.has(row.userId));
    const stored = unwritten.length === 0 ? new Map<string, string>() : await this.findCustomers(accountScope, unwritten.map((row) => row.userId));
    const refused = unwritten.filter((row) => !stored.has(row.userId)).map((row) => row.customerId);
    const owners = refused.length === 0 ? new Map<string, string>() : await this.findCustomerOwners(accountScope, refused);
    const claimed = new Set<string>();
    return mappings.map((row): ImportResult => {
      const insertedCustomer = inserted.get(row.userId);
      // The first row of a user the INSERT wrote is the imported one; later rows meet it.
      if (insertedCustomer === row.customerId && !claimed.has(row.userId)) {
        claimed.add(row.userId);
        return importOutcome(row, undefined);
      }
      const customer = insertedCustomer ?? stored.get(row.userId);
      if (customer !== undefined) return importOutcome(row, customer);
      // Not written, and the user has no customer: the row's customer is another user's.
      const owner = owners.get(row.customerId);
      if (owner === undefined) throw new Error('customer mapping vanished right after it was written');
      return { outcome: 'taken', ownerUserId: owner };
    });
  }

  async countSetAsideMappings(): Promise<number> {
    const { rows } = await this.pool.query<{ count: number }>(COUNT_SET_ASIDE([]));
    return rows[0]?.count ?? 0;
  }

  async findCustomerOwners(accountScope: string, customerIds: readonly string[]): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ customer_id: string; user_id: string }>(FIND_OWNERS([accountScope, customerIds]));
    return new Map(rows.map((row) => [row.customer_id, row.user_id]));
  }

  async claimCustomer(accountScope: string, userId: string, customerId: string): Promise<string> {
    for (let attempt = 1; attempt <= KEY_CLAIM_ATTEMPTS; attempt++) {
      const inserted = await this.pool.query<{ customer_id: string }>(INSERT_MAPPING([accountScope, userId, customerId]));
      // Read back in a statement of its own: its snapshot sees the row of a racing winner,
      // which the insert's snapshot may not. Nothing there: another user has the customer, or a
      // customer.deleted event removed the winner in between; claim again.
      const stored = inserted.rows[0]?.customer_id ?? (await this.findCustomer(accountScope, userId));
      if (stored !== undefined) return stored;
      if ((await this.findCustomerOwners(accountScope, [customerId])).size > 0) throw new CustomerTakenError(customerId);
    }
    throw new Error(`customer mapping was deleted ${KEY_CLAIM_ATTEMPTS} times while being claimed`);
  }

  async replaceCustomer(
    accountScope: string,
    userId: string,
    staleCustomerId: string,
    customerId: string,
  ): Promise<string> {
    let swapped;
    try {
      swapped = await this.pool.query<{ customer_id: string }>(SWAP_MAPPING([accountScope, userId, staleCustomerId, customerId]));
    } catch (error) {
      // The update changes no key of the user's own: the unique rule it broke is the customer's.
      if (codeOf(error) === '23505') throw new CustomerTakenError(customerId);
      throw error;
    }
    return swapped.rows[0]?.customer_id ?? this.claimCustomer(accountScope, userId, customerId);
  }

  async claimIdempotencyKey(
    accountScope: string,
    userId: string,
    key: string,
    fingerprint: string,
    now: Date,
    notBefore: Date,
  ): Promise<ClaimedIdempotencyKey> {
    const upsert = [accountScope, userId, key, fingerprint, now.getTime(), notBefore.getTime()];
    for (let attempt = 1; attempt <= KEY_CLAIM_ATTEMPTS; attempt++) {
      // Nothing returned: a live record stands (the upsert's WHERE refused); read it back in a
      // statement of its own, as in claimCustomer.
      const written = await this.pool.query<ClaimedIdempotencyKey>(UPSERT_KEY(upsert));
      const stored = written.rows[0] ?? (await this.findKey(accountScope, userId, key));
      if (stored) return { fingerprint: stored.fingerprint, attempt: stored.attempt };
    }
    throw new Error(`idempotency record was purged ${KEY_CLAIM_ATTEMPTS} times while being claimed`);
  }

  async advanceIdempotencyAttempt(accountScope: string, userId: string, key: string, from: number): Promise<number | undefined> {
    const advanced = await this.pool.query<{ attempt: number }>(ADVANCE_KEY([accountScope, userId, key, from]));
    return advanced.rows[0]?.attempt ?? (await this.findKey(accountScope, userId, key))?.attempt;
  }

  async purgeIdempotencyKeys(before: Date): Promise<number> {
    const { rowCount } = await this.pool.query(PURGE_KEYS([before.getTime()]));
    return rowCount ?? 0;
  }

  async forgetCustomer(customerId: string, now: Date): Promise<number> {
    return (await this.pool.query(FORGET_CUSTOMER([customerId, now.getTime()]))).rowCount ?? 0;
  }

  async findForgottenCustomer(accountScope: string, userId: string, notBefore: Date): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ customer_id: string }>(FIND_FORGOTTEN([accountScope, userId, notBefore.getTime()]));
    return rows[0]?.customer_id;
  }

  async purgeForgottenCustomers(before: Date): Promise<number> {
    return (await this.pool.query(PURGE_FORGOTTEN([before.getTime()]))).rowCount ?? 0;
  }

  async claimWebhookEvent(eventId: string, now: Date): Promise<boolean> {
    return (await this.pool.query(INSERT_EVENT([eventId, now.getTime()]))).rowCount === 1;
  }

  async releaseWebhookEvent(eventId: string): Promise<void> {
    await this.pool.query(DELETE_EVENT([eventId]));
  }

  async purgeWebhookEvents(before: Date): Promise<number> {
    return (await this.pool.query(PURGE_EVENTS([before.getTime()]))).rowCount ?? 0;
  }

  /** Reachable and migrated: a database recreated empty under a running gateway cannot serve. */
  async ping(): Promise<void> {
    const { rows } = await this.pool.query<{ version: number }>(SCHEMA_VERSION([]));
    const version = rows[0]?.version ?? 0;
    if (version < POSTGRES_SCHEMA_VERSION) {
      throw new StoreUnavailableError({ cause: new Error(`schema at version ${version}, expected ${POSTGRES_SCHEMA_VERSION}`) });
    }
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  private async findKey(accountScope: string, userId: string, key: string) {
    return (await this.pool.query<ClaimedIdempotencyKey>(FIND_KEY([accountScope, userId, key]))).rows[0];
  }
}

/**
 * PostgreSQL's failures that say the database cannot serve now, not that the call was wrong:
 * SQLSTATE classes 08 (connection), 53 (resources), 57 (timeouts, shutdowns), 55P03 (lock
 * timeout), 3D000/3F000/42P01 (the database, schema or a table is missing: not migrated),
 * 25006 (a read-only standby), the network's errors and pg's own timeouts. Deadlocks and
 * serialization failures are tried again.
 */
export function postgresGuard(timeoutMs: number): StoreGuard {
  return {
    timeoutMs,
    isBusy: (error) => ['40001', '40P01'].includes(codeOf(error) ?? ''),
    isUnavailable: (error) => {
      const code = codeOf(error);
      if (code !== undefined) {
        return /^(08|53|57)/.test(code) || UNAVAILABLE_STATES.includes(code) || NETWORK_ERRORS.includes(code);
      }
      return error instanceof Error && PG_CLIENT_FAILURES.some((pattern) => pattern.test(error.message));
    },
  };
}

const UNAVAILABLE_STATES = ['55P03', '3D000', '3F000', '42P01', '25006'];
const NETWORK_ERRORS = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];
/** pg raises these as plain Errors without a code. */
const PG_CLIENT_FAILURES = [
  /^Query read timeout$/,
  /^timeout exceeded when trying to connect$/,
  /^Connection terminated/,
  /not queryable/,
  /^Cannot use a pool after calling end/,
];

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
