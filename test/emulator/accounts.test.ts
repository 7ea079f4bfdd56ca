import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '../../src/emulator/index.js';
import { call, sdk, useEmulator } from './helpers.js';

const KEY_A = 'sk_test_accountA000000000000000';
const KEY_B = 'sk_test_accountB000000000000000';
const PK_A = 'pk_test_accountA000000000000000';
const PK_B = 'pk_test_accountB000000000000000';
const TWO_ACCOUNTS = {
  accounts: [
    { id: 'acct_A1', secretKeys: [KEY_A], publishableKeys: [PK_A] },
    { id: 'acct_B1', secretKeys: [KEY_B], publishableKeys: [PK_B] },
  ],
};

describe('emulator: several accounts, one per key', () => {
  const t = useEmulator(TWO_ACCOUNTS);

  it('keeps each account’s objects invisible to the other’s key, exactly as Stripe answers', async () => {
    const a = sdk(t.emu, KEY_A);
    const b = sdk(t.emu, KEY_B);
    const customer = await a.customers.create({ email: 'ada@example.com' });

    await expect(b.customers.retrieve(customer.id)).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: `No such customer: '${customer.id}'`,
    });
    await expect(b.setupIntents.create({ customer: customer.id })).rejects.toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'customer',
    });
    await expect(b.ephemeralKeys.create({ customer: customer.id }, { apiVersion: '2020-08-27' })).rejects.toMatchObject({
      code: 'resource_missing',
    });
    expect((await b.customers.list()).data).toEqual([]);
    expect((await a.customers.list()).data.map((c) => c.id)).toEqual([customer.id]);

    expect(t.emu.customers('acct_A1').map((c) => c.id)).toEqual([customer.id]);
    expect(t.emu.customers('acct_B1')).toEqual([]);
    expect(t.emu.customers()).toHaveLength(1);
    expect(t.emu.setupIntents()).toEqual([]);
    expect(() => t.emu.customers('acct_nope')).toThrow(/No such emulator account/);
  });

  it('answers GET /v1/account with the key’s own account, and tells which account a key belongs to', async () => {
    expect((await sdk(t.emu, KEY_A).accounts.retrieveCurrent()).id).toBe('acct_A1');
    expect((await sdk(t.emu, KEY_B).accounts.retrieveCurrent()).id).toBe('acct_B1');
    expect(t.emu.accountId).toBe('acct_A1');
    expect(t.emu.accountOf(KEY_B)).toBe('acct_B1');
    expect(t.emu.accountOf(PK_A)).toBe('acct_A1');
    expect(t.emu.accountOf('sk_test_unknown0123456789')).toBeUndefined();
    expect(t.emu.accounts().map(({ id, platform }) => ({ id, platform }))).toEqual([
      { id: 'acct_A1', platform: null },
      { id: 'acct_B1', platform: null },
    ]);
  });

  it('lets a publishable key confirm only its own account’s SetupIntents', async () => {
    const intent = await sdk(t.emu, KEY_A).setupIntents.create({ customer: (await sdk(t.emu, KEY_A).customers.create()).id });
    const params = { client_secret: intent.client_secret!, payment_method: 'pm_card_visa' };
    await expect(sdk(t.emu, PK_B).setupIntents.confirm(intent.id, params)).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });
    expect((await sdk(t.emu, PK_A).setupIntents.confirm(intent.id, params)).status).toBe('succeeded');
  });

  it('scopes idempotency keys per account: one key in two accounts makes two objects', async () => {
    const inA = await sdk(t.emu, KEY_A).customers.create({}, { idempotencyKey: 'same' });
    const inB = await sdk(t.emu, KEY_B).customers.create({}, { idempotencyKey: 'same' });
    expect(inB.id).not.toBe(inA.id);
    expect(inB.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(t.emu.customers('acct_A1')).toHaveLength(1);
    expect(t.emu.customers('acct_B1')).toHaveLength(1);
  });

  it('records the account each request acted on', async () => {
    await sdk(t.emu, KEY_B).customers.create();
    await call(t.emu, 'GET', '/v1/customers', { key: 'sk_test_unknown0123456789' });
    const [created, refused] = t.emu.requests();
    expect(created).toMatchObject({ path: '/v1/customers', status: 200, account: 'acct_B1' });
    expect(created!.stripeAccount).toBeUndefined();
    expect(refused!.status).toBe(401);
    expect(refused!.account).toBeUndefined();
  });

  it('fails one account’s requests with a fault matched by account, while the other answers', async () => {
    t.emu.injectFault({ kind: 'hang', match: { account: 'acct_A1' } });
    const started = Date.now();
    const hung = sdk(t.emu, KEY_A, { timeout: 300 }).customers.create();
    const answered = await sdk(t.emu, KEY_B).customers.create();
    expect(answered.id).toMatch(/^cus_/);
    await expect(hung).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(t.emu.customers('acct_A1')).toEqual([]);
  });
});

describe('emulator: account options', () => {
  it.each([
    ['accounts beside secretKeys', { accounts: [{ secretKeys: [KEY_A] }], secretKeys: [KEY_B] }, /accounts excludes secretKeys/],
    ['no accounts', { accounts: [] }, /accounts must not be empty/],
    ['an account without a secret key', { accounts: [{ secretKeys: [] }] }, /secretKeys must not be empty/],
    ['one key in two accounts', { accounts: [{ secretKeys: [KEY_A] }, { secretKeys: [KEY_A] }] }, /cannot belong to two accounts/],
    ['a malformed account id', { accounts: [{ id: 'A1', secretKeys: [KEY_A] }] }, /must look like acct_/],
    ['one id twice', { accounts: [{ id: 'acct_X', secretKeys: [KEY_A] }, { id: 'acct_X', secretKeys: [KEY_B] }] }, /already another account/],
  ])('refuses %s', async (_label, options, message) => {
    await expect(startStripeEmulator(options)).rejects.toThrow(message);
  });
});

