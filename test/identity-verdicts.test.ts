import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/http/logger.js';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION } from './support/clients.js';
import { startWorld, type World } from './support/gateway.js';
import { providerEnv, startSpreeStandIn, type SpreeStandIn } from './support/spree-stand-in.js';

/**
 * An identity provider's answer about one token is a verdict on that token: it never starts the
 * outage cooldown that makes every other token 503.
 */
function useProviderWorld() {
  const running: { spree: SpreeStandIn; world: World }[] = [];
  afterEach(async () => {
    for (const { spree, world } of running.splice(0)) {
      await world.close();
      await spree.close();
    }
  });
  return async (kind: 'account' | 'introspection', env: Record<string, string> = {}) => {
    const spree = await startSpreeStandIn();
    const provider = providerEnv(kind, spree);
    const world = await startWorld({ ...provider, REQUEST_DEADLINE_MS: '5000', ...env });
    running.push({ spree, world });
    return { spree, world };
  };
}

const shopper = (id: number) => ({ id, email: `shopper${id}@spree.example` });

/** `count` shoppers signing in with fresh tokens at once: the statuses they get. */
async function shoppersAtOnce(spree: SpreeStandIn, world: World, count: number): Promise<number[]> {
  const tokens = Array.from({ length: count }, (_, i) => spree.signIn(shopper(2000 + i)));
  const answers = await Promise.all(
    tokens.map((token, i) =>
      i % 2 === 0 ? callRest(world.gateway.url, { token }) : callGraphQL(world.gateway.url, SETUP_INTENT_MUTATION, { token }),
    ),
  );
  return answers.map((answer) => answer.status);
}

/** Statuses by how often each came. */
function count(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

describe('one odd identity-provider answer about one token', () => {
  const start = useProviderWorld();

  it("Spree behind nginx: a token making the headers exceed 8 KB gets nginx's 400, a 401 for it alone; 50 shoppers go on", async () => {
    const { spree, world } = await start('account');
    spree.limitHeaders(8 * 1024);
    const oversized = 'A'.repeat(9 * 1024);
    const attacks: number[] = [];
    for (let i = 0; i < 4; i += 1) attacks.push((await callRest(world.gateway.url, { token: `${oversized}${i}` })).status);
    const shoppers = await shoppersAtOnce(spree, world, 50);
    expect({ attacks, shoppers: count(shoppers) }).toEqual({ attacks: [401, 401, 401, 401], shoppers: { 200: 50 } });
  });

  it.each([
    ['a 400 for one token', { status: 400, body: { error: 'bad_request' } }],
    ['a 404 for one token', { status: 404, body: { error: 'not found' } }],
    ['a 200 without an account', { status: 200, body: { data: null } }],
  ])('Spree answering %s: that token is 401, 50 other shoppers keep working', async (_name, odd) => {
    const { spree, world } = await start('account');
    const odder = spree.signIn(shopper(1));
    spree.answerOddly(odder, odd);
    const rest = await callRest(world.gateway.url, { token: odder });
    const graphql = await callGraphQL(world.gateway.url, SETUP_INTENT_MUTATION, { token: odder });
    const shoppers = await shoppersAtOnce(spree, world, 50);
    expect({ rest: rest.status, graphql: graphql.status, shoppers: count(shoppers) }).toEqual({ rest: 401, graphql: 401, shoppers: { 200: 50 } });
    expect(graphql.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['active: "true" (a string)', { status: 200, body: { active: 'true', sub: '1' } }],
    ['a 400 for one token', { status: 400, body: { error: 'invalid_request' } }],
    ['a 401 without a challenge or invalid_client', { status: 401, body: { error: 'invalid_token' } }],
    ['a 200 that is not JSON', { status: 200, body: 'not json' }],
  ])('introspection answering %s: that token is 401, 50 other shoppers keep working', async (_name, odd) => {
    const { spree, world } = await start('introspection');
    const odder = spree.signIn(shopper(1));
    spree.answerOddly(odder, odd);
    const attacks: number[] = [];
    for (let i = 0; i < 4; i += 1) attacks.push((await callRest(world.gateway.url, { token: odder })).status);
    const shoppers = await shoppersAtOnce(spree, world, 50);
    expect({ attacks, shoppers: count(shoppers) }).toEqual({ attacks: [401, 401, 401, 401], shoppers: { 200: 50 } });
  });

  it('says in the log, once a minute at most, when the store answers every token oddly (a wrong AUTH_SPREE_URL)', async () => {
    let log = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    const spree = await startSpreeStandIn();
    const world = await startWorld({ AUTH_SPREE_URL: `${spree.url}/not-the-store` }, createLogger('info', sink));
    try {
      for (let i = 0; i < 3; i += 1) expect((await callRest(world.gateway.url, { token: spree.signIn(shopper(i)) })).status).toBe(401);
      const lines = log.split('\n').filter((line) => line.includes('answered oddly'));
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, provider: 'spree', reason: 'answered HTTP 404' });
    } finally {
      await world.close();
      await spree.close();
    }
  });

  it("still counts the endpoint refusing the gateway's credentials (401 with a challenge, or invalid_client) as an outage", async () => {
    const { spree, world } = await start('introspection');
    const challenged = spree.signIn(shopper(1));
    spree.answerOddly(challenged, {
      status: 401,
      body: { error: 'unauthorized' },
      headers: { 'www-authenticate': 'Basic realm="introspection"' },
    });
    const rest = await callRest(world.gateway.url, { token: challenged });
    expect(rest.status).toBe(503);
    expect(Number(rest.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it.each([
    ['invalid_client with a 400', 400],
    ['a 502 from the proxy', 502],
  ])('still counts %s as an outage (503, and the cooldown)', async (_name, status) => {
    const { spree, world } = await start('introspection');
    const token = spree.signIn(shopper(1));
    spree.answerOddly(token, { status, body: { error: status === 400 ? 'invalid_client' : 'bad_gateway' } });
    expect((await callRest(world.gateway.url, { token })).status).toBe(503);
    expect((await callRest(world.gateway.url, { token: spree.signIn(shopper(2)) })).status).toBe(503);
  });
});
