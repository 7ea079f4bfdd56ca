import { SignJWT, type JWTPayload } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION } from './support/clients.js';
import { startWorld, TEST_JWT_SECRET, type World } from './support/gateway.js';
import { startJwksStandIn, type JwksStandIn, type SigningKey } from './support/jwks-stand-in.js';
import { INTROSPECTION_CLIENT, INTROSPECTION_PATH, startSpreeStandIn, type SpreeStandIn } from './support/spree-stand-in.js';

const now = () => Math.floor(Date.now() / 1000);
const HOUR = 3600;

/** Time claims hold everywhere (contract 6.16): introspection's exp and nbf, a JWT's iat. */
describe('time claims', () => {
  const running: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const thing of running.splice(0).reverse()) await thing.close();
  });
  const keep = <T extends { close(): Promise<void> }>(thing: T) => {
    running.push(thing);
    return thing;
  };

  async function statuses(world: World, token: string) {
    const rest = await callRest(world.gateway.url, { token });
    const graphql = await callGraphQL(world.gateway.url, SETUP_INTENT_MUTATION, { token });
    return { rest: rest.status, graphql: graphql.status, code: graphql.body.errors?.[0]?.extensions?.code };
  }

  describe('in an introspection answer', () => {
    async function introspecting(): Promise<{ spree: SpreeStandIn; world: World }> {
      const spree = keep(await startSpreeStandIn());
      const world = keep(
        await startWorld({
          AUTH_INTROSPECTION_URL: `${spree.url}${INTROSPECTION_PATH}`,
          AUTH_INTROSPECTION_CLIENT_ID: INTROSPECTION_CLIENT.id,
          AUTH_INTROSPECTION_CLIENT_SECRET: INTROSPECTION_CLIENT.secret,
        }),
      );
      return { spree, world };
    }
    const answer = (claims: Record<string, unknown>) => ({ status: 200, body: { active: true, sub: '42', ...claims } });

    it.each([
      ['exp an hour in the past', { exp: now() - HOUR }],
      ['exp a minute in the past', { exp: now() - 60 }],
      ['nbf an hour in the future', { exp: now() + 2 * HOUR, nbf: now() + HOUR }],
      ['exp that is not a number', { exp: 'tomorrow' }],
    ])('refuses an active token with %s (401 on both surfaces)', async (_name, claims) => {
      const { spree, world } = await introspecting();
      const token = spree.signIn({ id: 42, email: 'ada@spree.example' });
      spree.answerOddly(token, answer(claims));
      expect(await statuses(world, token)).toEqual({ rest: 401, graphql: 401, code: 'UNAUTHENTICATED' });
      expect(world.emulator.customers()).toHaveLength(0);
    });

    it('accepts exp and nbf within 30 seconds of clock skew', async () => {
      const { spree, world } = await introspecting();
      const token = spree.signIn({ id: 42, email: 'ada@spree.example' });
      spree.answerOddly(token, answer({ exp: now() - 10, nbf: now() + 10, iat: now() + 10 }));
      expect((await callRest(world.gateway.url, { token })).status).toBe(200);
    });
  });

  describe('a JWT whose iat is in the future', () => {
    const inAnHour = (claims: JWTPayload, iat: number) =>
      new SignJWT(claims).setIssuedAt(iat).setExpirationTime(iat + HOUR);

    it('is refused with HS256 when iat is an hour ahead, and accepted 10 seconds ahead', async () => {
      const world = keep(await startWorld());
      const secret = new TextEncoder().encode(TEST_JWT_SECRET);
      const ahead = await inAnHour({ sub: 'time-traveller' }, now() + HOUR).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret);
      expect(await statuses(world, ahead)).toEqual({ rest: 401, graphql: 401, code: 'UNAUTHENTICATED' });
      const skewed = await inAnHour({ sub: 'skewed' }, now() + 10).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret);
      expect((await callRest(world.gateway.url, { token: skewed })).status).toBe(200);
    });

    it('is refused with keys from a JWKS when iat is an hour ahead, and accepted 10 seconds ahead', async () => {
      const jwks: JwksStandIn = keep(await startJwksStandIn());
      const key: SigningKey = await jwks.addKey('k1', 'ES256');
      const world = keep(await startWorld({ AUTH_JWKS_URL: jwks.url.href }));
      const sign = (claims: JWTPayload, iat: number) =>
        inAnHour(claims, iat).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
      expect(await statuses(world, await sign({ sub: 'time-traveller' }, now() + HOUR))).toEqual({
        rest: 401,
        graphql: 401,
        code: 'UNAUTHENTICATED',
      });
      expect((await callRest(world.gateway.url, { token: await sign({ sub: 'skewed' }, now() + 10) })).status).toBe(200);
    });
  });
});
