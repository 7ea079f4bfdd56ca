import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/open-store.js';

describe('the SQLite customer store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates its file and schema, keeps the first claim and survives a reopen', async () => {
    const url = `sqlite:${join(dir, 'nested', 'gateway.sqlite')}`;
    const store = await openStore(url);
    expect(await store.findCustomer('acct_1:test', 'u1')).toBeUndefined();
    expect(await store.claimCustomer('acct_1:test', 'u1', 'cus_first')).toBe('cus_first');
    expect(await store.claimCustomer('acct_1:test', 'u1', 'cus_second')).toBe('cus_first');
    expect(await store.claimCustomer('acct_1:live', 'u1', 'cus_live')).toBe('cus_live');
    await store.close();

    const reopened = await openStore(url);
    expect(await reopened.findCustomer('acct_1:test', 'u1')).toBe('cus_first');
    expect(await reopened.findCustomer('acct_1:live', 'u1')).toBe('cus_live');
    expect(await reopened.findCustomer('acct_2:test', 'u1')).toBeUndefined();
    await reopened.ping();
    await reopened.close();
  });

  it('stops being reachable once closed', async () => {
    const store = await openStore(`sqlite:${join(dir, 'gateway.sqlite')}`);
    await store.close();
    await expect(store.ping()).rejects.toThrow();
  });
});
