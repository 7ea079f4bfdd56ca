import type pg from 'pg';
import { MigrationError } from './migration-error.js';

/**
 * The PostgreSQL schema, applied in order; `schema_migrations` records each by its position
 * (from 1). Append only: a migration that has shipped is never edited or reordered.
 */
const MIGRATIONS: readonly { name: string; sql: string }[] = [
  {
    name: 'customer_mappings',
    sql: `CREATE TABLE customer_mappings (
            account_scope TEXT        NOT NULL,
            user_id       TEXT        NOT NULL,
            customer_id   TEXT        NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (account_scope, user_id)
          )`,
  },
  {
    // created_at is the caller's clock in epoch milliseconds, as in SQLite: expiry compares it
    // with the caller's notBefore, so both must come from the same clock.
    name: 'idempotency_keys',
    sql: `CREATE TABLE idempotency_keys (
            account_scope   TEXT   NOT NULL,
            user_id         TEXT   NOT NULL,
            idempotency_key TEXT   NOT NULL,
            fingerprint     TEXT   NOT NULL,
            created_at      BIGINT NOT NULL,
            PRIMARY KEY (account_scope, user_id, idempotency_key)
          );
          CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)`,
  },
  {
    // One random id per database, made with it: it names this installation's customers in
    // Stripe, so gateways on separate databases never meet there. Migrations run under the
    // advisory lock, so racing instances agree on the one row.
    name: 'installation',
    sql: `CREATE TABLE installation (
            singleton  BOOLEAN     PRIMARY KEY DEFAULT true CHECK (singleton),
            id         TEXT        NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
          );
          INSERT INTO installation (id) VALUES (replace(gen_random_uuid()::text, '-', ''))`,
  },
  {
    // Which attempt a client idempotency key is on: a failed attempt's Stripe keys are not reused.
    name: 'idempotency_attempts',
    sql: `ALTER TABLE idempotency_keys ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0`,
  },
  {
    // Webhook event ids acted on (received_at: the caller's clock, epoch ms); what a
    // customer.deleted event needs: the lookup by customer, and the mappings it removed.
    name: 'webhook_events',
    sql: `CREATE TABLE webhook_events (
            event_id    TEXT   PRIMARY KEY,
            received_at BIGINT NOT NULL
          );
          CREATE INDEX webhook_events_received_at ON webhook_events (received_at);
          CREATE INDEX customer_mappings_customer_id ON customer_mappings (customer_id);
          CREATE TABLE forgotten_customers (
            account_scope TEXT   NOT NULL,
            user_id       TEXT   NOT NULL,
            customer_id   TEXT   NOT NULL,
            forgotten_at  BIGINT NOT NULL,
            PRIMARY KEY (account_scope, user_id, customer_id)
          );
          CREATE INDEX forgotten_customers_forgotten_at ON forgotten_customers (forgotten_at)`,
  },
  {
    // One customer, one user per account scope, enforced by the database so that no race (an
    // import beside a gateway, two imports) can share one. A customer that two users already
    // share keeps its earliest mapping (then the smallest user id); the later ones are set aside
    // in customer_mappings_set_aside for the operator, rather than stopping the upgrade, and
    // their users get a customer of their own on their next call.
    name: 'one_user_per_customer',
    sql: `CREATE TABLE customer_mappings_set_aside (
            account_scope TEXT        NOT NULL,
            user_id       TEXT        NOT NULL,
            customer_id   TEXT        NOT NULL,
            created_at    timestamptz NOT NULL,
            set_aside_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (account_scope, user_id)
          );
          WITH set_aside AS (
            DELETE FROM customer_mappings AS later
            WHERE EXISTS (
              SELECT 1 FROM customer_mappings AS earlier
              WHERE earlier.account_scope = later.account_scope AND earlier.customer_id = later.customer_id
                AND (earlier.created_at, earlier.user_id) < (later.created_at, later.user_id)
            )
            RETURNING account_scope, user_id, customer_id, created_at
          )
          INSERT INTO customer_mappings_set_aside (account_scope, user_id, customer_id, created_at)
          SELECT account_scope, user_id, customer_id, created_at FROM set_aside;
          DROP INDEX IF EXISTS customer_mappings_customer_id;
          CREATE UNIQUE INDEX customer_mappings_customer ON customer_mappings (customer_id, account_scope)`,
  },
];

/** The version a database must be at to be served: every migration recorded in schema_migrations. */
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Applies what is missing in one transaction under a transaction-scoped advisory lock, so
 * instances starting together queue up and each migration runs once; all of it or none.
 * Failing to connect throws what the driver said; anything the database refuses after that is a
 * MigrationError naming the step.
 */
export async function migratePostgres(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  let step: string | undefined;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('stripe-setup-gateway:schema_migrations'))`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version    INTEGER     PRIMARY KEY,
         name       TEXT        NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    for (const [index, migration] of MIGRATIONS.entries()) {
      const version = index + 1;
      if (applied.has(version)) continue;
      step = `migration ${version} (${migration.name})`;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, migration.name]);
    }
    step = undefined;
    await client.query('COMMIT');
    client.release();
  } catch (error) {
    // Destroying the connection rolls the transaction back and frees the lock, even when the
    // failure was the connection itself.
    client.release(true);
    throw new MigrationError(step, error);
  }
}
