import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  CustomerTakenError,
  importOutcome,
  type ClaimedIdempotencyKey,
  type CustomerMapping,
  type CustomerStore,
  type ImportResult,
} from './customer-store.js';
import type { StoreGuard } from './guarded-store.js';
import { migrateSqlite, SQLITE_SCHEMA_VERSION } from './migrations/sqlite.js';
import { StoreUnavailableError } from '../core/store-unavailable.js';
import { describeError, StartupError } from '../core/startup-error.js';

interface KeyClaim {
  accountScope: string;
  userId: string;
  key: string;
  fingerprint: string;
  createdAt: number;
  notBefore: number;
}

/**
 * The file at `path` (its folder made if missing), set up for serving. What stops it (a folder
 * that cannot be made, a file that is not a database) is a StartupError naming the path.
 */
function openDatabaseFile(path: string): Database.Database {
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    const { code, path: blocking } = error as NodeJS.ErrnoException;
    // Node says EEXIST ("file already exists, mkdir") when a file stands where a folder must be.
    const reason = (code === 'EEXIST' || code === 'ENOTDIR') && blocking ? `${blocking} is a file, not a folder` : describeError(error);
    throw new StartupError(`cannot create the SQLite database at ${path}: ${reason}`, { cause: error });
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    // Before anything that may wait on another connection (switching to WAL, migrating).
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // better-sqlite3 builds SQLite with a 16 MB page cache, which a growing store fills and keeps
    // (RSS). Lookups by primary key need the B-tree's interior pages, about 1 MB at 1,000,000
    // users: 4 MB holds them, and the leaves come from the OS's cache.
    db.pragma('cache_size = -4000');
    return db;
  } catch (error) {
    db?.close();
    throw new StartupError(`cannot open the SQLite database at ${path}: ${describeError(error)}`, { cause: error });
  }
}

/** The embedded store: one connection, statements prepared once; calls run synchronously. */
export class SqliteCustomerStore implements CustomerStore {
  private readonly db: Database.Database;
  private readonly findMapping: Database.Statement<[string, string], { customer_id: string }>;
  private readonly insertMapping: Database.Statement<[string, string, string], { customer_id: string }>;
  private readonly findOwner: Database.Statement<[string, string], { user_id: string }>;
  private readonly countSetAside: Database.Statement<[], { count: number }>;
  private readonly swapMapping: Database.Statement<[string, string, string, string], { customer_id: string }>;
  private readonly upsertKey: Database.Statement<KeyClaim, ClaimedIdempotencyKey>;
  private readonly findKey: Database.Statement<[string, string, string], ClaimedIdempotencyKey>;
  private readonly advanceKey: Database.Statement<[string, string, string, number], { attempt: number }>;
  private readonly purgeKeys: Database.Statement<[number]>;
  private readonly deleteMappingsTo: Database.Statement<[string], { account_scope: string; user_id: string }>;
  private readonly insertForgotten: Database.Statement<[string, string, string, number]>;
  private readonly findForgotten: Database.Statement<[string, string, number], { customer_id: string }>;
  private readonly purgeForgotten: Database.Statement<[number]>;
  private readonly forget: (customerId: string, now: number) => number;
  private readonly insertEvent: Database.Statement<[string, number]>;
  private readonly deleteEvent: Database.Statement<[string]>;
  private readonly purgeEvents: Database.Statement<[number]>;
  private readonly selectOne: Database.Statement<[]>;
  private readonly schemaVersion: Database.Statement<[], { user_version: number }>;
  private readonly selectInstallation: Database.Statement<[], { id: string }>;
  private readonly claimKey: (claim: KeyClaim) => ClaimedIdempotencyKey;
  private readonly claimMapping: (accountScope: string, userId: string, customerId: string) => string;
  private readonly importBatch: (accountScope: string, mappings: readonly CustomerMapping[]) => ImportResult[];
  private readonly swap: (accountScope: string, userId: string, staleCustomerId: string, customerId: string) => string | undefined;

