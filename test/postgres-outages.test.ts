import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION, tokenFor } from './support/clients.js';
import { startGateway, type TestGateway } from './support/gateway.js';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './support/postgres.js';

const DATABASE_TIMEOUT_MS = 1_500;
const REQUEST_DEADLINE_MS = 6_000;
const STORE_UNAVAILABLE = 'The gateway’s database cannot answer right now; try again shortly.';

describe.runIf(TEST_DATABASE_URL)('PostgreSQL outages under a running gateway', () => {
  let emulator: StripeEmulator;
  let database: TestDatabase;
  let gateway: TestGateway;
  let admin: pg.Client;

  beforeEach(async () => {
    emulator = await startStripeEmulator();
    database = await createTestDatabase();
    gateway = await startGateway(emulator, database.url, {
      DATABASE_TIMEOUT_MS: String(DATABASE_TIMEOUT_MS),
      REQUEST_DEADLINE_MS: String(REQUEST_DEADLINE_MS),
    });
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });

  afterEach(async () => {
    await admin.end().catch(() => {});
    await gateway.close();
    await emulator.close();
    await database.drop();
  });

  it('answers a signed-in call 503 within DATABASE_TIMEOUT_MS while the mappings table is locked, then serves again', async () => {
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE customer_mappings IN ACCESS EXCLUSIVE MODE');
    const token = await tokenFor({ sub: 'behind-a-lock' });

    const started = Date.now();
    const rest = await callRest(gateway.url, { token });
    const elapsed = Date.now() - started;
    console.info(`REST while the table is locked: ${rest.status} after ${elapsed} ms: ${JSON.stringify(rest.body)}`);
    expect(rest.status).toBe(503);
    expect(rest.headers.get('retry-after')).toBe('1');
    expect(rest.body).toEqual({ error: STORE_UNAVAILABLE });
    expect(elapsed).toBeGreaterThanOrEqual(DATABASE_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(REQUEST_DEADLINE_MS);

    const graphql = await callGraphQL(gateway.url, SETUP_INTENT_MUTATION, { token });
    expect(graphql.status).toBe(503);
    expect(graphql.body.errors[0]).toMatchObject({ message: STORE_UNAVAILABLE, extensions: { code: 'STORE_UNAVAILABLE' } });
    expect(JSON.stringify(graphql.body)).not.toMatch(/timeout|lock|statement|customer_mappings/i);

    await admin.query('ROLLBACK');
    const after = await callRest(gateway.url, { token });
    expect(after.status).toBe(200);
    expect(after.body.customer_id).toMatch(/^cus_/);
  });

  it('/ready answers 503 once the schema is recreated empty, and signed-in calls are 503', async () => {
    expect((await fetch(`${gateway.url}/ready`)).status).toBe(200);
    await admin.query('DROP SCHEMA public CASCADE');
    await admin.query('CREATE SCHEMA public');

    const ready = await fetch(`${gateway.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable' });
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);

    const call = await callRest(gateway.url, { token: await tokenFor({ sub: 'after-the-wipe' }) });
    expect(call.status).toBe(503);
    expect(call.body).toEqual({ error: STORE_UNAVAILABLE });
  });

  it('/ready answers 503 once the database is dropped and created again empty', async () => {
    expect((await fetch(`${gateway.url}/ready`)).status).toBe(200);
    await admin.end();
    const name = new URL(database.url).pathname.slice(1);
    const server = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await server.connect();
    try {
      await server.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await server.query(`CREATE DATABASE ${name}`);
    } finally {
      await server.end();
    }
    // The pool's connections were cut; its next ones reach the new, empty database.
    await expect.poll(async () => (await fetch(`${gateway.url}/ready`)).status, { timeout: 10_000 }).toBe(503);
    const call = await callRest(gateway.url, { token: await tokenFor({ sub: 'after-the-recreate' }) });
    expect(call.status).toBe(503);
  });
});
