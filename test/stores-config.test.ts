import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { isSandbox } from '../src/config/stores.js';

const dir = mkdtempSync(join(tmpdir(), 'stores-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Writes `content` (JSON unless a string) to a new file and returns its path. */
function storesFile(content: unknown): string {
  const path = join(dir, `stores-${files++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const TEST_KEY = 'sk_test_platformKEY0000000000';
const EU_KEY = 'sk_live_euKEY000000000000000000';
const LIVE_PK = 'pk_live_eu0000000000000000000000';
const TEST_PK = 'pk_test_shared00000000000000000';

function stores(content: unknown, env: Record<string, string> = {}) {
  return loadConfig({ STORES_FILE: storesFile(content), ...env }).stores;
}

/** The one line start-up would print, or a failure when the file was accepted. */
function refusal(content: unknown, env: Record<string, string> = {}): string {
  try {
    loadConfig({ STORES_FILE: typeof content === 'string' && content.startsWith('/') ? content : storesFile(content), ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('STORES_FILE');
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('the stores file was accepted');
}

describe('stores: without STORES_FILE', () => {
  it('is one store, default, configured by the STRIPE_* variables', () => {
    const config = loadConfig({
      STRIPE_SECRET_KEY: TEST_KEY,
      STRIPE_PUBLISHABLE_KEY: TEST_PK,
      STRIPE_WEBHOOK_SECRET: 'whsec_one, whsec_two',
      STRIPE_EPHEMERAL_KEY_VERSION: '2020-08-27',
    });
    expect(config.stores).toEqual([
      {
        id: 'default',
        hosts: [],
        stripe: {
          secretKey: TEST_KEY,
          publishableKey: TEST_PK,
          webhookSecrets: ['whsec_one', 'whsec_two'],
          ephemeralKeyVersion: '2020-08-27',
          account: undefined,
        },
      },
    ]);
    expect(isSandbox(config.stores)).toBe(false);
  });

  it('is sandbox mode without a key, with the SDK’s pinned version for ephemeral keys', () => {
    const [store] = loadConfig({}).stores;
    expect(store!.stripe).toEqual({
      secretKey: undefined,
      publishableKey: undefined,
      webhookSecrets: [],
      ephemeralKeyVersion: Stripe.API_VERSION,
      account: undefined,
    });
    expect(isSandbox(loadConfig({}).stores)).toBe(true);
  });

  it('treats a blank STORES_FILE as unset', () => {
    expect(loadConfig({ STORES_FILE: '  ' }).stores.map((store) => store.id)).toEqual(['default']);
  });
});

describe('stores: the file', () => {
  it('reads the contract’s example, resolving env: values and filling defaults from the variables', () => {
    const result = stores(
      {
        stores: [
          {
            id: 'eu',
            hosts: ['EU.Shop.Example', 'shop.example.de.'],
            stripe: {
              secretKey: 'env:STRIPE_KEY_EU',
              publishableKey: LIVE_PK,
              webhookSecrets: ['env:STRIPE_WEBHOOK_SECRET_EU'],
              ephemeralKeyVersion: '2024-06-20',
            },
          },
          {
            id: 'market-42',
            hosts: ['m42.market.example'],
            stripe: { secretKey: 'env:PLATFORM_KEY', account: 'acct_1Market42', publishableKey: 'env:PLATFORM_PK' },
          },
          { id: 'shared', hosts: ['shared.example'] },
        ],
      },
      {
        STRIPE_KEY_EU: ` ${EU_KEY} `,
        STRIPE_WEBHOOK_SECRET_EU: 'whsec_eu_new,whsec_eu_old',
        PLATFORM_KEY: TEST_KEY,
        PLATFORM_PK: TEST_PK,
        STRIPE_SECRET_KEY: TEST_KEY,
        STRIPE_PUBLISHABLE_KEY: TEST_PK,
        STRIPE_WEBHOOK_SECRET: 'whsec_default',
        STRIPE_EPHEMERAL_KEY_VERSION: '2020-08-27',
      },
    );
    expect(result).toEqual([
      {
        id: 'eu',
        hosts: ['eu.shop.example', 'shop.example.de'],
        stripe: {
          secretKey: EU_KEY,
          publishableKey: LIVE_PK,
          webhookSecrets: ['whsec_eu_new', 'whsec_eu_old'],
          ephemeralKeyVersion: '2024-06-20',
          account: undefined,
        },
      },
      {
        id: 'market-42',
        hosts: ['m42.market.example'],
        stripe: {
          secretKey: TEST_KEY,
          publishableKey: TEST_PK,
          webhookSecrets: ['whsec_default'],
          ephemeralKeyVersion: '2020-08-27',
          account: 'acct_1Market42',
        },
      },
      {
        id: 'shared',
        hosts: ['shared.example'],
        stripe: {
          secretKey: TEST_KEY,
          publishableKey: TEST_PK,
          webhookSecrets: ['whsec_default'],
          ephemeralKeyVersion: '2020-08-27',
          account: undefined,
        },
      },
    ]);
  });

  it('accepts a store with no hosts and no stripe settings, an IPv4 or IPv6 host, and webhookSecrets as one string', () => {
    const result = stores(
      {
        stores: [
          { id: 'a' },
          { id: 'b', hosts: ['127.0.0.1', '[::1]'], stripe: { webhookSecrets: 'env:HOOKS' } },
          { id: 'c', stripe: { webhookSecrets: [] } },
        ],
      },
      { HOOKS: 'whsec_b1,whsec_b2', STRIPE_WEBHOOK_SECRET: 'whsec_default' },
    );
    expect(result.map((store) => [store.id, store.hosts, store.stripe.webhookSecrets])).toEqual([
      ['a', [], ['whsec_default']],
      ['b', ['127.0.0.1', '[::1]'], ['whsec_b1', 'whsec_b2']],
      ['c', [], []],
    ]);
    expect(isSandbox(result)).toBe(true);
  });

  it('reads env: in any string value, the id and hosts included', () => {
    const [store] = stores({ stores: [{ id: 'env:STORE_ID', hosts: ['env:STORE_HOST'] }] }, { STORE_ID: 'us', STORE_HOST: 'US.example' });
    expect(store).toMatchObject({ id: 'us', hosts: ['us.example'] });
  });
});

describe('stores: invalid files stop start-up with one line naming the store and field', () => {
  it.each<[string, unknown, Record<string, string>, string]>([
    // The file itself
    ['bad JSON', '{"stores": [ }', {}, 'not valid JSON'],
    ['an empty file', '', {}, 'not valid JSON'],
    ['not an object', '[]', {}, 'STORES_FILE: the file: expected a JSON object'],
    ['an unknown top-level key', { stores: [{ id: 'a' }], store: [] }, {}, 'STORES_FILE: the file: unknown key "store" (expected "stores")'],
    ['no stores', { stores: [] }, {}, 'STORES_FILE: stores: expected a list of at least one store'],
    ['stores not a list', { stores: { id: 'a' } }, {}, 'STORES_FILE: stores: expected a list of at least one store'],
    // Ids
    ['a store that is not an object', { stores: ['eu'] }, {}, 'STORES_FILE: stores[0]: expected a JSON object'],
    ['a missing id', { stores: [{ hosts: ['a.example'] }] }, {}, 'STORES_FILE: stores[0]: id: required'],
    ['an id with capitals', { stores: [{ id: 'EU' }] }, {}, 'STORES_FILE: stores[0]: id: expected 1 to 40 of a-z, 0-9 and -, got "EU"'],
    ['an id of 41 characters', { stores: [{ id: 'a'.repeat(41) }] }, {}, 'STORES_FILE: stores[0]: id: expected 1 to 40'],
    ['an id with a space', { stores: [{ id: 'e u' }] }, {}, 'STORES_FILE: stores[0]: id: expected 1 to 40'],
    ['an id that is a number', { stores: [{ id: 7 }] }, {}, 'STORES_FILE: stores[0]: id: expected a string'],
    ['a duplicate id', { stores: [{ id: 'eu' }, { id: 'us' }, { id: 'eu' }] }, {}, 'STORES_FILE: stores[2]: id: "eu" is also the id of stores[0]'],
    // Unknown keys at every level
    ['an unknown store key', { stores: [{ id: 'eu', host: 'a.example' }] }, {}, 'STORES_FILE: stores[0]: unknown key "host" (expected "id", "hosts", "stripe")'],
    [
      'an unknown stripe key',
      { stores: [{ id: 'eu', stripe: { secret_key: 'x' } }] },
      {},
      'STORES_FILE: store "eu": stripe: unknown key "secret_key" (expected "secretKey", "publishableKey", "webhookSecrets", "ephemeralKeyVersion", "account")',
    ],
    ['stripe not an object', { stores: [{ id: 'eu', stripe: 'env:X' }] }, {}, 'STORES_FILE: store "eu": stripe: expected a JSON object'],
    // Hosts
    ['hosts not a list', { stores: [{ id: 'eu', hosts: 'eu.example' }] }, {}, 'STORES_FILE: store "eu": hosts: expected a list'],
    ['a host with a port', { stores: [{ id: 'eu', hosts: ['eu.example:8443'] }] }, {}, 'STORES_FILE: store "eu": hosts[0]: eu.example:8443: a host name without port'],
    ['a URL for a host', { stores: [{ id: 'eu', hosts: ['https://eu.example/'] }] }, {}, 'STORES_FILE: store "eu": hosts[0]: https://eu.example/ is not a host name'],
    ['a host with a space', { stores: [{ id: 'eu', hosts: ['eu example'] }] }, {}, 'is not a host name'],
    ['an empty host', { stores: [{ id: 'eu', hosts: [''] }] }, {}, 'STORES_FILE: store "eu": hosts[0]: empty'],
    [
      'a host of two stores (case aside)',
      { stores: [{ id: 'eu', hosts: ['shop.example'] }, { id: 'us', hosts: ['a.example', 'SHOP.example'] }] },
      {},
      'STORES_FILE: store "us": hosts[1]: shop.example is already a host of store "eu"',
    ],
    ['a host twice in one store', { stores: [{ id: 'eu', hosts: ['a.example', 'A.example.'] }] }, {}, 'STORES_FILE: store "eu": hosts[1]: a.example is already a host of this store'],
    // env: values
    [
      'a missing env: variable',
      { stores: [{ id: 'eu', stripe: { secretKey: 'env:STRIPE_KEY_EU' } }] },
      {},
      'STORES_FILE: store "eu": stripe.secretKey: env:STRIPE_KEY_EU is not set',
    ],
    [
      'a blank env: variable',
      { stores: [{ id: 'eu', stripe: { publishableKey: 'env:PK_EU' } }] },
      { PK_EU: ' ' },
      'STORES_FILE: store "eu": stripe.publishableKey: env:PK_EU is empty',
    ],
    [
      'a missing env: variable in a list',
      { stores: [{ id: 'eu', stripe: { webhookSecrets: ['whsec_a', 'env:HOOK_EU'] } }] },
      {},
      'STORES_FILE: store "eu": stripe.webhookSecrets[1]: env:HOOK_EU is not set',
    ],
    ['a missing env: id', { stores: [{ id: 'env:STORE_ID' }] }, {}, 'STORES_FILE: stores[0]: id: env:STORE_ID is not set'],
    ['an env: naming no variable', { stores: [{ id: 'eu', stripe: { account: 'env:acct-1' } }] }, {}, 'STORES_FILE: store "eu": stripe.account: "env:acct-1" does not name an environment variable'],
    // The variables' own validation, per field
    [
      'a secret key that is no Stripe key',
      { stores: [{ id: 'eu', stripe: { secretKey: 'pk_test_abc0123456789' } }] },
      {},
      'STORES_FILE: store "eu": stripe.secretKey: expected a key starting sk_test_, sk_live_, rk_test_ or rk_live_',
    ],
    [
      'a publishable key that is a secret key',
      { stores: [{ id: 'eu', stripe: { publishableKey: 'sk_test_abc0123456789' } }] },
      {},
      'STORES_FILE: store "eu": stripe.publishableKey: expected a key starting pk_test_ or pk_live_',
    ],
    [
      'a publishable key of the other mode',
      { stores: [{ id: 'eu', stripe: { secretKey: EU_KEY, publishableKey: TEST_PK } }] },
      {},
      'STORES_FILE: store "eu": stripe.publishableKey: a test key beside a live stripe.secretKey',
    ],
    [
      'an inherited publishable key of the other mode',
      { stores: [{ id: 'eu', stripe: { secretKey: EU_KEY } }] },
      { STRIPE_PUBLISHABLE_KEY: TEST_PK },
      'STORES_FILE: store "eu": stripe.publishableKey (STRIPE_PUBLISHABLE_KEY): a test key beside a live stripe.secretKey',
    ],
    [
      'a publishable key of the other mode than the inherited secret key',
      { stores: [{ id: 'eu', stripe: { publishableKey: LIVE_PK } }] },
      { STRIPE_SECRET_KEY: TEST_KEY },
      'STORES_FILE: store "eu": stripe.publishableKey: a live key beside a test STRIPE_SECRET_KEY',
    ],
    [
      'a webhook secret that is no whsec_',
      { stores: [{ id: 'eu', stripe: { webhookSecrets: ['whsec_ok', 'sk_test_oops0123456789'] } }] },
      {},
      'STORES_FILE: store "eu": stripe.webhookSecrets[1]: expected whsec_… signing secrets',
    ],
    ['webhookSecrets of numbers', { stores: [{ id: 'eu', stripe: { webhookSecrets: [1] } }] }, {}, 'STORES_FILE: store "eu": stripe.webhookSecrets[0]: expected a string'],
    [
      'a malformed ephemeral key version',
      { stores: [{ id: 'eu', stripe: { ephemeralKeyVersion: 'latest' } }] },
      {},
      'STORES_FILE: store "eu": stripe.ephemeralKeyVersion: expected a Stripe API version',
    ],
    [
      'an ephemeral key version Stripe never released',
      { stores: [{ id: 'eu', stripe: { ephemeralKeyVersion: '2019-01-01' } }] },
      {},
      'STORES_FILE: store "eu": stripe.ephemeralKeyVersion: Stripe never released this API version',
    ],
    ['an account without acct_', { stores: [{ id: 'eu', stripe: { account: 'market-42' } }] }, {}, 'STORES_FILE: store "eu": stripe.account: expected a connected account id like acct_1Abc…'],
    ['an account with a dash', { stores: [{ id: 'eu', stripe: { account: 'acct_1-2' } }] }, {}, 'STORES_FILE: store "eu": stripe.account: expected'],
    // Sandbox is all or nothing
    [
      'a keyless store beside stores with keys',
      { stores: [{ id: 'eu', stripe: { secretKey: EU_KEY } }, { id: 'us' }] },
      {},
      'STORES_FILE: store "us": stripe.secretKey: required',
    ],
  ])('refuses %s', (_label, content, env, expected) => {
    expect(refusal(content, env)).toContain(expected);
  });

  it('refuses a file it cannot read, naming the path', () => {
    expect(refusal(join(dir, 'missing.json'))).toBe(`STORES_FILE: ${join(dir, 'missing.json')}: cannot be read (ENOENT)`);
    if (process.getuid?.() !== 0) {
      const locked = storesFile({ stores: [{ id: 'a' }] });
      chmodSync(locked, 0o000);
      expect(refusal(locked)).toBe(`STORES_FILE: ${locked}: cannot be read (EACCES)`);
    }
  });

  it('never repeats a key in its message, whatever is wrong around it', () => {
    const secret = 'sk_live_VERYsecret000000000000000';
    const bad = '{"stores": [{"id": "eu", "stripe": {"secretKey": "' + secret + '" }}] ';
    expect(refusal(bad)).not.toContain(secret);
    expect(refusal({ stores: [{ id: 'eu', stripe: { secretKey: secret, publishableKey: TEST_PK } }] })).not.toContain(secret);
    expect(refusal({ stores: [{ id: 'eu', stripe: { secretKey: `${secret}!` } }] })).not.toContain(secret);
  });
});
