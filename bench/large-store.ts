import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../src/store/open-store.js';

/** The stored users of a large store are `stored_0` … `stored_{n-1}`; their tokens are ./tokens.ts's. */
export const storedUserId = (i: number) => `stored_${i}`;

/** Customers made in the emulator for a large store: one each for the users the load calls. */
export const LARGE_STORE_CUSTOMERS = 64;

/**
 * The users the load calls: `LARGE_STORE_CUSTOMERS` of them, spread evenly over the whole store
 * (its index is walked from top to bottom as for any user). A customer belongs to one user, so
 * only these can have customers that exist in the emulator; every other user has one of its own
 * that no call touches.
 */
export function calledStoredUserId(users: number): (i: number) => string {
  const stride = Math.max(1, Math.floor(users / LARGE_STORE_CUSTOMERS));
  return (i) => storedUserId(i * stride);
}

/** Rows per importCustomers batch: one transaction (SQLite) or one INSERT … unnest statement (PostgreSQL) each. */
const IMPORT_BATCH = 20_000;

export type LargeStoreKind = 'sqlite' | 'postgres';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A database of its own for one large-store gateway: a fresh SQLite file, or a scratch PostgreSQL database. */
export async function scratchDatabase(kind: LargeStoreKind, postgresUrl: string | undefined): Promise<ScratchDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bench-large-store-'));
    return { url: `sqlite:${join(dir, 'gateway.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (!postgresUrl) throw new Error('a PostgreSQL large store needs BENCH_DATABASE_URL or TEST_DATABASE_URL');
  const name = `gateway_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * Fills a fresh database the way an installation that has served a million shoppers looks:
 * `users` customer mappings, written through the store's own batch import (importCustomers, as
 * `npm run import-customers` writes them): the called users (calledStoredUserId) to `customerIds`
 * (customers that exist in the emulator), every other user to a customer id of its own, and as many live idempotency records, one per user, written with
 * one INSERT … SELECT (the store has no bulk write for those). Answers the seconds each took.
 */
export async function seedLargeStore(
  databaseUrl: string,
  accountScope: string,
  customerIds: readonly string[],
  users: number,
): Promise<{ mappingsSeconds: number; idempotencySeconds: number }> {
  const started = performance.now();
  const store = await openStore(databaseUrl);
  try {
    const stride = Math.max(1, Math.floor(users / customerIds.length));
    const customerOf = (i: number) => (i % stride === 0 && i / stride < customerIds.length ? customerIds[i / stride]! : `cus_seeded${i}`);
    for (let from = 0; from < users; from += IMPORT_BATCH) {
      const batch = Array.from({ length: Math.min(IMPORT_BATCH, users - from) }, (_, j) => ({
        userId: storedUserId(from + j),
        customerId: customerOf(from + j),
      }));
      await store.importCustomers(accountScope, batch);
    }
  } finally {
    await store.close();
  }
  const mapped = performance.now();
  // Made now: live records, which the hourly sweep would keep.
  const createdAt = Date.now();
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new Database(databaseUrl.slice('sqlite:'.length));
    try {
      db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
         INSERT INTO idempotency_keys (account_scope, user_id, idempotency_key, fingerprint, created_at)
         SELECT ?, 'stored_' || i, 'seeded-' || i, 'seeded', ? FROM n`,
      ).run(users, accountScope, createdAt);
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO idempotency_keys (account_scope, user_id, idempotency_key, fingerprint, created_at)
         SELECT $1, 'stored_' || i, 'seeded-' || i, 'seeded', $2 FROM generate_series(0, $3 - 1) AS i`,
        [accountScope, createdAt, users],
      );
      await client.query('ANALYZE');
    } finally {
      await client.end();
    }
  }
  return { mappingsSeconds: (mapped - started) / 1000, idempotencySeconds: (performance.now() - mapped) / 1000 };
}
