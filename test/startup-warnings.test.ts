import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { DEFAULT_EMULATOR_SECRET_KEY, startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { createLogger } from '../src/http/logger.js';
import { callRest } from './support/clients.js';
import { useWorld } from './support/gateway.js';

/** Builds the app from env-style config and returns the warning lines it logged. */
async function warningsFor(env: Record<string, string>, emulator: StripeEmulator, dir: string): Promise<string[]> {
  const lines: Array<{ level: number; msg: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const config = loadConfig({
    STRIPE_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY,
    STRIPE_API_BASE: emulator.url,
    DATABASE_URL: `sqlite:${join(dir, `${Object.keys(env).join('-') || 'none'}.sqlite`)}`,
    ...env,
  });
  const app = await buildApp(config, createLogger('info', destination));
  await app.close();
  return lines.filter((line) => line.level === 40).map((line) => line.msg);
}

describe('start-up warnings (one line each)', () => {
  let emulator: StripeEmulator;
  const dir = mkdtempSync(join(tmpdir(), 'gateway-warnings-'));
  beforeAll(async () => {
    emulator = await startStripeEmulator();
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a Stripe key with no bearer-token verification: signed-in calls would all be 401', async () => {
    const warnings = await warningsFor({}, emulator, dir);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^STRIPE_SECRET_KEY is set but no bearer-token verification is configured/);
  });

  it('a JWKS with neither issuer nor audience: any token that JWKS signed would do', async () => {
    const warnings = await warningsFor({ AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json' }, emulator, dir);
    expect(warnings).toEqual([expect.stringMatching(/^AUTH_JWKS_URL is set without AUTH_JWT_ISSUER or AUTH_JWT_AUDIENCE/)]);
    const withIssuer = { AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json', AUTH_JWT_ISSUER: 'https://id.example.com/' };
    expect(await warningsFor(withIssuer, emulator, dir)).toEqual([]);
  });

  it('JWTs beside an opaque-token provider: both name users in one id space', async () => {
    const jwt = { AUTH_JWT_SECRET: 'a-secret-of-the-operator-0123456789' };
    const jwks = { AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json', AUTH_JWT_ISSUER: 'https://id.example.com/' };
    const spree = { AUTH_SPREE_URL: 'http://127.0.0.1:9' };
    const introspection = {
      AUTH_INTROSPECTION_URL: 'http://127.0.0.1:9/introspect',
      AUTH_INTROSPECTION_CLIENT_ID: 'gateway',
      AUTH_INTROSPECTION_CLIENT_SECRET: 'client-secret',
    };
    for (const [tokens, opaque, names] of [
      [jwt, spree, 'AUTH_JWT_SECRET and AUTH_SPREE_URL'],
      [jwks, introspection, 'AUTH_JWKS_URL and AUTH_INTROSPECTION_URL'],
    ] as const) {
      const warnings = await warningsFor({ ...tokens, ...opaque }, emulator, dir);
      expect(warnings).toEqual([
        `${names} are both set: user ids from either name users in one id space (user 7 of either is one shopper, ` +
          'with one Stripe customer and its saved cards); use both only when they share one user table',
      ]);
    }
    expect(await warningsFor(spree, emulator, dir)).toEqual([]);
  });

  it('mappings the upgrade set aside (users that shared a customer): until they are reviewed', async () => {
    const env = { AUTH_JWT_SECRET: 'a-secret-of-the-operator-0123456789', DATABASE_URL: `sqlite:${join(dir, 'set-aside.sqlite')}` };
    expect(await warningsFor(env, emulator, dir)).toEqual([]);
    const db = new Database(join(dir, 'set-aside.sqlite'));
    db.exec(`INSERT INTO customer_mappings_set_aside (account_scope, user_id, customer_id, created_at)
             VALUES ('acct_1:test', 'attacker_42', 'cus_S', '2026-01-01T00:00:00.000Z')`);
    db.close();
    expect(await warningsFor(env, emulator, dir)).toEqual([
      expect.stringMatching(/^1 customer mappings shared a Stripe customer with another user and were set aside by the upgrade \(table customer_mappings_set_aside\)/),
    ]);
  });

  it('none for a configured gateway', async () => {
    expect(await warningsFor({ AUTH_JWT_SECRET: 'a-secret-of-the-operator-0123456789' }, emulator, dir)).toEqual([]);
  });
});

describe('sandbox fault injection with a Stripe key set', () => {
  const world = useWorld();

  it('is not there: POST /_sandbox/faults is 404 and the next call succeeds', async () => {
    const injected = await fetch(`${world().gateway.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fault: 'card_declined' }),
    });
    expect(injected.status).toBe(404);
    expect((await callRest(world().gateway.url)).status).toBe(200);
  });

  it('cannot be mounted: the app refuses an emulator outside sandbox mode', async () => {
    const config = loadConfig({ STRIPE_SECRET_KEY: 'sk_live_abcdefghijklmnop', DATABASE_URL: 'sqlite::memory:' });
    await expect(buildApp(config, createLogger('silent'), { emulator: world().emulator })).rejects.toThrow(/sandbox/);
  });
});
