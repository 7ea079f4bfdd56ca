import type Database from 'better-sqlite3';
import { MigrationError } from './migration-error.js';

/**
 * The SQLite schema, applied in order; `PRAGMA user_version` records how many ran.
 * Append only: a migration that has shipped is never edited or reordered.
 */
const MIGRATIONS = [
  `CREATE TABLE customer_mappings (
     account_scope TEXT NOT NULL,
     user_id       TEXT NOT NULL,
     customer_id   TEXT NOT NULL,
     created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
     PRIMARY KEY (account_scope, user_id)
   ) WITHOUT ROWID`,
  // created_at is the caller's clock in epoch milliseconds: expiry compares it with the
  // caller's notBefore, so both must come from the same clock.
  `CREATE TABLE idempotency_keys (
     account_scope   TEXT    NOT NULL,
     user_id         TEXT    NOT NULL,
     idempotency_key TEXT    NOT NULL,
     fingerprint     TEXT    NOT NULL,
     created_at      INTEGER NOT NULL,
     PRIMARY KEY (account_scope, user_id, idempotency_key)
   ) WITHOUT ROWID;
   CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)`,
  // One random id per database, made with it: it names this installation's customers in Stripe,
  // so gateways on separate databases never meet there. Migrations run under the write lock,
  // so racing instances agree on the one row.
  `CREATE TABLE installation (
     singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
     id         TEXT    NOT NULL,
     created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
   );
   INSERT INTO installation (singleton, id) VALUES (1, lower(hex(randomblob(16))))`,
  // Which attempt a client idempotency key is on: a failed attempt's Stripe keys are not reused.
  `ALTER TABLE idempotency_keys ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0`,
  // Webhook event ids acted on (received_at: the caller's clock, epoch ms); what a
  // customer.deleted event needs: the lookup by customer, and the mappings it removed.
  `CREATE TABLE webhook_events (
     event_id    TEXT    NOT NULL PRIMARY KEY,
     received_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX webhook_events_received_at ON webhook_events (received_at);
   CREATE INDEX customer_mappings_customer_id ON customer_mappings (customer_id);
   CREATE TABLE forgotten_customers (
     account_scope TEXT    NOT NULL,
     user_id       TEXT    NOT NULL,
     customer_id   TEXT    NOT NULL,
     forgotten_at  INTEGER NOT NULL,
     PRIMARY KEY (account_scope, user_id, customer_id)
   ) WITHOUT ROWID;
   CREATE INDEX forgotten_customers_forgotten_at ON forgotten_customers (forgotten_at)`,
  // One customer, one user per account scope, enforced by the database so that no race (an
  // import beside a gateway, two imports) can share one. A customer that two users already
  // share keeps its earliest mapping (then the smallest user id); the later ones are set aside
  // in customer_mappings_set_aside for the operator, rather than stopping the upgrade, and
  // their users get a customer of their own on their next call.
  `CREATE TABLE customer_mappings_set_aside (
     account_scope TEXT NOT NULL,
     user_id       TEXT NOT NULL,
     customer_id   TEXT NOT NULL,
     created_at    TEXT NOT NULL,
     set_aside_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
     PRIMARY KEY (account_scope, user_id)
   ) WITHOUT ROWID;
   INSERT INTO customer_mappings_set_aside (account_scope, user_id, customer_id, created_at)
     SELECT later.account_scope, later.user_id, later.customer_id, later.created_at
     FROM customer_mappings AS later
     WHERE EXISTS (
       SELECT 1 FROM customer_mappings AS earlier
       WHERE earlier.account_scope = later.account_scope AND earlier.customer_id = later.customer_id
         AND (earlier.created_at < later.created_at OR (earlier.created_at = later.created_at AND earlier.user_id < later.user_id))
     );
   DELETE FROM customer_mappings
     WHERE (account_scope, user_id) IN (SELECT account_scope, user_id FROM customer_mappings_set_aside);
   DROP INDEX IF EXISTS customer_mappings_customer_id;
   CREATE UNIQUE INDEX customer_mappings_customer ON customer_mappings (customer_id, account_scope)`,
];

/** The version a file must be at to be served: `PRAGMA user_version` at least this. */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

/** Applies what is missing in one transaction; a step the database refuses is a MigrationError naming it. */
export function migrateSqlite(db: Database.Database): void {
  let step: string | undefined;
  try {
    // IMMEDIATE takes the write lock before reading the version, so instances opening one file
    // together apply each migration once (the others wait on busy_timeout, then see it done).
    db.transaction(() => {
      const applied = db.pragma('user_version', { simple: true }) as number;
      // A database already migrated by a newer build is left as it is (rolling deploys).
      if (applied >= MIGRATIONS.length) return;
      for (const [index, sql] of MIGRATIONS.entries()) {
        if (index < applied) continue;
        step = `migration ${index + 1}`;
        db.exec(sql);
      }
      step = undefined;
      db.pragma(`user_version = ${MIGRATIONS.length}`);
    }).immediate();
  } catch (error) {
    throw new MigrationError(step, error);
  }
}
