import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { createTestDatabase, TEST_DATABASE_URL } from './support/postgres.js';
import { exitOf, runGatewayProcess, type Exit } from './support/process.js';

/**
 * What an operator sees when the gateway cannot start: exit 1 and one line on stderr naming the
 * cause, never a stack trace after the banner.
 */
function expectOneLineFailure({ code, stdout, stderr }: Exit, cause: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^stripe-setup-gateway: cannot start: /);
  expect(lines[0]).toMatch(cause);
  expect(`${stdout}\n${stderr}`).not.toMatch(/^\s+at /m);
  expect(code).toBe(1);
}

describe('start-up failures: one line and exit 1', () => {
  let emulator: StripeEmulator;
  const dir = mkdtempSync(join(tmpdir(), 'gateway-startup-failures-'));
  beforeAll(async () => {
    emulator = await startStripeEmulator();
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = (env: Record<string, string>) => exitOf(runGatewayProcess(emulator.url, dir, env));

  it('a PostgreSQL database that cannot be reached: names where, never the password', { timeout: 30_000 }, async () => {
    const exit = await start({ DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/x' });
    expectOneLineFailure(exit, /cannot connect to the database at postgres:\/\/postgres@127\.0\.0\.1:1\/x: connect ECONNREFUSED/);
    expect(exit.stderr + exit.stdout).not.toContain('hunter2');
  });

  it('a port already in use: names the port and PORT', { timeout: 30_000 }, async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const exit = await start({ PORT: String(port), DATABASE_URL: `sqlite:${join(dir, 'port.sqlite')}` });
      expectOneLineFailure(exit, new RegExp(`127\\.0\\.0\\.1:${port} is already in use .*PORT`));
    } finally {
      holder.close();
    }
  });

  it('a HOST that is not an address of this machine: names HOST', { timeout: 30_000 }, async () => {
    // 192.0.2.1: TEST-NET-1, reserved for documentation, never a local address.
    const exit = await start({ HOST: '192.0.2.1', DATABASE_URL: `sqlite:${join(dir, 'host.sqlite')}` });
    expectOneLineFailure(exit, /cannot listen on 192\.0\.2\.1:0: HOST 192\.0\.2\.1 is not an address of this machine/);
  });

  it('an SQLite path whose folder cannot be made: names the path', { timeout: 30_000 }, async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    const exit = await start({ DATABASE_URL: `sqlite:${join(file, 'gateway.sqlite')}` });
    expectOneLineFailure(exit, new RegExp(`cannot create the SQLite database at ${file}/gateway\\.sqlite: ${file} is a file, not a folder$`));
  });

  it('an SQLite file that is not a database: names the path', { timeout: 30_000 }, async () => {
    const path = join(dir, 'text.sqlite');
    writeFileSync(path, 'these are my notes, not a database '.repeat(100));
    const exit = await start({ DATABASE_URL: `sqlite:${path}` });
    expectOneLineFailure(exit, new RegExp(`cannot open the SQLite database at ${path}: file is not a database`));
  });

  it('SQLite migrations that fail: names the migration and the database error', { timeout: 30_000 }, async () => {
    // A table of the first migration's name already there, not recorded as migrated.
    const path = join(dir, 'conflict.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE customer_mappings (anything TEXT)');
    db.close();
    const exit = await start({ DATABASE_URL: `sqlite:${path}` });
    expectOneLineFailure(exit, /the database.s migrations failed at migration 1\b.*customer_mappings already exists/);
  });

  it.runIf(TEST_DATABASE_URL)('PostgreSQL migrations that fail: names the migration and the database error', { timeout: 30_000 }, async () => {
    const database = await createTestDatabase();
    try {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query('CREATE TABLE customer_mappings (anything TEXT)');
      await client.end();
      const exit = await start({ DATABASE_URL: database.url });
      expectOneLineFailure(exit, /the database's migrations failed at migration 1 \(customer_mappings\): relation "customer_mappings" already exists/);
    } finally {
      await database.drop();
    }
  });
});
