import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { exitOf, runTs } from './support/process.js';

/** The one line start-up stops on, or undefined when the configuration is accepted. */
function refusal(env: Record<string, string>): string | undefined {
  try {
    loadConfig({ DATABASE_URL: 'sqlite::memory:', ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return undefined;
}

const PLACEHOLDER = /looks like a placeholder or a shortened key; paste the whole key from the Stripe Dashboard/;

describe('a Stripe key that is a placeholder or cut short', () => {
  it.each(['sk_live_…', 'sk_test_...', 'sk_live_51HxQy…', 'rk_live_abc...xyz', 'sk_test_x', 'sk_live_xxxx', 'sk_live_XXXXXXXXXXXXXXXXXXXXXXXX'])(
    'STRIPE_SECRET_KEY=%s is called a placeholder, not a wrong prefix',
    (key) => {
      const message = refusal({ STRIPE_SECRET_KEY: key });
      expect(message).toMatch(/^STRIPE_SECRET_KEY: /);
      expect(message).toMatch(PLACEHOLDER);
      expect(message).not.toContain('expected a key starting');
    },
  );

  it.each(['pk_live_…', 'pk_test_...', 'pk_test_abc'])('STRIPE_PUBLISHABLE_KEY=%s likewise', (key) => {
    const message = refusal({ STRIPE_PUBLISHABLE_KEY: key });
    expect(message).toMatch(/^STRIPE_PUBLISHABLE_KEY: /);
    expect(message).toMatch(PLACEHOLDER);
  });

  it('never repeats what was pasted (a shortened key is still part of a secret)', () => {
    expect(refusal({ STRIPE_SECRET_KEY: 'sk_live_51HxQySECRETPART…' })).not.toContain('SECRETPART');
  });

  it('keeps the prefix message for a key of the wrong kind, and accepts whole keys', () => {
    expect(refusal({ STRIPE_SECRET_KEY: 'pk_test_0123456789abcdefghijklmn' })).toMatch(
      /^STRIPE_SECRET_KEY: expected a key starting sk_test_, sk_live_, rk_test_ or rk_live_/,
    );
    expect(refusal({ STRIPE_SECRET_KEY: 'whsec_0123456789abcdefghijklmn' })).toMatch(/expected a key starting sk_test_/);
    expect(refusal({ STRIPE_PUBLISHABLE_KEY: 'sk_test_0123456789abcdefghijklmn' })).toMatch(
      /^STRIPE_PUBLISHABLE_KEY: expected a key starting pk_test_ or pk_live_/,
    );
    expect(refusal({ STRIPE_SECRET_KEY: 'sk_live_51HxQyL2eZvKYlo2C0123456789abcdef' })).toBeUndefined();
    expect(refusal({ STRIPE_SECRET_KEY: 'rk_test_0123456789ab', STRIPE_PUBLISHABLE_KEY: 'pk_test_0123456789ab' })).toBeUndefined();
  });

  it('the README’s production example as an operator pastes it: one line saying what to do', async () => {
    const { code, stderr } = await exitOf(
      runTs('src/main.ts', [], { NODE_ENV: 'production', STRIPE_SECRET_KEY: 'sk_live_…', PORT: '0' }),
    );
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(PLACEHOLDER)]);
  });
});

describe('LOG_FORMAT', () => {
  it('is json, pretty, or unset (pretty on a terminal outside production)', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).logFormat).toBe('auto');
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:', LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:', LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(refusal({ LOG_FORMAT: 'fancy' })).toBe('LOG_FORMAT: expected json or pretty (unset: pretty on a terminal, JSON otherwise)');
  });
});
