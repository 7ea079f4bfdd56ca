import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { exitOf, runTs } from '../support/process.js';
import { describeStoreContract } from './contract.js';

describeStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-store-'));
  // A directory that does not exist yet: the store creates it.
  const url = `sqlite:${join(dir, 'nested', 'gateway.sqlite')}`;
  return {
    open: () => openStore(url),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('SQLite migrations', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-migrations-'));
    path = join(dir, 'gateway.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** What the file holds, read beside the store. */
  function inspect() {
    const db = new Database(path, { readonly: true });
    try {
      return {
        version: db.pragma('user_version', { simple: true }),
        objects: db.prepare('SELECT type, name FROM sqlite_master ORDER BY name').all(),
      };
    } finally {
      db.close();
    }
  }

  const SCHEMA = {
    version: 6,
    objects: [
      { type: 'table', name: 'customer_mappings' },
      { type: 'index', name: 'customer_mappings_customer' },
      { type: 'table', name: 'customer_mappings_set_aside' },
      { type: 'table', name: 'forgotten_customers' },
      { type: 'index', name: 'forgotten_customers_forgotten_at' },
      { type: 'table', name: 'idempotency_keys' },
      { type: 'index', name: 'idempotency_keys_created_at' },
      { type: 'table', name: 'installation' },
      { type: 'table', name: 'webhook_events' },
      { type: 'index', name: 'webhook_events_received_at' },
    ],
  };

  it('migrates a new file once when five processes open it at once, and not again on reopening', async () => {
    const children = Array.from({ length: 5 }, (_, index) =>
      runTs('test/store/open-sqlite-child.ts', [path, `cus_${index}`], {}),
    );
    const exits = children.map((child) => exitOf(child));
    await Promise.all(children.map((child) => waitForLine(child.stdout, 'ready')));
    for (const child of children) child.stdin.end('go\n');

    const results = await Promise.all(exits);
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    const answers = results.map((result) => {
      const last = result.stdout.trim().split('\n').at(-1) ?? '';
      return JSON.parse(last) as { winner: string; installationId: string };
    });
    const winners = answers.map((answer) => answer.winner);
    expect(new Set(winners).size).toBe(1);
    expect(new Set(answers.map((answer) => answer.installationId)).size).toBe(1);
    expect(inspect()).toEqual(SCHEMA);

    // A second run of any migration would fail on its CREATE TABLE.
    const reopened = await openStore(`sqlite:${path}`);
    expect(await reopened.findCustomer('acct_1:test', 'u1')).toBe(winners[0]);
    await reopened.close();
    expect(inspect()).toEqual(SCHEMA);
  });

  it('upgrades a file of the previous release, keeping its customers', async () => {
    const old = new Database(path);
    old.exec(`CREATE TABLE customer_mappings (
                account_scope TEXT NOT NULL,
                user_id       TEXT NOT NULL,
                customer_id   TEXT NOT NULL,
                created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                PRIMARY KEY (account_scope, user_id)
              ) WITHOUT ROWID;
              INSERT INTO customer_mappings (account_scope, user_id, customer_id)
                VALUES ('acct_1:test', 'u1', 'cus_old');
              PRAGMA user_version = 1;`);
    old.close();

    const store = await openStore(`sqlite:${path}`);
    expect(await store.findCustomer('acct_1:test', 'u1')).toBe('cus_old');
    expect(await store.installationId()).toMatch(/^[0-9a-f]{32}$/);
    expect((await store.claimIdempotencyKey('acct_1:test', 'u1', 'key_1', 'fp', new Date(1), new Date(0))).fingerprint).toBe('fp');
    await store.close();
    expect(inspect()).toEqual(SCHEMA);
  });
});

describe('SQLite migration to one user per customer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-migrations-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('upgrades a file where users share a customer: the earliest keeps it, the others are set aside, none is lost', async () => {
    const path = join(dir, 'gateway.sqlite');
    // A file of the previous release (schema version 5), as an import could leave it.
    const store = await openStore(`sqlite:${path}`);
    await store.close();
    const old = new Database(path);
    old.exec(`DROP INDEX customer_mappings_customer; DROP TABLE customer_mappings_set_aside;
              CREATE INDEX customer_mappings_customer_id ON customer_mappings (customer_id);
              INSERT INTO customer_mappings (account_scope, user_id, customer_id, created_at) VALUES
                ('acct_1:test', 'user_1', 'cus_S', '2026-01-01T00:00:00.000Z'),
                ('acct_1:test', 'attacker_42', 'cus_S', '2026-02-01T00:00:00.000Z'),
                ('acct_1:test', 'b_same_time', 'cus_T', '2026-01-01T00:00:00.000Z'),
                ('acct_1:test', 'a_same_time', 'cus_T', '2026-01-01T00:00:00.000Z'),
                ('acct_2:test', 'other_account', 'cus_S', '2026-03-01T00:00:00.000Z'),
                ('acct_1:test', 'u_alone', 'cus_U', '2026-03-01T00:00:00.000Z');
              PRAGMA user_version = 5;`);
    old.close();

    const upgraded = await openStore(`sqlite:${path}`);
    try {
      expect(await upgraded.findCustomerOwners('acct_1:test', ['cus_S', 'cus_T', 'cus_U'])).toEqual(
        new Map([
          ['cus_S', 'user_1'],
          ['cus_T', 'a_same_time'],
          ['cus_U', 'u_alone'],
        ]),
      );
      expect(await upgraded.findCustomer('acct_2:test', 'other_account')).toBe('cus_S');
      expect(await upgraded.findCustomer('acct_1:test', 'attacker_42')).toBeUndefined();
      await expect(upgraded.claimCustomer('acct_1:test', 'attacker_42', 'cus_S')).rejects.toThrow('belongs to another user');
      expect(await upgraded.countSetAsideMappings()).toBe(2);
    } finally {
      await upgraded.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(6);
      expect(db.prepare('SELECT account_scope, user_id, customer_id FROM customer_mappings_set_aside ORDER BY user_id').all()).toEqual([
        { account_scope: 'acct_1:test', user_id: 'attacker_42', customer_id: 'cus_S' },
        { account_scope: 'acct_1:test', user_id: 'b_same_time', customer_id: 'cus_T' },
      ]);
    } finally {
      db.close();
    }
  });
});

/** Resolves once `line` has been printed; rejects if the stream ends first. */
function waitForLine(stream: NodeJS.ReadableStream, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (!seen.split('\n').includes(line)) return;
      stream.off('data', onData);
      resolve();
    };
    stream.on('data', onData);
    stream.once('end', () => reject(new Error(`ended before printing ${line}: ${seen}`)));
  });
}
