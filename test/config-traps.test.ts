import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_JWT_SECRET } from '../src/auth/dev-token.js';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { DEFAULT_EMULATOR_SECRET_KEY, startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { runTs, stopChild } from './support/process.js';

/** What `npm start` did with this environment: refused (exit code, stderr) or started (its first log lines). */
type Start = { refused: true; code: number | null; stderr: string } | { refused: false; logs: string[] };

/** src/main.ts in a process of its own, on 127.0.0.1: either it exits, or it listens and is stopped. */
async function start(env: Record<string, string>): Promise<Start> {
  const child = runTs('src/main.ts', [], { PORT: '0', HOST: '127.0.0.1', ...env });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let listening = false;
  return new Promise((resolve) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (listening || !/"msg":"listening/.test(stdout)) return;
      listening = true;
      const logs = stdout.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { msg: string }).msg);
      void stopChild(child).then(() => resolve({ refused: false, logs }));
    });
    child.on('close', (code) => {
      if (!listening) resolve({ refused: true, code, stderr });
    });
  });
}

/** Refused with one line on stderr naming `variable`, exit 1. */
function expectRefusal(outcome: Start, variable: string): void {
  expect(outcome).toMatchObject({ refused: true, code: 1 });
  const { stderr } = outcome as { stderr: string };
  expect(stderr.trim().split('\n'), stderr).toHaveLength(1);
  expect(stderr).toMatch(new RegExp(`^stripe-setup-gateway: invalid configuration: ${variable}: `));
}

/** loadConfig's refusal, as the ConfigError's variable and message. */
function refusalOf(env: Record<string, string>): { variable: string; message: string } | undefined {
  try {
    loadConfig(env);
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { variable: error.variable, message: error.message };
  }
}

// Each test starts real processes (tsx compiling on a loaded machine).
describe('configuration traps', { timeout: 60_000 }, () => {
  let emulator: StripeEmulator;
  const dir = mkdtempSync(join(tmpdir(), 'gateway-config-traps-'));
  beforeAll(async () => {
    emulator = await startStripeEmulator();
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const keyed = (env: Record<string, string>) => ({
    STRIPE_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY,
    STRIPE_API_BASE: emulator.url,
    DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`,
    ...env,
  });

  it('production refuses the public development JWT secret (tokens from `npm run token` would sign anyone in)', async () => {
    expectRefusal(await start(keyed({ NODE_ENV: 'production', AUTH_JWT_SECRET: SANDBOX_JWT_SECRET })), 'AUTH_JWT_SECRET');
    expect(refusalOf({ NODE_ENV: 'Production', STRIPE_SECRET_KEY: 'sk_live_abc0123456789', AUTH_JWT_SECRET: SANDBOX_JWT_SECRET })).toEqual({
      variable: 'AUTH_JWT_SECRET',
      message: expect.stringMatching(/development secret/),
    });
    // Outside production it is the sandbox's own secret, and allowed.
    expect(refusalOf({ STRIPE_SECRET_KEY: 'sk_test_abc0123456789', AUTH_JWT_SECRET: SANDBOX_JWT_SECRET })).toBeUndefined();
  });

  it('production refuses an HS256 secret shorter than 32 bytes (bytes, not characters)', async () => {
    expectRefusal(await start(keyed({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'secret' })), 'AUTH_JWT_SECRET');
    const production = { NODE_ENV: 'production', STRIPE_SECRET_KEY: 'sk_live_abc0123456789' };
    expect(refusalOf({ ...production, AUTH_JWT_SECRET: 'x'.repeat(31) })?.variable).toBe('AUTH_JWT_SECRET');
    expect(refusalOf({ ...production, AUTH_JWT_SECRET: `${'é'.repeat(15)}x` })?.message).toMatch(/31 bytes/);
    expect(refusalOf({ ...production, AUTH_JWT_SECRET: 'x'.repeat(32) })).toBeUndefined();
    expect(refusalOf({ ...production, AUTH_JWT_SECRET: 'é'.repeat(16) })).toBeUndefined();
    // Development keeps short secrets working.
    expect(refusalOf({ STRIPE_SECRET_KEY: 'sk_test_abc0123456789', AUTH_JWT_SECRET: 'secret' })).toBeUndefined();
  });

  it('NODE_ENV is compared without regard to case: Production refuses sandbox mode', async () => {
    const values = ['Production', 'PRODUCTION', ' production '];
    const outcomes = await Promise.all(values.map((value) => start({ NODE_ENV: value, DATABASE_URL: `sqlite:${join(dir, 'sandbox.sqlite')}` })));
    for (const outcome of outcomes) expectRefusal(outcome, 'STRIPE_SECRET_KEY');
    const config = loadConfig({ NODE_ENV: 'Production', STRIPE_SECRET_KEY: 'sk_live_abc0123456789', AUTH_JWT_SECRET: 'x'.repeat(32) });
    expect(config).toMatchObject({ production: true, graphiql: false, graphqlIntrospection: false });
  });

  it('a STRIPE_SECRET_KEY set but blank is invalid configuration, not sandbox mode', async () => {
    const values = ['', '   ', '\t'];
    const outcomes = await Promise.all(values.map((value) => start({ STRIPE_SECRET_KEY: value, DATABASE_URL: `sqlite:${join(dir, 'blank.sqlite')}` })));
    for (const outcome of outcomes) expectRefusal(outcome, 'STRIPE_SECRET_KEY');
    for (const value of values) expect(refusalOf({ STRIPE_SECRET_KEY: value })?.message).toMatch(/blank/);
    // Unset is sandbox mode, as before.
    expect(refusalOf({})).toBeUndefined();
  });
});
