import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_EMULATOR_SECRET_KEY } from '../src/emulator/index.js';
import { callRest } from './support/clients.js';
import { createTestDatabase, TEST_DATABASE_URL } from './support/postgres.js';
import { exitOf, runTs, startGatewayProcess, type RunningGateway } from './support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'gateway-sandbox-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A sandbox gateway as `npm start` runs it with no STRIPE_SECRET_KEY, on this DATABASE_URL. */
const startSandbox = (databaseUrl: string) =>
  startGatewayProcess({ PORT: '0', HOST: '127.0.0.1', SANDBOX_EMULATOR_PORT: '0', DATABASE_URL: databaseUrl });

/** What a developer sees with the emulator's address (the sandbox line) and its test key: the Stripe SDK's own view. */
function stripeOf(gateway: RunningGateway): Stripe {
  const base = new URL(String(gateway.sandboxLine?.stripeApiBase));
  return new Stripe(DEFAULT_EMULATOR_SECRET_KEY, { host: base.hostname, port: base.port, protocol: 'http', telemetry: false });
}

async function customerIdsOf(gateway: RunningGateway): Promise<string[]> {
  const ids: string[] = [];
  for await (const customer of stripeOf(gateway).customers.list({ limit: 100 })) ids.push(customer.id);
  return ids.sort();
}

const token = async (sub: string) => (await exitOf(runTs('scripts/token.ts', ['--sub', sub], {}))).stdout.trim();

/**
 * Two sandbox gateways side by side, both running, then both restarted: the same user gets a
 * customer of each gateway's own, each emulator holds only its own gateway's customers, and after
 * the restart each gateway still hands out the customer it created (its emulator kept it).
 */
async function keepApart(firstUrl: string, secondUrl: string): Promise<void> {
  const user = await token('shared_user');
  const first = await startSandbox(firstUrl);
  const second = await startSandbox(secondUrl);
  let firstCustomer: string;
  let secondCustomer: string;
  try {
    firstCustomer = (await callRest(first.url, { token: user })).body.customer_id;
    secondCustomer = (await callRest(second.url, { token: user })).body.customer_id;
    expect(firstCustomer).toMatch(/^cus_/);
    expect(secondCustomer).toMatch(/^cus_/);
    expect(secondCustomer).not.toBe(firstCustomer);
    expect(await customerIdsOf(first)).toEqual([firstCustomer]);
    expect(await customerIdsOf(second)).toEqual([secondCustomer]);
  } finally {
    expect((await second.stop()).code).toBe(0);
    expect((await first.stop()).code).toBe(0);
  }
  // Restarted in the other order: the one stopped last has not overwritten the other's objects.
  const secondAgain = await startSandbox(secondUrl);
  const firstAgain = await startSandbox(firstUrl);
  try {
    expect((await callRest(firstAgain.url, { token: user })).body.customer_id).toBe(firstCustomer);
    expect((await callRest(secondAgain.url, { token: user })).body.customer_id).toBe(secondCustomer);
    expect(await customerIdsOf(firstAgain)).toEqual([firstCustomer]);
    expect(await customerIdsOf(secondAgain)).toEqual([secondCustomer]);
  } finally {
    await firstAgain.stop();
    await secondAgain.stop();
  }
}

describe('sandbox emulator state beside each DATABASE_URL', () => {
  it('two SQLite files in one directory: separate Stripe objects, each kept across a restart', { timeout: 120_000 }, async () => {
    await keepApart(`sqlite:${join(dir, 'shop-a.sqlite')}`, `sqlite:${join(dir, 'shop-b.sqlite')}`);
    expect(existsSync(join(dir, 'shop-a.sqlite-stripe-emulator.json'))).toBe(true);
    expect(existsSync(join(dir, 'shop-b.sqlite-stripe-emulator.json'))).toBe(true);
    expect(existsSync(join(dir, 'stripe-emulator.json'))).toBe(false);
  });

  it.skipIf(!TEST_DATABASE_URL)('a SQLite file and a PostgreSQL database: separate Stripe objects, each kept across a restart', { timeout: 120_000 }, async () => {
    const database = await createTestDatabase();
    try {
      await keepApart(`sqlite:${join(dir, 'beside-postgres.sqlite')}`, database.url);
    } finally {
      await database.drop();
    }
  });

  it('the default database takes over the state file every sandbox gateway shared before', { timeout: 60_000 }, async () => {
    const own = join(dir, 'adopting');
    const user = await token('returning_user');
    const earlier = await startSandbox(`sqlite:${join(own, 'gateway.sqlite')}`);
    const customer = (await callRest(earlier.url, { token: user })).body.customer_id;
    await earlier.stop();
    // As an earlier version left it: data/stripe-emulator.json beside data/gateway.sqlite.
    renameSync(join(own, 'gateway.sqlite-stripe-emulator.json'), join(own, 'stripe-emulator.json'));
    const later = await startSandbox(`sqlite:${join(own, 'gateway.sqlite')}`);
    try {
      expect((await callRest(later.url, { token: user })).body.customer_id).toBe(customer);
      expect(existsSync(join(own, 'stripe-emulator.json'))).toBe(false);
    } finally {
      await later.stop();
    }
  });
});

