import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { callRest } from './support/clients.js';
import { startGateway, useWorld, type TestGateway } from './support/gateway.js';
import { TEST_REDIS_URL } from './support/redis.js';

describe('guest budgets per client address behind a trusted proxy', () => {
  const world = useWorld({ GUEST_RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: 'true' });
  const from = (address: string) => callRest(world().gateway.url, { headers: { 'x-forwarded-for': address } });
  const statusesFrom = async (...addresses: string[]) => {
    const statuses: number[] = [];
    for (const address of addresses) statuses.push((await from(address)).status);
    return statuses;
  };

  it('gives one budget to every IPv6 address of a /64', async () => {
    expect(
      await statusesFrom('2001:db8:aa:bb::1', '2001:db8:aa:bb:ffff:ffff:ffff:fffe', '2001:db8:aa:bb:1234:5678:9abc:def0'),
    ).toEqual([200, 200, 429]);
    // The next /64 is another client.
    expect(await statusesFrom('2001:db8:aa:bc::1')).toEqual([200]);
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address', async () => {
    expect(await statusesFrom('::ffff:198.51.100.7', '198.51.100.7', '::ffff:c633:6407')).toEqual([200, 200, 429]);
  });

  it('treats textual variants of one address as that address', async () => {
    expect(
      await statusesFrom('2001:DB8:0:0:0:0:0:1', '2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'),
    ).toEqual([200, 200, 429]);
  });

  it('gives addresses that do not parse one shared budget, not one each', async () => {
    expect(await statusesFrom('unknown', 'not-an-address', 'garbage')).toEqual([200, 200, 429]);
  });

  it('reads an address that a proxy forwarded with its port', async () => {
    expect(await statusesFrom('203.0.113.9:5678', '203.0.113.9', '203.0.113.9:80')).toEqual([200, 200, 429]);
    expect(await statusesFrom('[2001:db8:cc::1]:443', '2001:db8:cc::2', '2001:db8:cc::3')).toEqual([200, 200, 429]);
  });
});

describe('guest budgets on real IPv6 sockets', () => {
  let emulator: StripeEmulator;
  let dir: string;
  let instances: TestGateway[] = [];

  beforeEach(async () => {
    emulator = await startStripeEmulator();
    dir = mkdtempSync(join(tmpdir(), 'gateway-addresses-'));
  });
  afterEach(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    instances = [];
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>, host: string) => {
    const gateway = await startGateway(emulator, `sqlite:${join(dir, 'gateway.sqlite')}`, env, pino({ level: 'silent' }), host);
    instances.push(gateway);
    return gateway;
  };

  it('budgets a client on ::1', async () => {
    const gateway = await start({ GUEST_RATE_LIMIT_PER_MINUTE: '1' }, '::1');
    expect(gateway.url).toMatch(/^http:\/\/\[::1\]:/);
    expect((await callRest(gateway.url)).status).toBe(200);
    expect((await callRest(gateway.url)).status).toBe(429);
  });

  it.skipIf(!TEST_REDIS_URL)(
    'spends one budget for 127.0.0.1 whether a socket reports it as ::ffff:127.0.0.1 or 127.0.0.1',
    async () => {
      const env = {
        GUEST_RATE_LIMIT_PER_MINUTE: '2',
        REDIS_URL: TEST_REDIS_URL!,
        REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}`,
      };
      const dualStack = await start(env, '::'); // sees IPv4 clients as ::ffff:127.0.0.1
      const ipv4 = await start(env, '127.0.0.1');
      expect((await callRest(dualStack.url)).status).toBe(200);
      expect((await callRest(ipv4.url)).status).toBe(200);
      expect((await callRest(dualStack.url)).status).toBe(429);
      expect((await callRest(ipv4.url)).status).toBe(429);
    },
  );
});
