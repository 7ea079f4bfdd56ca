import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { callRest, tokenFor } from './support/clients.js';
import { BACKENDS } from './support/databases.js';
import { startGateway } from './support/gateway.js';
import type { TestDatabase } from './support/postgres.js';

/**
 * main just before several stores: its database keys mappings by the account scope alone. The
 * test builds that gateway from git (its own source, run in this process against the same
 * emulator), lets it serve users, then starts today's gateway on the same SQLite file.
 */
const BEFORE_STORES = '6d63365a36ae4018d25604be8c71e2f9d6d75dd7';
const REPO = resolve(import.meta.dirname, '..');
const USERS = ['user_1', 'user_2', 'user_3', '42', 'ünïcode user'];

const hasHistory = (() => {
  try {
    execFileSync('git', ['cat-file', '-e', `${BEFORE_STORES}^{commit}`], { cwd: REPO, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.each(BACKENDS)('upgrade from a database made before stores, on $name', (backend) => {
  // PostgreSQL needs TEST_DATABASE_URL; the old gateway needs the git history.
  if (!backend.available || !hasHistory) {
    it.skip(`needs ${backend.available ? 'the git history' : 'TEST_DATABASE_URL'}`, () => {});
    return;
  }
  let emulator: StripeEmulator;
  let dir: string;
  let database: TestDatabase;
  let databaseUrl: string;
  /** What the old gateway answered, per user, and one idempotent answer. */
  const before = new Map<string, string>();
  let repeatable: { user: string; key: string; body: Record<string, string> };

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    dir = mkdtempSync(join(tmpdir(), 'stores-upgrade-'));
    const old = join(dir, 'old');
    execFileSync('sh', ['-c', `mkdir -p "${old}" && git archive ${BEFORE_STORES} src test/support docs README.md package.json | tar -x -C "${old}"`], {
      cwd: REPO,
    });
    symlinkSync(join(REPO, 'node_modules'), join(old, 'node_modules'), 'dir');
    database = await backend.create();
    databaseUrl = database.url;
    const oldSupport = (await import(pathToFileURL(join(old, 'test/support/gateway.ts')).href)) as typeof import('./support/gateway.js');
    const oldGateway = await oldSupport.startGateway(emulator, databaseUrl);
    try {
      for (const user of USERS) {
        const answer = await callRest(oldGateway.url, { token: await tokenFor({ sub: user }) });
        expect(answer.status).toBe(200);
        before.set(user, answer.body.customer_id);
      }
      const key = 'checkout-before-upgrade';
      const answer = await callRest(oldGateway.url, { token: await tokenFor({ sub: 'user_1' }), headers: { 'idempotency-key': key } });
      repeatable = { user: 'user_1', key, body: answer.body };
    } finally {
      await oldGateway.close();
    }
  });
  afterAll(async () => {
    await database?.drop();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without STORES_FILE every user keeps their customer, and an idempotent repeat gets the same answer', async () => {
    const customers = emulator.customers().length;
    const gateway = await startGateway(emulator, databaseUrl);
    try {
      for (const user of USERS) {
        const answer = await callRest(gateway.url, { token: await tokenFor({ sub: user }) });
        expect({ user, customer: answer.body.customer_id }).toEqual({ user, customer: before.get(user) });
      }
      const repeat = await callRest(gateway.url, {
        token: await tokenFor({ sub: repeatable.user }),
        headers: { 'idempotency-key': repeatable.key },
      });
      expect(repeat.body.customer_id).toBe(repeatable.body.customer_id);
      expect(repeat.body.setup_intent_client_secret).toBe(repeatable.body.setup_intent_client_secret);
      expect(emulator.customers()).toHaveLength(customers);
    } finally {
      await gateway.close();
    }
  });

  it('with a stores file, the store `default` keeps every user’s customer; another store on the account gets its own', async () => {
    const file = join(dir, 'stores.json');
    writeFileSync(file, JSON.stringify({ stores: [{ id: 'default', hosts: ['shop.test'] }, { id: 'outlet', hosts: ['outlet.test'] }] }));
    const customers = emulator.customers().length;
    const gateway = await startGateway(emulator, databaseUrl, { STORES_FILE: file });
    try {
      for (const user of USERS) {
        const answer = await callRest(gateway.url, { token: await tokenFor({ sub: user }), headers: { 'x-store-id': 'default' } });
        expect({ user, customer: answer.body.customer_id }).toEqual({ user, customer: before.get(user) });
      }
      expect(emulator.customers()).toHaveLength(customers);
      const outlet = await callRest(gateway.url, { token: await tokenFor({ sub: 'user_1' }), headers: { 'x-store-id': 'outlet' } });
      expect(outlet.status).toBe(200);
      expect(outlet.body.customer_id).not.toBe(before.get('user_1'));
      expect(emulator.customers()).toHaveLength(customers + 1);
    } finally {
      await gateway.close();
    }
  });
});
