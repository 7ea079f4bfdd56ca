import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { callRest, tokenFor } from './support/clients.js';
import { BACKENDS } from './support/databases.js';
import { startGateway, type TestGateway } from './support/gateway.js';
import type { TestDatabase } from './support/postgres.js';

const USERS = Array.from({ length: 20 }, (_, i) => String(1001 + i));

/** Each user's first call on `gateway`, all at once; returns the customers named. */
async function firstCalls(gateway: TestGateway): Promise<string[]> {
  const answers = await Promise.all(
    USERS.map(async (userId) => callRest(gateway.url, { token: await tokenFor({ sub: userId, email: `${userId}@example.com` }) })),
  );
  expect(answers.map((answer) => answer.status)).toEqual(USERS.map(() => 200));
  return answers.map((answer) => answer.body.customer_id as string);
}

describe('gateways on one Stripe account', () => {
  let emulator: StripeEmulator;
  const databases: TestDatabase[] = [];
  const gateways: TestGateway[] = [];
  beforeEach(async () => {
    emulator = await startStripeEmulator();
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
    await Promise.all(databases.splice(0).map((database) => database.drop()));
    await emulator.close();
  });

  async function gatewayOn(database: TestDatabase): Promise<TestGateway> {
    const gateway = await startGateway(emulator, database.url);
    gateways.push(gateway);
    return gateway;
  }
  async function newDatabase(backend: (typeof BACKENDS)[number]): Promise<TestDatabase> {
    const database = await backend.create();
    databases.push(database);
    return database;
  }

  it('with separate databases never share a customer, even for the same user ids (staging beside production)', async () => {
    const sqlite = BACKENDS[0]!;
    const staging = await gatewayOn(await newDatabase(sqlite));
    const production = await gatewayOn(await newDatabase(sqlite));
    const onStaging = await firstCalls(staging);
    const onProduction = await firstCalls(production);
    expect(new Set([...onStaging, ...onProduction]).size).toBe(40);
    expect(emulator.customers().filter((customer) => !customer.deleted)).toHaveLength(40);
  });

  it.each(BACKENDS)('sharing one $name database share each user’s one customer', async (backend) => {
    if (!backend.available) return;
    const database = await newDatabase(backend);
    const [first, second] = [await gatewayOn(database), await gatewayOn(database)];
    // Both instances race every user's first call: Stripe's replay under one key settles it.
    const [onFirst, onSecond] = await Promise.all([firstCalls(first!), firstCalls(second!)]);
    expect(onSecond).toEqual(onFirst);
    expect(new Set(onFirst).size).toBe(20);
    expect(emulator.customers()).toHaveLength(20);
  });
});
