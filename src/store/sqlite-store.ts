import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { CustomerStore } from './customer-store.js';

/** Applied in order; `PRAGMA user_version` records how many ran. */
const MIGRATIONS = [
  `CREATE TABLE customer_mappings (
     account_scope TEXT NOT NULL,
     user_id       TEXT NOT NULL,
     customer_id   TEXT NOT NULL,
     created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
     PRIMARY KEY (account_scope, user_id)
   ) WITHOUT ROWID`,
];

export class SqliteCustomerStore implements CustomerStore {
  private readonly db: Database.Database;
  private readonly find: Database.Statement<[string, string], { customer_id: string }>;
  private readonly insert: Database.Statement<[string, string, string]>;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('synchronous = NORMAL');
    this.migrate();
    this.find = this.db.prepare('SELECT customer_id FROM customer_mappings WHERE account_scope = ? AND user_id = ?');
    this.insert = this.db.prepare(
      'INSERT INTO customer_mappings (account_scope, user_id, customer_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
  }

  async findCustomer(accountScope: string, userId: string): Promise<string | undefined> {
    return this.find.get(accountScope, userId)?.customer_id;
  }

  async claimCustomer(accountScope: string, userId: string, customerId: string): Promise<string> {
    this.insert.run(accountScope, userId, customerId);
    const stored = this.find.get(accountScope, userId);
    if (!stored) throw new Error('customer mapping vanished right after it was written');
    return stored.customer_id;
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private migrate(): void {
    // IMMEDIATE takes the write lock first, so instances starting together migrate once.
    this.db
      .transaction(() => {
        const applied = this.db.pragma('user_version', { simple: true }) as number;
        for (const [index, sql] of MIGRATIONS.entries()) {
          if (index < applied) continue;
          this.db.exec(sql);
        }
        this.db.pragma(`user_version = ${MIGRATIONS.length}`);
      })
      .immediate();
  }
}