  constructor(path: string) {
    this.db = openDatabaseFile(path);
    try {
      migrateSqlite(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    // From here on a lock held by another process answers SQLITE_BUSY at once: better-sqlite3
    // would wait out busy_timeout synchronously, freezing the event loop (every request, /health
    // too). guardStore waits for it with timers instead (sqliteGuard below).
    this.db.pragma('busy_timeout = 0');

    this.findMapping = this.db.prepare(
      'SELECT customer_id FROM customer_mappings WHERE account_scope = ? AND user_id = ?',
    );
    // Either uniqueness rule (the user's one customer, the customer's one user) leaves the row out.
    this.insertMapping = this.db.prepare(
      `INSERT INTO customer_mappings (account_scope, user_id, customer_id) VALUES (?, ?, ?)
       ON CONFLICT DO NOTHING
       RETURNING customer_id`,
    );
    this.findOwner = this.db.prepare('SELECT user_id FROM customer_mappings WHERE account_scope = ? AND customer_id = ?');
    this.countSetAside = this.db.prepare('SELECT count(*) AS count FROM customer_mappings_set_aside');
    this.swapMapping = this.db.prepare(
      `UPDATE customer_mappings SET customer_id = ?
       WHERE account_scope = ? AND user_id = ? AND customer_id = ?
       RETURNING customer_id`,
    );
    this.upsertKey = this.db.prepare(
      `INSERT INTO idempotency_keys (account_scope, user_id, idempotency_key, fingerprint, created_at)
       VALUES (@accountScope, @userId, @key, @fingerprint, @createdAt)
       ON CONFLICT (account_scope, user_id, idempotency_key) DO UPDATE
         SET fingerprint = excluded.fingerprint, created_at = excluded.created_at, attempt = 0
         WHERE idempotency_keys.created_at < @notBefore
       RETURNING fingerprint, attempt`,
    );
    this.findKey = this.db.prepare(
      'SELECT fingerprint, attempt FROM idempotency_keys WHERE account_scope = ? AND user_id = ? AND idempotency_key = ?',
    );
    this.advanceKey = this.db.prepare(
      `UPDATE idempotency_keys SET attempt = attempt + 1
       WHERE account_scope = ? AND user_id = ? AND idempotency_key = ? AND attempt = ?
       RETURNING attempt`,
    );
    this.purgeKeys = this.db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?');
    this.deleteMappingsTo = this.db.prepare(
      'DELETE FROM customer_mappings WHERE customer_id = ? RETURNING account_scope, user_id',
    );
    this.insertForgotten = this.db.prepare(
      `INSERT INTO forgotten_customers (account_scope, user_id, customer_id, forgotten_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (account_scope, user_id, customer_id) DO UPDATE SET forgotten_at = excluded.forgotten_at`,
    );
    this.findForgotten = this.db.prepare(
      `SELECT customer_id FROM forgotten_customers WHERE account_scope = ? AND user_id = ? AND forgotten_at >= ?
       ORDER BY forgotten_at DESC LIMIT 1`,
    );
    this.purgeForgotten = this.db.prepare('DELETE FROM forgotten_customers WHERE forgotten_at < ?');
    this.forget = this.db.transaction((customerId: string, now: number) => {
      const removed = this.deleteMappingsTo.all(customerId);
      for (const { account_scope, user_id } of removed) this.insertForgotten.run(account_scope, user_id, customerId, now);
      return removed.length;
    });
    this.insertEvent = this.db.prepare(
      'INSERT INTO webhook_events (event_id, received_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING',
    );
    this.deleteEvent = this.db.prepare('DELETE FROM webhook_events WHERE event_id = ?');
    this.purgeEvents = this.db.prepare('DELETE FROM webhook_events WHERE received_at < ?');
    this.selectOne = this.db.prepare('SELECT 1');
    this.schemaVersion = this.db.prepare('PRAGMA user_version');
    this.selectInstallation = this.db.prepare('SELECT id FROM installation');
    // One transaction, so another process cannot delete the mapping (a customer.deleted event)
    // between the write and the read.
    this.claimMapping = this.db.transaction((accountScope: string, userId: string, customerId: string) => {
      const stored =
        this.insertMapping.get(accountScope, userId, customerId) ?? this.findMapping.get(accountScope, userId);
      if (stored) return stored.customer_id;
      if (this.findOwner.get(accountScope, customerId)) throw new CustomerTakenError(customerId);
      throw new Error('customer mapping vanished inside its own transaction');
    });
    this.swap = (accountScope, userId, staleCustomerId, customerId) => {
      try {
        return this.swapMapping.get(customerId, accountScope, userId, staleCustomerId)?.customer_id;
      } catch (error) {
        // The update changes no key of the user's own: the unique rule it broke is the customer's.
        if (sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE') throw new CustomerTakenError(customerId);
        throw error;
      }
    };
    // One transaction, so another process cannot purge the record between the write and the read.
    this.claimKey = this.db.transaction((claim: KeyClaim) => {
      const stored =
        this.upsertKey.get(claim) ?? this.findKey.get(claim.accountScope, claim.userId, claim.key);
      if (!stored) throw new Error('idempotency record vanished inside its own transaction');
      return { fingerprint: stored.fingerprint, attempt: stored.attempt };
    });
    const importBatch = this.db.transaction((accountScope: string, mappings: readonly CustomerMapping[]) =>
      mappings.map((row): ImportResult => {
        if (this.insertMapping.get(accountScope, row.userId, row.customerId)) return importOutcome(row, undefined);
        const stored = this.findMapping.get(accountScope, row.userId)?.customer_id;
        if (stored !== undefined) return importOutcome(row, stored);
        const owner = this.findOwner.get(accountScope, row.customerId);
        if (!owner) throw new Error('an import row was neither written nor refused');
        return { outcome: 'taken', ownerUserId: owner.user_id };
      }),
    );
    // IMMEDIATE: the write lock is taken before the first read, so no other process writes in between.
    this.importBatch = (accountScope, mappings) => importBatch.immediate(accountScope, mappings);
  }

  async installationId(): Promise<string> {
    const row = this.selectInstallation.get();
    if (!row) throw new Error('the database has no installation id; it was not migrated');
    return row.id;
  }

  async findCustomer(accountScope: string, userId: string): Promise<string | undefined> {
    return this.findMapping.get(accountScope, userId)?.customer_id;
  }

  async findCustomers(accountScope: string, userIds: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const userId of userIds) {
      const stored = this.findMapping.get(accountScope, userId);
      if (stored) found.set(userId, stored.customer_id);
    }
    return found;
  }

  async importCustomers(accountScope: string, mappings: readonly CustomerMapping[]): Promise<ImportResult[]> {
    return this.importBatch(accountScope, mappings);
  }

  async countSetAsideMappings(): Promise<number> {
    return this.countSetAside.get()?.count ?? 0;
  }

  async findCustomerOwners(accountScope: string, customerIds: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const customerId of customerIds) {
      const owner = this.findOwner.get(accountScope, customerId);
      if (owner) found.set(customerId, owner.user_id);
    }
    return found;
  }

  async claimCustomer(accountScope: string, userId: string, customerId: string): Promise<string> {
    return this.claimMapping(accountScope, userId, customerId);
  }

  async replaceCustomer(
    accountScope: string,
    userId: string,
    staleCustomerId: string,
    customerId: string,
  ): Promise<string> {
    return this.swap(accountScope, userId, staleCustomerId, customerId) ?? this.claimCustomer(accountScope, userId, customerId);
  }

  async claimIdempotencyKey(
    accountScope: string,
    userId: string,
    key: string,
    fingerprint: string,
    now: Date,
    notBefore: Date,
  ): Promise<ClaimedIdempotencyKey> {
    return this.claimKey({
      accountScope,
      userId,
      key,
      fingerprint,
      createdAt: now.getTime(),
      notBefore: notBefore.getTime(),
    });
  }

  async advanceIdempotencyAttempt(accountScope: string, userId: string, key: string, from: number): Promise<number | undefined> {
    return (
      this.advanceKey.get(accountScope, userId, key, from)?.attempt ?? this.findKey.get(accountScope, userId, key)?.attempt
    );
  }

  async purgeIdempotencyKeys(before: Date): Promise<number> {
    return this.purgeKeys.run(before.getTime()).changes;
  }

  async forgetCustomer(customerId: string, now: Date): Promise<number> {
    return this.forget(customerId, now.getTime());
  }

  async findForgottenCustomer(accountScope: string, userId: string, notBefore: Date): Promise<string | undefined> {
    return this.findForgotten.get(accountScope, userId, notBefore.getTime())?.customer_id;
  }

  async purgeForgottenCustomers(before: Date): Promise<number> {
    return this.purgeForgotten.run(before.getTime()).changes;
  }

  async claimWebhookEvent(eventId: string, now: Date): Promise<boolean> {
    return this.insertEvent.run(eventId, now.getTime()).changes === 1;
  }

  async releaseWebhookEvent(eventId: string): Promise<void> {
    this.deleteEvent.run(eventId);
  }

  async purgeWebhookEvents(before: Date): Promise<number> {
    return this.purgeEvents.run(before.getTime()).changes;
  }

  async ping(): Promise<void> {
    const version = this.schemaVersion.get()?.user_version ?? 0;
    if (version < SQLITE_SCHEMA_VERSION) {
      throw new StoreUnavailableError({ cause: new Error(`schema at version ${version}, expected ${SQLITE_SCHEMA_VERSION}`) });
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** SQLite's failures: another connection's lock is waited for; a file that cannot serve is an outage. */
export function sqliteGuard(timeoutMs: number): StoreGuard {
  return {
    timeoutMs,
    isBusy: (error) => sqliteCode(error)?.startsWith('SQLITE_BUSY') === true,
    isUnavailable: (error) => {
      const code = sqliteCode(error);
      if (code === undefined) return false;
      // A table missing under a running gateway (the file replaced or emptied): not migrated.
      if (code === 'SQLITE_ERROR') return /^no such table/.test((error as Error).message);
      return UNAVAILABLE_CODES.some((prefix) => code.startsWith(prefix));
    },
  };
}

const UNAVAILABLE_CODES = ['SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_LOCKED'];

function sqliteCode(error: unknown): string | undefined {
  return error instanceof Database.SqliteError ? error.code : undefined;
}
