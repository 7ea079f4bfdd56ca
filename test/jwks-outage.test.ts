import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../src/http/logger.js';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION } from './support/clients.js';
import { startWorld, type World } from './support/gateway.js';
import { signWith, startJwksStandIn, type JwksStandIn } from './support/jwks-stand-in.js';

const DEADLINE_MS = 3000;
/** Generous: the machine is shared; what matters is "not after the deadline". */
const SLACK_MS = 1500;

describe('signing in with a JWKS that fails, hangs or answers too much (issue 9, finding 4)', () => {
  let jwks: JwksStandIn;
  let world: World;
  let log = '';

  beforeEach(async () => {
    log = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    jwks = await startJwksStandIn();
    world = await startWorld(
      { AUTH_JWKS_URL: jwks.url.href, REQUEST_DEADLINE_MS: String(DEADLINE_MS) },
      createLogger('info', sink),
    );
  });
  afterEach(async () => {
    vi.useRealTimers();
    await world.close();
    await jwks.close();
  });

  async function bothSurfaces(token: string) {
    const started = Date.now();
    const rest = await callRest(world.gateway.url, { token });
    const graphql = await callGraphQL(world.gateway.url, SETUP_INTENT_MUTATION, { token });
    return { rest, graphql, elapsedMs: Date.now() - started };
  }

  function expectUnavailable({ rest, graphql }: Awaited<ReturnType<typeof bothSurfaces>>) {
    expect(rest.status).toBe(503);
    expect(rest.body).toEqual({ error: expect.any(String) });
    expect(Number(rest.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(graphql.status).toBe(503);
    expect(graphql.body.errors[0].extensions.code).toBe('AUTH_UNAVAILABLE');
    expect(Number(graphql.headers.get('retry-after'))).toBeGreaterThan(0);
  }

  it('answers 503 AUTH_UNAVAILABLE, never 401, while the JWKS is down, fetching it at most once per cooldown', async () => {
    jwks.setMode('fail');
    for (let i = 0; i < 10; i += 1) {
      const key = await jwks.addKey(`key-${i}`, 'ES256');
      const answers = await bothSurfaces(await signWith(key, { sub: 'shopper' }));
      expectUnavailable(answers);
    }
    expect(jwks.stats.fetches).toBe(1);
    expect(world.emulator.customers()).toHaveLength(0);

    const lines = log.split('\n').filter((line) => line.includes('identity provider'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, provider: 'jwks' });
    const metrics = await (await fetch(`${world.gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/gateway_identity_provider_up\{provider="jwks"\} 0/);
    expect(metrics).toMatch(/gateway_auth_unavailable_total\{provider="jwks"\} 20/);
  });

  it('answers 503 to a new kid once the JWKS went down after a good fetch, known keys still verifying', async () => {
    const known = await jwks.addKey('known', 'ES256');
    expect((await callRest(world.gateway.url, { token: await signWith(known, { sub: 'shopper' }) })).status).toBe(200);
    jwks.setMode('fail');
    for (let i = 0; i < 5; i += 1) {
      const rotated = await jwks.addKey(`rotated-${i}`, 'ES256');
      const answers = await bothSurfaces(await signWith(rotated, { sub: 'shopper' }));
      expectUnavailable(answers);
      expect(answers.elapsedMs).toBeLessThan(DEADLINE_MS + SLACK_MS);
      expect((await callRest(world.gateway.url, { token: await signWith(known, { sub: 'shopper' }) })).status).toBe(200);
    }
    // Within the 30 s cooldown of the good fetch: no second fetch at all.
    expect(jwks.stats.fetches).toBe(1);
  });

  it('answers 503 within the deadline when the JWKS hangs', async () => {
    jwks.setMode('hang');
    const key = await jwks.addKey('key-1');
    const answers = await bothSurfaces(await signWith(key, { sub: 'shopper' }));
    expectUnavailable(answers);
    expect(answers.elapsedMs).toBeLessThan(DEADLINE_MS + SLACK_MS);
    expect(jwks.stats.fetches).toBe(1);
  });

  it('refuses a 2 MiB key set, and stops reading a huge one at the cap', async () => {
    const key = await jwks.addKey('key-1');
    jwks.setMode('huge', 2 * 1024 * 1024);
    expectUnavailable(await bothSurfaces(await signWith(key, { sub: 'shopper' })));

    // A fresh gateway (no cooldown), a key set far larger than anything sent before the cap.
    await world.close();
    world = await startWorld({ AUTH_JWKS_URL: jwks.url.href, REQUEST_DEADLINE_MS: String(DEADLINE_MS) });
    jwks.setMode('huge', 256 * 1024 * 1024);
    const rest = await callRest(world.gateway.url, { token: await signWith(key, { sub: 'shopper' }) });
    expect(rest.status).toBe(503);
    await vi.waitFor(() => expect(jwks.stats.aborted).toBe(1));
    expect(jwks.stats.bytesSent).toBeLessThan(32 * 1024 * 1024);
  });

  it('never fetches the key set for tokens that are not plausible JWTs of an accepted algorithm', async () => {
    const key = await jwks.addKey('key-1');
    const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
    const payload = b64({ sub: 'shopper', exp: Math.floor(Date.now() / 1000) + 300 });
    const junk = [
      'abc.def.ghi',
      `${b64('not json')}.${payload}.c2ln`,
      `${b64([1, 2])}.${payload}.c2ln`,
      `${b64({ alg: 'HS512', kid: 'x' })}.${payload}.c2ln`,
      `${b64({ alg: 'none', kid: 'x' })}.${payload}.`,
      `${b64({ alg: 'PS256', kid: 'x' })}.${payload}.c2ln`,
      `${b64({ alg: 'RS256', kid: 'x' })}.${b64('not json')}.c2ln`,
      `${b64({ alg: 'RS256', kid: 'x' })}.${payload}.`,
      `${b64({ alg: 'RS256', kid: 'x' })}.${b64({ sub: 'shopper', exp: 1 })}.c2ln`,
      `${b64({ alg: 'RS256', kid: 'x' })}.${payload}.c2ln!`,
    ];
    for (const token of junk) {
      const { status } = await callRest(world.gateway.url, { headers: { authorization: `Bearer ${token}` } });
      expect(status, token).toBe(401);
    }
    expect(jwks.stats.fetches).toBe(0);
    expect((await callRest(world.gateway.url, { token: await signWith(key, { sub: 'shopper' }) })).status).toBe(200);
    expect(jwks.stats.fetches).toBe(1);
  });

  it('keeps verifying with the keys it knows while the JWKS is down, however long that lasts', async () => {
    const key = await jwks.addKey('key-1');
    expect((await callRest(world.gateway.url, { token: await signWith(key, { sub: 'shopper' }) })).status).toBe(200);
    jwks.setMode('fail');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 60 * 60 * 1000);
    for (let i = 0; i < 3; i += 1) {
      const { rest, graphql } = await bothSurfaces(await signWith(key, { sub: 'shopper' }));
      expect(rest.status).toBe(200);
      expect(graphql.body.data.createStripeSetupIntent.customerId).toBe(rest.body.customer_id);
    }
    expect(jwks.stats.fetches).toBeLessThanOrEqual(2);
  });
});
