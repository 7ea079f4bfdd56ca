import { jwtVerify } from 'jose';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SANDBOX_JWT_SECRET } from '../src/auth/dev-token.js';
import { clientSetup } from '../src/config/client-setup.js';
import { loadConfig } from '../src/config/config.js';
import { DEFAULT_EMULATOR_PUBLISHABLE_KEY, DEFAULT_EMULATOR_SECRET_KEY } from '../src/emulator/index.js';
import { enterSandboxMode } from '../src/sandbox.js';

/** What `GET /` shows a client (contract 3), from the config the gateway runs with. */
describe('clientSetup: the mode, the Stripe API, the publishable key and the sandbox token', () => {
  const logger = pino({ level: 'silent' });

  it('sandbox mode with the emulator: its address, its publishable key, a development token for user_1', async () => {
    const sandbox = await enterSandboxMode(loadConfig({ DATABASE_URL: 'sqlite::memory:', SANDBOX_EMULATOR_PORT: '0' }), logger);
    try {
      const setup = clientSetup(sandbox.config);
      expect(setup).toMatchObject({ mode: 'sandbox', stripeApiBase: sandbox.emulator!.url, publishableKey: DEFAULT_EMULATOR_PUBLISHABLE_KEY });
      expect(setup.stripeApiBase).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const { payload } = await jwtVerify(setup.token!, new TextEncoder().encode(SANDBOX_JWT_SECRET));
      expect(payload.sub).toBe('user_1');
    } finally {
      await sandbox.close();
    }
  });

  it('SANDBOX=true: the key’s own Stripe API and publishable key, with a token', async () => {
    const env = {
      SANDBOX: 'true',
      STRIPE_SECRET_KEY: DEFAULT_EMULATOR_SECRET_KEY,
      STRIPE_PUBLISHABLE_KEY: 'pk_test_frontend',
      STRIPE_API_BASE: 'http://127.0.0.1:1/',
      DATABASE_URL: 'sqlite::memory:',
    };
    const sandbox = await enterSandboxMode(loadConfig(env), logger);
    expect(sandbox.emulator).toBeUndefined();
    expect(clientSetup(sandbox.config)).toMatchObject({
      mode: 'sandbox',
      stripeApiBase: 'http://127.0.0.1:1',
      publishableKey: 'pk_test_frontend',
      token: expect.stringMatching(/^eyJ/),
    });
    const { STRIPE_API_BASE: _default, ...onStripe } = env;
    const onStripeSandbox = await enterSandboxMode(loadConfig(onStripe), logger);
    expect(clientSetup(onStripeSandbox.config).stripeApiBase).toBe('https://api.stripe.com');
  });

  it('outside sandbox mode: test or live by the key, and no token', () => {
    expect(clientSetup(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc123def456', STRIPE_PUBLISHABLE_KEY: 'pk_test_abc123def456' }))).toEqual({
      mode: 'test',
      stripeApiBase: 'https://api.stripe.com',
      publishableKey: 'pk_test_abc123def456',
      token: undefined,
    });
    expect(clientSetup(loadConfig({ STRIPE_SECRET_KEY: 'rk_live_abc123def456' }))).toEqual({
      mode: 'live',
      stripeApiBase: 'https://api.stripe.com',
      publishableKey: undefined,
      token: undefined,
    });
  });
});