describe('npm run import-customers in sandbox mode (no STRIPE_SECRET_KEY)', () => {
  const importInSandbox = (databaseUrl: string, args: string[]) =>
    exitOf(runTs('src/import-customers.ts', args, { DATABASE_URL: databaseUrl }));

  it('imports under the emulator’s account with no key; the sandbox gateway then gives the user the imported customer', { timeout: 60_000 }, async () => {
    const databaseUrl = `sqlite:${join(dir, 'import.sqlite')}`;
    const gateway = await startSandbox(databaseUrl);
    try {
      // A customer in the sandbox's Stripe account, as a shop's account holds its Spree customers.
      const existing = await stripeOf(gateway).customers.create({ email: 'imported@example.com' });
      const file = join(dir, 'customers.csv');
      writeFileSync(file, `user_id,customer_id\nimported_user,${existing.id}\n`);

      const imported = await importInSandbox(databaseUrl, [file, '--verify']);
      expect(imported, imported.stderr).toMatchObject({ code: 0, stdout: 'imported 1, unchanged 0, conflicts 0, missing 0, invalid 0\n' });
      const account = await stripeOf(gateway).accounts.retrieveCurrent();
      expect(imported.stderr).toContain(`Stripe account scope: ${account.id}:test`);

      const rest = await callRest(gateway.url, { token: await token('imported_user') });
      expect(rest.status).toBe(200);
      expect(rest.body.customer_id).toBe(existing.id);
    } finally {
      await gateway.stop();
    }
  });

  it('before any sandbox gateway ran: the account it imports under is the one the gateway then uses', { timeout: 60_000 }, async () => {
    const databaseUrl = `sqlite:${join(dir, 'import-first.sqlite')}`;
    const file = join(dir, 'import-first.csv');
    writeFileSync(file, 'user_id,customer_id\nearly_user,cus_fromAnotherSystem\n');
    const imported = await importInSandbox(databaseUrl, [file]);
    expect(imported, imported.stderr).toMatchObject({ code: 0, stdout: 'imported 1, unchanged 0, conflicts 0, missing 0, invalid 0\n' });
    const gateway = await startSandbox(databaseUrl);
    try {
      const account = await stripeOf(gateway).accounts.retrieveCurrent();
      expect(imported.stderr).toContain(`Stripe account scope: ${account.id}:test`);
    } finally {
      await gateway.stop();
    }
  });

  it('a dry run before any sandbox gateway ran creates nothing: no database, no emulator state', { timeout: 60_000 }, async () => {
    const fresh = join(dir, 'never-created');
    const file = join(dir, 'dry-run.csv');
    writeFileSync(file, 'user_id,customer_id\nsomeone,cus_fromAnotherSystem\n');
    const run = await importInSandbox(`sqlite:${join(fresh, 'gateway.sqlite')}`, [file, '--dry-run']);
    expect(run, run.stderr).toMatchObject({ code: 0, stdout: 'imported 1, unchanged 0, conflicts 0, missing 0, invalid 0\n' });
    expect(existsSync(fresh)).toBe(false);
  });

  it('--verify finds a customer the sandbox never had missing, and imports nothing', { timeout: 60_000 }, async () => {
    const databaseUrl = `sqlite:${join(dir, 'import-missing.sqlite')}`;
    const file = join(dir, 'import-missing.csv');
    writeFileSync(file, 'user_id,customer_id\nsomeone,cus_neverCreatedHere\n');
    const run = await importInSandbox(databaseUrl, [file, '--verify']);
    expect(run).toMatchObject({ code: 1, stdout: 'imported 0, unchanged 0, conflicts 0, missing 1, invalid 0\n' });
  });
});
