import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustomerStore } from '../../src/store/customer-store.js';
import { openStore } from '../../src/store/open-store.js';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/postgres.js';
import { describeStoreContract } from './contract.js';

describe.skipIf(!TEST_DATABASE_URL)('PostgreSQL', () => {
  describeStoreContract('PostgreSQL', async () => {
    const database = await createTestDatabase();
    return { open: () => openStore(database.url, { poolSize: 10 }), cleanup: () => database.drop() };
  });

  describe('on a database of its own', () => {
    let database: TestDatabase;
    let stores: CustomerStore[];
    beforeEach(async () => {
      database = await createTestDatabase();
      stores = [];
    });
    afterEach(async () => {
      await Promise.all(stores.map((store) => store.close()));
      await database.drop();
    });

    /** One query on the test database, beside the stores. */
    async function query<Row extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<Row[]> {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        return (await client.query<Row>(sql, values)).rows;
      } finally {
        await client.end();
      }
    }

    const migrations = () =>
      query<{ version: number; name: string; applied_at: Date }>(
        'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
      );

    it('migrates once when five instances start at once, and not again on reopening', async () => {
      stores = await Promise.all(Array.from({ length: 5 }, () => openStore(database.url, { poolSize: 2 })));
      const applied = await migrations();
      expect(applied.map(({ version, name }) => ({ version, name }))).toEqual([
        { version: 1, name: 'customer_mappings' },
        { version: 2, name: 'idempotency_keys' },
        { version: 3, name: 'installation' },
        { version: 4, name: 'idempotency_attempts' },
        { version: 5, name: 'webhook_events' },
        { version: 6, name: 'one_user_per_customer' },
      ]);
      const installationIds = new Set(await Promise.all(stores.map((store) => store.installationId())));
      expect(installationIds.size).toBe(1);
      const [first, second] = stores;
      expect(await first?.claimCustomer('acct_1:test', 'u1', 'cus_1')).toBe('cus_1');
      expect(await second?.findCustomer('acct_1:test', 'u1')).toBe('cus_1');

      await Promise.all(stores.map((store) => store.close()));
      stores = [await openStore(database.url, { poolSize: 2 })];
      expect(await migrations()).toEqual(applied);
      expect(await stores[0]?.findCustomer('acct_1:test', 'u1')).toBe('cus_1');
    });

    it('upgrades a database where users share a customer: the earliest keeps it, the others are set aside, none is lost', async () => {
      // A database of the previous release (before migration 6), as an import could leave it.
      const [store] = (stores = [await openStore(database.url, { poolSize: 1 })]);
      await store?.close();
      await query(`DROP INDEX customer_mappings_customer; DROP TABLE customer_mappings_set_aside;
                   CREATE INDEX customer_mappings_customer_id ON customer_mappings (customer_id);
                   DELETE FROM schema_migrations WHERE version = 6;
                   INSERT INTO customer_mappings (account_scope, user_id, customer_id, created_at) VALUES
                     ('acct_1:test', 'user_1', 'cus_S', '2026-01-01T00:00:00Z'),
                     ('acct_1:test', 'attacker_42', 'cus_S', '2026-02-01T00:00:00Z'),
                     ('acct_1:test', 'b_same_time', 'cus_T', '2026-01-01T00:00:00Z'),
                     ('acct_1:test', 'a_same_time', 'cus_T', '2026-01-01T00:00:00Z'),
                     ('acct_2:test', 'other_account', 'cus_S', '2026-03-01T00:00:00Z'),
                     ('acct_1:test', 'u_alone', 'cus_U', '2026-03-01T00:00:00Z')`);
      const upgraded = await openStore(database.url, { poolSize: 1 });
      stores = [upgraded];
      expect((await migrations()).map((row) => row.version)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await upgraded.findCustomerOwners('acct_1:test', ['cus_S', 'cus_T', 'cus_U'])).toEqual(
        new Map([
          ['cus_S', 'user_1'],
          ['cus_T', 'a_same_time'],
          ['cus_U', 'u_alone'],
        ]),
      );
      expect(await upgraded.findCustomer('acct_2:test', 'other_account')).toBe('cus_S');
      expect(await upgraded.findCustomer('acct_1:test', 'attacker_42')).toBeUndefined();
      expect(await query('SELECT account_scope, user_id, customer_id FROM customer_mappings_set_aside ORDER BY user_id')).toEqual([
        { account_scope: 'acct_1:test', user_id: 'attacker_42', customer_id: 'cus_S' },
        { account_scope: 'acct_1:test', user_id: 'b_same_time', customer_id: 'cus_T' },
      ]);
      await expect(upgraded.claimCustomer('acct_1:test', 'attacker_42', 'cus_S')).rejects.toThrow('belongs to another user');
      expect(await upgraded.countSetAsideMappings()).toBe(2);
    });

    it('accepts the postgresql:// spelling too', async () => {
      stores = [await openStore(database.url.replace(/^postgres:/, 'postgresql:'), { poolSize: 1 })];
      await expect(stores[0]?.ping()).resolves.toBeUndefined();
    });

    it('holds at most poolSize connections', async () => {
      const store = await openStore(database.url, { poolSize: 3 });
      stores = [store];
      const claims = Array.from({ length: 30 }, (_, index) => store.claimCustomer('acct_1:test', `u${index}`, `cus_${index}`));
      await Promise.all(claims);
      // Idle connections stay in the pool for a while, so they are counted here.
      const [row] = await query<{ connections: number }>(
        `SELECT count(*)::int AS connections FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      expect(row?.connections).toBeGreaterThan(0);
      expect(row?.connections).toBeLessThanOrEqual(3);
    });

    it('outlives an idle connection the server ends, reporting it', async () => {
      const idleErrors: Error[] = [];
      const store = await openStore(database.url, { poolSize: 1, onIdleError: (error) => idleErrors.push(error) });
      stores = [store];
      await store.ping();
      await query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      await expect.poll(() => idleErrors.length).toBe(1);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('refuses to open a database that does not exist', async () => {
      const url = new URL(database.url);
      url.pathname = '/gateway_test_no_such_database';
      await expect(openStore(url.toString(), { poolSize: 1 })).rejects.toThrow(/does not exist/);
    });
  });
});
