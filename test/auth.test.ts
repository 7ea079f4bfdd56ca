import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { buildAuthenticator, type AuthTuning } from '../src/auth/build-authenticator.js';
import { mintToken } from '../src/auth/dev-token.js';
import type { GatewayConfig } from '../src/config/config.js';
import { GatewayMetrics } from '../src/http/metrics.js';
import { AuthUnavailableError, UnauthenticatedError } from '../src/core/errors.js';
import { signWith, startJwksStandIn, type JwksStandIn } from './support/jwks-stand-in.js';

const secret = 'auth-suite-secret-auth-suite-secret-0123';
const hs: GatewayConfig['auth'] = {
  jwtSecret: secret,
  jwksUrl: undefined,
  issuer: undefined,
  audience: undefined,
  userClaim: 'sub',
  spreeUrl: undefined,
  introspection: undefined,
  tokenCacheSeconds: 60,
  allowGuests: true,
  failureRateLimitPerMinute: 30,
};
/** The authenticator without a refused-token budget, for calls from one client address. */
const createAuthenticator = (auth: GatewayConfig['auth'], tuning: AuthTuning = {}) => {
  const authenticate = buildAuthenticator(auth, { logger: pino({ level: 'silent' }), metrics: new GatewayMetrics(), requestDeadlineMs: 5000 }, tuning);
  return (authorization: string | null | undefined) => authenticate(authorization, '127.0.0.1');
};

describe('bearer tokens (HS256)', () => {
  const authenticate = createAuthenticator(hs);

  it('treats no Authorization header as a guest', async () => {
    expect(await authenticate(undefined)).toEqual({ kind: 'guest' });
    expect(await authenticate(null)).toEqual({ kind: 'guest' });
  });

  it('reads the user from sub, email and name', async () => {
    const token = await mintToken({ sub: 'u1', email: 'u1@example.com', name: 'U One' }, { secret });
    expect(await authenticate(`Bearer ${token}`)).toEqual({ kind: 'user', userId: 'u1', email: 'u1@example.com', name: 'U One' });
  });

  it.each([
    ['a wrong signature', () => mintToken({ sub: 'u1' }, { secret: `${secret}-other` })],
    ['an expired token', () => mintToken({ sub: 'u1' }, { secret, expiresIn: '-5m' })],
    ['no sub', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(secret))],
    ['alg none', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"u1"}').toString('base64url')}.`],
    ['garbage', async () => 'abc.def.ghi'],
  ])('refuses %s, never downgrading to guest', async (_name, make) => {
    await expect(authenticate(`Bearer ${await make()}`)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('enforces issuer and audience when configured', async () => {
    const strict = createAuthenticator({ ...hs, issuer: 'https://id.example.com', audience: 'storefront' });
    const right = await mintToken({ sub: 'u1' }, { secret, issuer: 'https://id.example.com', audience: 'storefront' });
    const wrongIssuer = await mintToken({ sub: 'u1' }, { secret, issuer: 'https://evil.example.com', audience: 'storefront' });
    const noAudience = await mintToken({ sub: 'u1' }, { secret, issuer: 'https://id.example.com' });
    expect(await strict(`Bearer ${right}`)).toMatchObject({ kind: 'user', userId: 'u1' });
    await expect(strict(`Bearer ${wrongIssuer}`)).rejects.toThrow(/iss/);
    await expect(strict(`Bearer ${noAudience}`)).rejects.toThrow(/aud/);
  });
});

describe('bearer tokens from a JWKS (RS256/ES256)', () => {
  let keys: JWK[] = [];
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys }));
  });
  let jwksUrl: URL;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function signingKey(alg: 'RS256' | 'ES256', kid: string) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
  }
  const sign = (alg: string, kid: string, key: CryptoKey) =>
    new SignJWT({ email: 'idp@example.com' }).setProtectedHeader({ alg, kid }).setSubject('idp_user').setExpirationTime('5m').sign(key);

  it('verifies with the published keys and follows a rotation to a new kid', async () => {
    const first = await signingKey('RS256', 'key-1');
    keys = [first.jwk];
    const authenticate = createAuthenticator({ ...hs, jwtSecret: undefined, jwksUrl }, { jwksCooldownMs: 0 });
    expect(await authenticate(`Bearer ${await sign('RS256', 'key-1', first.privateKey)}`)).toMatchObject({ userId: 'idp_user' });

    const rotated = await signingKey('ES256', 'key-2');
    keys = [rotated.jwk];
    const before = fetches;
    expect(await authenticate(`Bearer ${await sign('ES256', 'key-2', rotated.privateKey)}`)).toMatchObject({
      userId: 'idp_user',
      email: 'idp@example.com',
    });
    expect(fetches).toBe(before + 1);

    const unknown = await signingKey('RS256', 'key-3');
    await expect(authenticate(`Bearer ${await sign('RS256', 'key-3', unknown.privateKey)}`)).rejects.toBeInstanceOf(
      UnauthenticatedError,
    );
  });
});

