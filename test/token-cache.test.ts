import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderHealth } from '../src/auth/provider-health.js';
import { createSpreeAccountResolver } from '../src/auth/spree-account.js';
import { cacheTokenResolver } from '../src/auth/token-cache.js';
import { GatewayMetrics } from '../src/http/metrics.js';
import { AuthUnavailableError, UnauthenticatedError } from '../src/core/errors.js';
import { startSpreeStandIn, type SpreeStandIn } from './support/spree-stand-in.js';

/** The cache around the real Spree resolver, against the stand-in: what reaches Spree is counted there. */
describe('the opaque-token cache', () => {
  let spree: SpreeStandIn;
  beforeEach(async () => {
    spree = await startSpreeStandIn();
  });
  afterEach(() => spree.close());

  const spreeResolver = () =>
    createSpreeAccountResolver({
      storeUrl: new URL(spree.url),
      timeoutMs: 2000,
      health: new ProviderHealth('spree', pino({ level: 'silent' }), new GatewayMetrics(), 5),
    });
  const user = (id: number) => ({ id, email: `u${id}@spree.example` });

  it('holds a bounded number of tokens, forgetting the least recently used', async () => {
    const resolve = cacheTokenResolver(spreeResolver(), { ttlMs: 60_000, maxEntries: 2 });
    const [a, b, c] = [spree.signIn(user(1)), spree.signIn(user(2)), spree.signIn(user(3))];
    for (const token of [a, b, a, c]) await resolve(token);
    expect(spree.calls.account).toBe(3);
    await resolve(a);
    await resolve(c);
    expect(spree.calls.account).toBe(3);
    expect(await resolve(b)).toMatchObject({ userId: '2' });
    expect(spree.calls.account).toBe(4);
  });

  it('with a time of 0 reuses nothing, yet simultaneous lookups of one token still share one call', async () => {
    const resolve = cacheTokenResolver(spreeResolver(), { ttlMs: 0 });
    const token = spree.signIn(user(1));
    await resolve(token);
    await resolve(token);
    expect(spree.calls.account).toBe(2);
    spree.setMode('slow', 100);
    await Promise.all(Array.from({ length: 10 }, () => resolve(token)));
    expect(spree.calls.account).toBe(3);
  });

  it('caches refusals briefly and outages not at all, holding off new lookups for the cooldown', async () => {
    const resolve = cacheTokenResolver(spreeResolver(), { ttlMs: 60_000, refusalTtlMs: 200, outageCooldownMs: 300 });
    const revoked = spree.signIn(user(1));
    spree.revoke(revoked);
    await expect(resolve(revoked)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(resolve(revoked)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(spree.calls.account).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await expect(resolve(revoked)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(spree.calls.account).toBe(2);

    const token = spree.signIn(user(2));
    spree.setMode('error');
    await expect(resolve(token)).rejects.toBeInstanceOf(AuthUnavailableError);
    spree.setMode('ok');
    await expect(resolve(token)).rejects.toBeInstanceOf(AuthUnavailableError);
    await expect(resolve(spree.signIn(user(3)))).rejects.toBeInstanceOf(AuthUnavailableError);
    expect(spree.authorizations).toHaveLength(3);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await resolve(token)).toMatchObject({ userId: '2', email: 'u2@spree.example', name: undefined });
  });
});