describe('emulator: the state file keeps every account', () => {
  let dir: string;
  const opened: StripeEmulator[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((emu) => emu.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (options: Parameters<typeof startStripeEmulator>[0]) => {
    const emu = await startStripeEmulator(options);
    opened.push(emu);
    return emu;
  };

  it('finds each account again by its key, whatever the order, and never writes a key', async () => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-accounts-'));
    const statePath = join(dir, 'state.json');
    const accounts = [
      { secretKeys: [KEY_A], publishableKeys: [PK_A], connectedAccounts: ['acct_connected1'] },
      { secretKeys: [KEY_B] },
    ];
    const first = await start({ accounts, statePath });
    const inA = await sdk(first, KEY_A).customers.create({ email: 'a@example.com' });
    const inB = await sdk(first, KEY_B).customers.create({ email: 'b@example.com' });
    const inConnected = await sdk(first, KEY_A).customers.create({}, { stripeAccount: 'acct_connected1' });
    const made = await sdk(first, KEY_B).accounts.create({ type: 'express' });
    const ids = { a: first.accountOf(KEY_A)!, b: first.accountOf(KEY_B)! };
    await first.close();

    const text = readFileSync(statePath, 'utf8');
    for (const key of [KEY_A, KEY_B, PK_A]) expect(text).not.toContain(key);

    // Reversed order, new defaults: each key still reaches its account and its objects.
    const again = await start({ accounts: [accounts[1]!, accounts[0]!], statePath });
    expect(again.accountOf(KEY_A)).toBe(ids.a);
    expect(again.accountOf(KEY_B)).toBe(ids.b);
    expect(again.accountId).toBe(ids.b);
    expect((await sdk(again, KEY_A).customers.retrieve(inA.id)).id).toBe(inA.id);
    expect((await sdk(again, KEY_B).customers.retrieve(inB.id)).id).toBe(inB.id);
    await expect(sdk(again, KEY_B).customers.retrieve(inA.id)).rejects.toMatchObject({ code: 'resource_missing' });
    expect((await sdk(again, KEY_A).customers.retrieve(inConnected.id, {}, { stripeAccount: 'acct_connected1' })).id).toBe(inConnected.id);
    expect((await sdk(again, KEY_B).accounts.retrieve(made.id)).type).toBe('express');
    expect(again.accounts().map(({ id, platform }) => ({ id, platform }))).toEqual(
      expect.arrayContaining([
        { id: ids.a, platform: null },
        { id: ids.b, platform: null },
        { id: 'acct_connected1', platform: ids.a },
        { id: made.id, platform: ids.b },
      ]),
    );
  });

  it('finds an account by the id given, even when its keys changed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-accounts-'));
    const statePath = join(dir, 'state.json');
    const first = await start({ accounts: [{ id: 'acct_fixed', secretKeys: [KEY_A] }], statePath });
    const customer = await sdk(first, KEY_A).customers.create();
    await first.close();
    const rotated = await start({ accounts: [{ id: 'acct_fixed', secretKeys: [KEY_B] }], statePath });
    expect((await sdk(rotated, KEY_B).customers.retrieve(customer.id)).id).toBe(customer.id);
    expect(rotated.accountOf(KEY_A)).toBeUndefined();
  });

  it('reads the single-account file of earlier versions into the first account', async () => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-accounts-'));
    const statePath = join(dir, 'state.json');
    // What the emulator wrote before it had several accounts (version 1).
    const customer = {
      id: 'cus_Legacy0000001',
      object: 'customer',
      created: 1_700_000_000,
      email: 'old@example.com',
      livemode: false,
      metadata: { user_id: 'u1' },
    };
    writeFileSync(
      statePath,
      JSON.stringify({
        version: 1,
        accountId: 'acct_legacy',
        collections: { customers: { map: [[customer.id, customer]] }, deletedCustomerIds: { set: [] } },
        idempotency: [
          [
            `${KEY_A}\nlegacy-1`,
            {
              method: 'POST',
              path: '/v1/customers',
              fingerprint: JSON.stringify({ email: 'old@example.com' }),
              createdAt: Date.now(),
              response: { status: 200, body: JSON.stringify(customer), requestId: 'req_legacy', headers: {} },
            },
          ],
        ],
      }),
    );
    const emu = await start({ accounts: [{ secretKeys: [KEY_A] }, { secretKeys: [KEY_B] }], statePath });
    expect(emu.accountOf(KEY_A)).toBe('acct_legacy');
    expect((await sdk(emu, KEY_A).customers.retrieve(customer.id)).id).toBe(customer.id);
    await expect(sdk(emu, KEY_B).customers.retrieve(customer.id)).rejects.toMatchObject({ code: 'resource_missing' });
    // Its idempotent results still replay (the file kept them under the key itself).
    const replayed = await call(emu, 'POST', '/v1/customers', { key: KEY_A, body: 'email=old%40example.com', headers: { 'Idempotency-Key': 'legacy-1' } });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.json.id).toBe(customer.id);
    await sdk(emu, KEY_B).customers.create();
    await emu.close();
    const text = readFileSync(statePath, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ version: 2 });
    expect(text).not.toContain(KEY_A);
  });
});