describe('the JWKS key set under outages (contract 6.12)', () => {
  let jwks: JwksStandIn;
  beforeEach(async () => {
    jwks = await startJwksStandIn();
  });
  afterEach(() => jwks.close());
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const keyed = (tuning: AuthTuning) => createAuthenticator({ ...hs, jwtSecret: undefined, jwksUrl: jwks.url }, tuning);

  it('fetches a failing JWKS at most once per cooldown, answering AUTH_UNAVAILABLE in between', async () => {
    const authenticate = keyed({ jwksCooldownMs: 400 });
    const known = await jwks.addKey('known', 'ES256');
    expect(await authenticate(`Bearer ${await signWith(known, { sub: 'u1' })}`)).toMatchObject({ userId: 'u1' });
    jwks.setMode('fail');
    await sleep(450);
    const started = Date.now();
    let unavailable = 0;
    while (Date.now() - started < 1000) {
      const stranger = await jwks.addKey(`stranger-${unavailable}`, 'ES256', false);
      await expect(authenticate(`Bearer ${await signWith(stranger, { sub: 'u1' })}`)).rejects.toBeInstanceOf(AuthUnavailableError);
      unavailable += 1;
      // Keys it already knows keep verifying throughout.
      expect(await authenticate(`Bearer ${await signWith(known, { sub: 'u2' })}`)).toMatchObject({ userId: 'u2' });
      await sleep(20);
    }
    expect(unavailable).toBeGreaterThan(10);
    // The warm-up fetch, then one per 400 ms cooldown over about a second.
    expect(jwks.stats.fetches - 1).toBeGreaterThanOrEqual(1);
    expect(jwks.stats.fetches - 1).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 400) + 1);
  });

  it('answers a kid published just after a fetch with 503 until the cooldown allows a fetch, then verifies it', async () => {
    const authenticate = keyed({ jwksCooldownMs: 300 });
    const first = await jwks.addKey('first', 'ES256');
    expect(await authenticate(`Bearer ${await signWith(first, { sub: 'u1' })}`)).toMatchObject({ userId: 'u1' });
    const rotated = await jwks.addKey('rotated', 'ES256');
    const token = await signWith(rotated, { sub: 'u1' });
    const early = await authenticate(`Bearer ${token}`).catch((error: unknown) => error);
    expect(early).toBeInstanceOf(AuthUnavailableError);
    expect((early as AuthUnavailableError).retryAfterSeconds).toBe(1);
    expect(jwks.stats.fetches).toBe(1);
    await sleep(350);
    expect(await authenticate(`Bearer ${token}`)).toMatchObject({ userId: 'u1' });
    expect(jwks.stats.fetches).toBe(2);
  });

  it('refuses a kid that a fresh key set does not hold with 401', async () => {
    const authenticate = keyed({ jwksCooldownMs: 300 });
    await jwks.addKey('published', 'ES256');
    const stranger = await jwks.addKey('stranger', 'ES256', false);
    await expect(authenticate(`Bearer ${await signWith(stranger, { sub: 'u1' })}`)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(jwks.stats.fetches).toBe(1);
  });

  it('shares one fetch among simultaneous first tokens', async () => {
    const authenticate = keyed({});
    const key = await jwks.addKey('k', 'ES256');
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => signWith(key, { sub: `u${i}` })));
    const viewers = await Promise.all(tokens.map((token) => authenticate(`Bearer ${token}`)));
    expect(viewers.map((viewer) => viewer.kind === 'user' && viewer.userId)).toEqual(tokens.map((_, i) => `u${i}`));
    expect(jwks.stats.fetches).toBe(1);
  });

  it('refreshes keys past their age in the background, without failing tokens while the JWKS is down', async () => {
    const authenticate = keyed({ jwksMaxAgeMs: 100, jwksCooldownMs: 100 });
    const key = await jwks.addKey('k', 'ES256');
    expect(await authenticate(`Bearer ${await signWith(key, { sub: 'u1' })}`)).toMatchObject({ userId: 'u1' });
    jwks.setMode('fail');
    for (let i = 0; i < 5; i += 1) {
      await sleep(150);
      expect(await authenticate(`Bearer ${await signWith(key, { sub: 'u1' })}`)).toMatchObject({ userId: 'u1' });
    }
    expect(jwks.stats.fetches).toBeGreaterThan(2);
  });
});
