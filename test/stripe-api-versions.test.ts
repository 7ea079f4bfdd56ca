import { describe, expect, it } from 'vitest';
import { renderApiVersionsModule, sdkApiVersions } from '../scripts/sdk-api-versions.js';
import { readFileSync } from 'node:fs';
import { stripeVersionStanding } from '../src/stripe/stripe-versions.js';
import Stripe from 'stripe';

describe('src/stripe/api-versions.ts', () => {
  it('lists exactly the versions the installed stripe-node knows (regenerate with npm run api-versions)', () => {
    const committed = readFileSync(new URL('../src/stripe/api-versions.ts', import.meta.url), 'utf8');
    expect(committed).toBe(renderApiVersionsModule(sdkApiVersions()));
    expect(sdkApiVersions()).toContain(Stripe.API_VERSION);
  });
});

describe('a Stripe-Version', () => {
  it.each([
    ['2024-06-20', 'released'],
    ['2020-08-27', 'released'],
    ['2025-03-31.basil', 'released'],
    ['2025-03-31', 'released'],
    [Stripe.API_VERSION, 'released'],
    ['2024-06-21', 'unreleased'],
    ['2025-03-31.acacia', 'unreleased'],
    ['2024-13-01', 'unreleased'],
    ['yesterday', 'unreleased'],
    ['2099-01-01', 'newer'],
    ['2099-01-01.zinnia', 'newer'],
  ])('%s is %s', (version, standing) => {
    expect(stripeVersionStanding(version)).toBe(standing);
  });
});

describe('STRIPE_EPHEMERAL_KEY_VERSION', () => {
  it('stops start-up naming the variable when Stripe never released it, and takes a newer date', async () => {
    const { loadConfig } = await import('../src/config/config.js');
    expect(() => loadConfig({ STRIPE_EPHEMERAL_KEY_VERSION: '2024-06-21' })).toThrow(
      'STRIPE_EPHEMERAL_KEY_VERSION: Stripe never released this API version',
    );
    expect(loadConfig({ STRIPE_EPHEMERAL_KEY_VERSION: '2099-01-01' }).stripe.ephemeralKeyVersion).toBe('2099-01-01');
  });
});
