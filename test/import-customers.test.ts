import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_EMULATOR_SECRET_KEY, startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION, tokenFor } from './support/clients.js';
import { BACKENDS, type TestBackend } from './support/databases.js';
import { SignJWT } from 'jose';
import { startGateway, TEST_JWT_SECRET } from './support/gateway.js';
import { startSpreeStandIn } from './support/spree-stand-in.js';
import type { TestDatabase } from './support/postgres.js';
import { exitOf, runTs, type Exit } from './support/process.js';

const summary = (imported: number, unchanged: number, conflicts: number, missing: number, invalid: number) =>
  `imported ${imported}, unchanged ${unchanged}, conflicts ${conflicts}, missing ${missing}, invalid ${invalid}\n`;

let emulator: StripeEmulator;
let dir: string;
beforeAll(async () => {
  emulator = await startStripeEmulator();
  dir = mkdtempSync(join(tmpdir(), 'gateway-import-'));
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => emulator.clearFaults());

let files = 0;
/** A CSV file with exactly this text. */
function csv(text: string): string {
  const path = join(dir, `customers-${++files}.csv`);
  writeFileSync(path, text);
  return path;
}

/** Customers that exist in the emulator, as a shop's Stripe account holds them. */
async function createCustomers(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const response = await fetch(`${emulator.url}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEFAULT_EMULATOR_SECRET_KEY}` },
    });
    ids.push(((await response.json()) as { id: string }).id);
  }
  return ids;
}

/** The real command, as `npm run import-customers -- …` runs it, in a child process. */
function runImport(databaseUrl: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Exit> {
  const variables = { STRIPE_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY, STRIPE_API_BASE: emulator.url, DATABASE_URL: databaseUrl, ...env };
  // undefined: the variable is unset.
  const set = Object.entries(variables).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return exitOf(runTs('src/import-customers.ts', args, Object.fromEntries(set)));
}

/** Runs SQL on the test database beside the command, as an operator's console would. */
async function execSql(databaseUrl: string, sql: string): Promise<void> {
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new Database(databaseUrl.slice('sqlite:'.length));
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The lines the command reported about rows (stderr), without progress or notes. */
const rowLines = (exit: Exit) => exit.stderr.split('\n').filter((line) => line.startsWith('line '));

function useDatabase(backend: TestBackend): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeEach(async (context) => {
    if (!backend.available) return context.skip();
    database = await backend.create();
  });
  afterEach(() => database?.drop());
  return () => {
    if (!database) throw new Error('useDatabase() is read inside a test');
    return database;
  };
}

describe.each(BACKENDS)('npm run import-customers on $name', (backend) => {
  const database = useDatabase(backend);

  it('imports a Spree export into a new database; re-running changes nothing; the users get their customers on both surfaces', async () => {
    const [first, second, third] = await createCustomers(3);
    // What psql's \copy or a spreadsheet writes: a byte order mark, CRLF, quoted fields, extra columns, a blank line.
    const file = csv(
      '\ufeffuser_id,payment_method_id,customer_id,email\r\n' +
        `1,3,${first},"ada@example.com"\r\n` +
        `"2",3,"${second}","Lovelace, Ada"\r\n` +
        '\r\n' +
        `user@example.com,3,${third},\r\n`,
    );
    const imported = await runImport(database().url, [file]);
    // Not a terminal: no progress bars, and no row to report; only the account the mappings went under.
    expect(imported).toMatchObject({
      code: 0,
      stdout: summary(3, 0, 0, 0, 0),
      stderr: `Stripe account scope: ${emulator.accountId}:test\n`,
    });

    const again = await runImport(database().url, [file]);
    expect(again, again.stderr).toMatchObject({ code: 0, stdout: summary(0, 3, 0, 0, 0) });

    const customersBefore = emulator.customers().length;
    const gateway = await startGateway(emulator, database().url);
    try {
      // Spree's user ids are numbers; a token carrying 1 or "1" is the same user.
      const rest = await callRest(gateway.url, { token: await tokenFor({ sub: '1' }) });
      expect(rest.status, JSON.stringify(rest.body)).toBe(200);
      expect(rest.body.customer_id).toBe(first);
      const graphql = await callGraphQL(gateway.url, SETUP_INTENT_MUTATION, { token: await tokenFor({ sub: '2' }) });
      expect(graphql.body.data.createStripeSetupIntent).toMatchObject({ __typename: 'StripeSetupIntent', customerId: second });
      const byEmail = await callRest(gateway.url, { token: await tokenFor({ sub: 'user@example.com' }) });
      expect(byEmail.body.customer_id).toBe(third);
    } finally {
      await gateway.close();
    }
    expect(emulator.customers()).toHaveLength(customersBefore);
  });

  it("migrates a Spree shop: its OAuth and Spree 5 JWT users get their imported customers, creating none", async () => {
    const [adaCustomer, graceCustomer] = await createCustomers(2);
    // As README "Migrating from Spree" exports spree_gateway_customers (an extra column is fine).
    const file = csv(`user_id,customer_id,payment_method_id\n1001,${adaCustomer},1\n1002,${graceCustomer},1\n`);
    expect((await runImport(database().url, [file, '--verify'])).stdout).toBe(summary(2, 0, 0, 0, 0));

    const spree = await startSpreeStandIn();
    const gateway = await startGateway(emulator, database().url, {
      AUTH_SPREE_URL: spree.url,
      AUTH_JWT_USER_CLAIM: 'user_id',
      AUTH_JWT_ISSUER: 'spree',
      AUTH_JWT_AUDIENCE: 'store_api',
    });
    const customersBefore = emulator.customers().length;
    try {
      // Spree 4.x: an opaque Doorkeeper token, resolved through the store's account endpoint (data.id "1001").
      const oauthToken = spree.signIn({ id: 1001, email: 'ada@spree.example', firstName: 'Ada', lastName: 'Lovelace' });
      expect((await callRest(gateway.url, { token: oauthToken })).body.customer_id).toBe(adaCustomer);
      const oauthGraphql = await callGraphQL(gateway.url, SETUP_INTENT_MUTATION, { token: oauthToken });
      expect(oauthGraphql.body.data.createStripeSetupIntent.customerId).toBe(adaCustomer);

      // Spree 5: the Store API's own JWT, the user id a number in user_id.
      const storeApiToken = await new SignJWT({ user_id: 1002 })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('spree')
        .setAudience('store_api')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));
      expect((await callRest(gateway.url, { token: storeApiToken })).body.customer_id).toBe(graceCustomer);
      const jwtGraphql = await callGraphQL(gateway.url, SETUP_INTENT_MUTATION, { token: storeApiToken });
      expect(jwtGraphql.body.data.createStripeSetupIntent.customerId).toBe(graceCustomer);
    } finally {
      await gateway.close();
      await spree.close();
    }
    expect(emulator.customers()).toHaveLength(customersBefore);
  });

  it('keeps the customer a user already has and reports the conflict; exits 1', async () => {
    const gateway = await startGateway(emulator, database().url);
    let existing: string;
    try {
      const first = await callRest(gateway.url, { token: await tokenFor({ sub: 'u_existing' }) });
      existing = first.body.customer_id;
    } finally {
      await gateway.close();
    }
    const [other, fresh, another] = await createCustomers(3);
    const file = csv(
      'user_id,customer_id\n' +
        `u_existing,${other}\n` +
        `u_existing,${existing}\n` +
        `u_new,${fresh}\n` +
        `u_new,${fresh}\n` +
        `u_new,${another}\n`,
    );
    const run = await runImport(database().url, [file]);
    expect(run, run.stderr).toMatchObject({ code: 1, stdout: summary(1, 2, 2, 0, 0) });
    expect(rowLines(run)).toEqual([
      `line 2: conflict: user "u_existing" keeps customer ${existing}, not ${other}`,
      `line 6: conflict: user "u_new" keeps customer ${fresh}, not ${another}`,
    ]);

    const again = await startGateway(emulator, database().url);
    try {
      const kept = await callRest(again.url, { token: await tokenFor({ sub: 'u_existing' }) });
      expect(kept.body.customer_id).toBe(existing);
      const imported = await callRest(again.url, { token: await tokenFor({ sub: 'u_new' }) });
      expect(imported.body.customer_id).toBe(fresh);
    } finally {
      await again.close();
    }
  });

  it("never gives a customer another user has: in the store, from an earlier run or file, with or without --verify; exits 1", async () => {
    // user_1 owns cus_S: the gateway made it on their first call.
    const gateway = await startGateway(emulator, database().url);
    let owned: string;
    try {
      owned = (await callRest(gateway.url, { token: await tokenFor({ sub: 'user_1' }) })).body.customer_id;
    } finally {
      await gateway.close();
    }
    // A second file, as the README advises for large exports, gives it to someone else.
    const file = csv(`user_id,customer_id\nattacker_42,${owned}\n`);
    for (const options of [[], ['--verify'], ['--dry-run']]) {
      const run = await runImport(database().url, [file, ...options]);
      expect(run, run.stderr).toMatchObject({ code: 1, stdout: summary(0, 0, 1, 0, 0) });
      expect(rowLines(run)).toEqual([
        options[0] === '--verify'
          ? // Stripe says whose it is before the store is asked.
            `line 2: conflict: customer ${owned} is user "user_1"'s in Stripe (metadata.user_id), not "attacker_42"'s`
          : `line 2: conflict: customer ${owned} belongs to user "user_1", not "attacker_42"`,
      ]);
    }
    // A customer imported by an earlier run is taken alike.
    const [earlier] = await createCustomers(1);
    expect((await runImport(database().url, [csv(`user_id,customer_id\nu_first,${earlier}\n`)])).stdout).toBe(summary(1, 0, 0, 0, 0));
    const later = await runImport(database().url, [csv(`user_id,customer_id\nu_second,${earlier}\n`)]);
    expect(later).toMatchObject({ code: 1, stdout: summary(0, 0, 1, 0, 0) });
    expect(rowLines(later)).toEqual([`line 2: conflict: customer ${earlier} belongs to user "u_first", not "u_second"`]);

    // The attacker gets a customer of their own; user_1 keeps theirs.
    const again = await startGateway(emulator, database().url);
    try {
      const attacker = await callRest(again.url, { token: await tokenFor({ sub: 'attacker_42' }) });
      expect(attacker.status).toBe(200);
      expect(attacker.body.customer_id).not.toBe(owned);
      expect((await callRest(again.url, { token: await tokenFor({ sub: 'user_1' }) })).body.customer_id).toBe(owned);
      expect((await callRest(again.url, { token: await tokenFor({ sub: 'u_second' }) })).body.customer_id).not.toBe(earlier);
    } finally {
      await again.close();
    }
  });

  it("a user whose own Stripe customer an import gave to another user gets a new one, never the other's", async () => {
    const gateway = await startGateway(emulator, database().url);
    try {
      const token = await tokenFor({ sub: 'user_1' });
      const owned = (await callRest(gateway.url, { token })).body.customer_id;
      // The user's mapping is lost (a restore from an old backup), and an import without --verify gives their customer away.
      await execSql(database().url, `DELETE FROM customer_mappings WHERE user_id = 'user_1'`);
      const run = await runImport(database().url, [csv(`user_id,customer_id\nattacker_42,${owned}\n`)]);
      expect(run.stdout).toBe(summary(1, 0, 0, 0, 0));
      // Stripe replays the customer it made for user_1 under the same idempotency key: it is taken.
      const again = await callRest(gateway.url, { token });
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect(again.body.customer_id).not.toBe(owned);
      expect((await callRest(gateway.url, { token })).body.customer_id).toBe(again.body.customer_id);
      // The other user's customer was left alone.
      expect(emulator.customers().find((customer) => customer.id === owned)?.deleted).toBeUndefined();
    } finally {
      await gateway.close();
    }
  });

  it("--verify refuses a customer whose metadata.user_id names another user as a conflict", async () => {
    const response = await fetch(`${emulator.url}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEFAULT_EMULATOR_SECRET_KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'metadata[user_id]=user_1',
    });
    const named = ((await response.json()) as { id: string }).id;
    const [unnamed] = await createCustomers(1);
    const file = csv(`user_id,customer_id\nattacker_42,${named}\nu_plain,${unnamed}\n`);
    const run = await runImport(database().url, [file, '--verify']);
    expect(run, run.stderr).toMatchObject({ code: 1, stdout: summary(1, 0, 1, 0, 0) });
    expect(rowLines(run)).toEqual([`line 2: conflict: customer ${named} is user "user_1"'s in Stripe (metadata.user_id), not "attacker_42"'s`]);
    // Its own user may have it.
    const own = await runImport(database().url, [csv(`user_id,customer_id\nuser_1,${named}\n`), '--verify']);
    expect(own, own.stderr).toMatchObject({ code: 0, stdout: summary(1, 0, 0, 0, 0) });
  });

  it('reports each invalid row with its line number, imports the valid ones, and exits 1', async () => {
    const [valid, shared] = await createCustomers(2);
    const file = csv(
      [
        'user_id,customer_id',
        `u_valid,${valid}`,
        'u_no_customer,',
        `,${valid}`,
        'u_short_row',
        'u_not_stripe,card_1234',
        `"u_tab\there",${valid}`,
        `${'x'.repeat(501)},${valid}`,
        `u_shared_1,${shared}`,
        `u_shared_2,${shared}`,
        'u_encrypted,"{""p"":""n7J0/ol+a7DRMeaE"",""h"":{""iv"":""DZKQ6HtbM5oIBkmI"",""at"":""8lTfsw4tH0lmmOhbqSMxYg==""}}"',
        '',
      ].join('\n'),
    );
    const run = await runImport(database().url, [file]);
    expect(run, run.stderr).toMatchObject({ code: 1, stdout: summary(2, 0, 1, 0, 7) });
    expect(rowLines(run)).toEqual([
      'line 3: invalid: customer_id is missing',
      'line 4: invalid: user_id is missing',
      'line 5: invalid: customer_id is missing',
      'line 6: invalid: customer_id "card_1234" is not a Stripe customer id (cus_…)',
      'line 7: invalid: user_id "u_tab\\there" contains control characters',
      `line 8: invalid: user_id "${'x'.repeat(501)}" is longer than 500 characters`,
      `line 10: conflict: customer ${shared} is given to user "u_shared_1" on line 9 already`,
      'line 11: invalid: customer_id is encrypted (Active Record encryption): export it through the Rails model, see the README',
    ]);
    // Only the valid rows were written: the dry run would import none of them again.
    const check = await runImport(database().url, [file, '--dry-run']);
    expect(check.stdout).toBe(summary(0, 2, 1, 0, 7));
  });

  it('--verify leaves out customers that were deleted or never existed', async () => {
    const [kept, deleted] = await createCustomers(2);
    emulator.deleteCustomer(deleted as string);
    const file = csv(`user_id,customer_id\nu_kept,${kept}\nu_deleted,${deleted}\nu_made_up,cus_MadeUp123456\n`);
    const run = await runImport(database().url, [file, '--verify']);
    expect(run, run.stderr).toMatchObject({ code: 1, stdout: summary(1, 0, 0, 2, 0) });
    expect(rowLines(run)).toEqual([
      `line 3: missing: customer ${deleted} does not exist in Stripe for this key (or was deleted)`,
      'line 4: missing: customer cus_MadeUp123456 does not exist in Stripe for this key (or was deleted)',
    ]);
    // Without --verify the two would be written now: they were not before.
    const check = await runImport(database().url, [file, '--dry-run']);
    expect(check.stdout).toBe(summary(2, 1, 0, 0, 0));
  });

  it('--dry-run reports what an import would do and changes nothing', async () => {
    const [first, second, third, fourth] = await createCustomers(4);
    const seed = await runImport(database().url, [csv(`user_id,customer_id\nu_same,${first}\nu_taken,${second}\n`)]);
    expect(seed.stdout).toBe(summary(2, 0, 0, 0, 0));
    const file = csv(
      `user_id,customer_id\nu_same,${first}\nu_taken,${third}\nu_new,${fourth}\nu_new2,cus_NotVerified1\nbad,nope\n`,
    );

    const dry = await runImport(database().url, [file, '--dry-run']);
    expect(dry, dry.stderr).toMatchObject({ code: 1, stdout: summary(2, 1, 1, 0, 1) });
    expect(dry.stderr).toContain('dry run: nothing was written');
    const dryAgain = await runImport(database().url, [file, '--dry-run']);
    expect(dryAgain.stdout).toBe(dry.stdout);

    // The real run does exactly what the dry run said, so the dry run had written nothing.
    const real = await runImport(database().url, [file]);
    expect(real).toMatchObject({ code: 1, stdout: dry.stdout });
    expect(rowLines(real)).toEqual(rowLines(dry));
  });

  it('imports 5,000 rows in batches, and re-running answers every one unchanged', async () => {
    const rows = Array.from({ length: 5_000 }, (_, index) => `${index + 1},cus_Import${String(index).padStart(8, '0')}`);
    const file = csv(`user_id,customer_id\n${rows.join('\n')}\n`);
    const first = await runImport(database().url, [file]);
    expect(first, first.stderr).toMatchObject({ code: 0, stdout: summary(5_000, 0, 0, 0, 0) });
    const again = await runImport(database().url, [file]);
    expect(again, again.stderr).toMatchObject({ code: 0, stdout: summary(0, 5_000, 0, 0, 0) });
  }, 60_000);

  it('a database failing mid-way keeps whole batches only; running again finishes the import', async () => {
    // The first run on a new database creates the tables; then the database starts refusing one user.
    expect((await runImport(database().url, [csv('user_id,customer_id\n')])).stdout).toBe(summary(0, 0, 0, 0, 0));
    const refuse =
      backend.name === 'SQLite'
        ? `CREATE TRIGGER refuse BEFORE INSERT ON customer_mappings WHEN NEW.user_id = 'u1500'
           BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;`
        : `CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN IF NEW.user_id = 'u1500' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;
           CREATE TRIGGER refuse BEFORE INSERT ON customer_mappings FOR EACH ROW EXECUTE FUNCTION refuse();`;
    await execSql(database().url, refuse);
    const rows = Array.from({ length: 2_500 }, (_, index) => `u${index},cus_Batch${index}`);
    const file = csv(`user_id,customer_id\n${rows.join('\n')}\n`);

    const failed = await runImport(database().url, [file]);
    expect(failed).toMatchObject({ code: 2, stdout: '' });
    expect(failed.stderr).toContain('the database failed after 1000 of 2500 rows were written');
    expect(failed.stderr).toContain('refused by the test');

    await execSql(database().url, 'DROP TRIGGER refuse' + (backend.name === 'SQLite' ? '' : ' ON customer_mappings'));
    // Rows 1-1000 are in; of the failed batch (1001-2000) not one row is.
    const finished = await runImport(database().url, [file]);
    expect(finished, finished.stderr).toMatchObject({ code: 0, stdout: summary(1_500, 1_000, 0, 0, 0) });
  }, 60_000);

  it.runIf(process.env.IMPORT_100K === '1')(
    'imports 100,000 rows well under a minute, and re-running answers every one unchanged',
    async () => {
      const rows = Array.from({ length: 100_000 }, (_, index) => `${index + 1},cus_Import${String(index).padStart(8, '0')}`);
      const file = csv(`user_id,customer_id\n${rows.join('\n')}\n`);
      const started = Date.now();
      const first = await runImport(database().url, [file]);
      const firstMs = Date.now() - started;
      expect(first, first.stderr).toMatchObject({ code: 0, stdout: summary(100_000, 0, 0, 0, 0) });
      const again = await runImport(database().url, [file]);
      expect(again, again.stderr).toMatchObject({ code: 0, stdout: summary(0, 100_000, 0, 0, 0) });
      console.log(`${backend.name}: 100,000 rows imported in ${firstMs} ms`);
      expect(firstMs).toBeLessThan(60_000);
    },
    180_000,
  );
});

describe('npm run import-customers refusing to start', () => {
  const database = useDatabase(BACKENDS[0] as TestBackend);

  it('refuses a header without user_id or customer_id, exits 2 and writes nothing', async () => {
    const [customer] = await createCustomers(1);
    const run = await runImport(database().url, [csv(`user_id,profile_id\n1,${customer}\n`)]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('the header row has no customer_id column');
    expect(run.stderr).toContain('"profile_id"');

    const unnamed = await runImport(database().url, [csv(`customer_id\n${customer}\n`)]);
    expect(unnamed).toMatchObject({ code: 2, stdout: '' });
    expect(unnamed.stderr).toContain('no user_id column');
  });

  it('refuses an empty file, a missing file, a broken quote and no file at all, exiting 2', async () => {
    const empty = await runImport(database().url, [csv('')]);
    expect(empty).toMatchObject({ code: 2, stdout: '' });
    expect(empty.stderr).toContain('is empty: expected a header row');

    const missing = await runImport(database().url, [join(dir, 'no-such-file.csv')]);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toContain('no-such-file.csv does not exist');

    const broken = await runImport(database().url, [csv('user_id,customer_id\n1,cus_1\n"2,cus_2\n')]);
    expect(broken).toMatchObject({ code: 2, stdout: '' });
    expect(broken.stderr).toContain('is not a readable CSV file');
    // The readable first row was not written either.
    const check = await runImport(database().url, [csv('user_id,customer_id\n1,cus_1\n'), '--dry-run']);
    expect(check.stdout).toBe(summary(1, 0, 0, 0, 0));

    const usage = await runImport(database().url, []);
    expect(usage).toMatchObject({ code: 2, stdout: '' });
    expect(usage.stderr).toContain('usage: npm run import-customers -- FILE.csv');
  });

  it('refuses a blank STRIPE_SECRET_KEY, needs one in production, and a key Stripe refuses writes nothing', async () => {
    const file = csv('user_id,customer_id\n1,cus_1\n');
    const blank = await runImport(database().url, [file], { STRIPE_SECRET_KEY: '' });
    expect(blank).toMatchObject({ code: 2, stdout: '' });
    expect(blank.stderr).toContain('invalid configuration: STRIPE_SECRET_KEY: set but blank');
    const production = await exitOf(runTs('src/import-customers.ts', [file], { DATABASE_URL: database().url, NODE_ENV: 'production' }));
    expect(production).toMatchObject({ code: 2, stdout: '' });
    expect(production.stderr).toContain('STRIPE_SECRET_KEY: required when NODE_ENV=production');

    const refused = await runImport(database().url, [file], { STRIPE_SECRET_KEY: 'sk_test_not_known_to_stripe' });
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).not.toContain('sk_test_not_known_to_stripe');
    const check = await runImport(database().url, [file, '--dry-run']);
    expect(check.stdout).toBe(summary(1, 0, 0, 0, 0));
  });

  it('a database that cannot be opened is one clear line, exit 2', async () => {
    const run = await runImport(`sqlite:${csv('not a directory')}/gateway.sqlite`, [csv('user_id,customer_id\n1,cus_1\n')]);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toMatch(/^import-customers: DATABASE_URL: the database cannot be opened: .+$/m);
    expect(run.stderr).not.toContain('    at ');
  });

  it('a dry run against a SQLite file that does not exist creates nothing', async () => {
    const path = join(dir, 'never-created', 'gateway.sqlite');
    const run = await runImport(`sqlite:${path}`, [csv('user_id,customer_id\n1,cus_1\n'), '--dry-run']);
    expect(run, run.stderr).toMatchObject({ code: 0, stdout: summary(1, 0, 0, 0, 0) });
    expect(existsSync(join(dir, 'never-created'))).toBe(false);
  });
});

describe('npm run import-customers reading a file', () => {
  const database = useDatabase(BACKENDS[0] as TestBackend);

  it('numbers lines as an editor does in a CRLF file whose quoted fields hold line breaks', async () => {
    const file = csv(
      'user_id,customer_id,note\r\n' +
        'u1,cus_Lines1,"two\r\nlines"\r\n' +
        'u2,nope,\r\n' +
        '"u3\r\nbroken",cus_Lines3,\r\n' +
        'u4,,\r\n',
    );
    const run = await runImport(database().url, [file]);
    expect(run.stdout).toBe(summary(1, 0, 0, 0, 3));
    // A row's number is the line it ends on.
    expect(rowLines(run)).toEqual([
      'line 4: invalid: customer_id "nope" is not a Stripe customer id (cus_…)',
      'line 6: invalid: user_id "u3\\nbroken" contains control characters',
      'line 7: invalid: customer_id is missing',
    ]);
  });
});

describe('npm run import-customers --verify against a rate-limiting Stripe', () => {
  const database = useDatabase(BACKENDS[0] as TestBackend);

  it('backs off on 429 and retries until every customer is checked', async () => {
    const customers = await createCustomers(6);
    emulator.resetRequests();
    emulator.injectFault({
      match: { method: 'GET', path: /^\/v1\/customers\/cus_/ },
      times: 15,
      kind: 'error',
      status: 429,
      type: 'invalid_request_error',
      code: 'rate_limit',
      message: 'Request rate limit exceeded.',
    });
    const file = csv(`user_id,customer_id\n${customers.map((id, index) => `u${index},${id}`).join('\n')}\n`);
    const run = await runImport(database().url, [file, '--verify', '--concurrency', '3']);
    expect(run, run.stderr).toMatchObject({ code: 0, stdout: summary(6, 0, 0, 0, 0) });
    const retrievals = emulator.requests().filter((request) => request.method === 'GET' && request.path.startsWith('/v1/customers/'));
    expect(retrievals.filter((request) => request.status === 429)).toHaveLength(15);
    expect(retrievals.filter((request) => request.status === 200)).toHaveLength(6);
  });

  it('gives up when Stripe keeps failing, and writes nothing', async () => {
    const [customer] = await createCustomers(1);
    emulator.injectFault({
      match: { method: 'GET', path: /^\/v1\/customers\/cus_/ },
      kind: 'error',
      status: 500,
      type: 'api_error',
      message: 'Something went wrong on our end.',
    });
    const file = csv(`user_id,customer_id\nu1,${customer}\n`);
    const run = await runImport(database().url, [file, '--verify']);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain(`Stripe could not say whether ${customer} exists`);
    emulator.clearFaults();
    const check = await runImport(database().url, [file, '--dry-run']);
    expect(check.stdout).toBe(summary(1, 0, 0, 0, 0));
  });
});

describe('npm run import-customers on a terminal', () => {
  const database = useDatabase(BACKENDS[0] as TestBackend);
  const ROOT = new URL('..', import.meta.url).pathname;

  // script(1) runs the command on a pseudo-terminal, as an operator's shell would.
  it.runIf(existsSync('/usr/bin/script'))('shows a progress bar per step and the report lines above them', async () => {
    const rows = Array.from({ length: 20 }, (_, index) => `u${index},cus_Terminal${index}`);
    const file = csv(`user_id,customer_id\n${rows.join('\n')}\nbad,nope\n`);
    const child = spawn('/usr/bin/script', ['-qec', `node_modules/.bin/tsx src/import-customers.ts ${file}`, '/dev/null'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        STRIPE_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY,
        STRIPE_API_BASE: emulator.url,
        DATABASE_URL: database().url,
      },
    });
    child.stdin.end();
    const exit = await exitOf(child);
    const screen = exit.stdout.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '\n');
    expect(exit.code, screen).toBe(1);
    expect(screen).toMatch(/reading +21 rows/);
    expect(screen).toMatch(/writing +\[[^\]]+\] 100% \| 20\/20 rows/);
    expect(screen).toContain('line 22: invalid: customer_id "nope" is not a Stripe customer id (cus_…)');
    expect(screen).toContain(summary(20, 0, 0, 0, 1).trim());
  });
});

describe('the built command', () => {
  const database = useDatabase(BACKENDS[0] as TestBackend);
  const ROOT = new URL('..', import.meta.url).pathname;
  let outDir: string;
  beforeAll(async () => {
    // Inside the repository, so the compiled files find node_modules as dist/ does.
    outDir = join(ROOT, 'test-artifacts', `import-build-${process.pid}`);
    await promisify(execFile)(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: ROOT });
  }, 120_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('runs with node alone, as `node dist/import-customers.js` does in an image without dev dependencies', async () => {
    const [customer] = await createCustomers(1);
    const file = csv(`user_id,customer_id\nu1,${customer}\n`);
    const run = () =>
      exitOf(
        spawn(process.execPath, [join(outDir, 'import-customers.js'), file, '--verify'], {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', STRIPE_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY, STRIPE_API_BASE: emulator.url, DATABASE_URL: database().url },
        }),
      );
    expect(await run()).toMatchObject({ code: 0, stdout: summary(1, 0, 0, 0, 0) });
    expect(await run()).toMatchObject({ code: 0, stdout: summary(0, 1, 0, 0, 0) });
  });
});
