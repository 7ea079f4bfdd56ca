import { mkdtempSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from '../src/emulator/index.js';
import { callRest, tokenFor } from './support/clients.js';
import { createLogger } from '../src/http/logger.js';
import { startGateway } from './support/gateway.js';

describe('a signed-in user’s customer', () => {
  let emulator: StripeEmulator;
  let dir: string;
  beforeEach(async () => {
    emulator = await startStripeEmulator();
    dir = mkdtempSync(join(tmpdir(), 'gateway-customers-'));
  });
  afterEach(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One call on a gateway of its own: started, called, stopped. */
  async function callFreshGateway(stripe: StripeEmulator, token: string) {
    const gateway = await startGateway(stripe, `sqlite:${join(dir, 'gateway.sqlite')}`);
    try {
      return await callRest(gateway.url, { token });
    } finally {
      await gateway.close();
    }
  }

  it('is reused after a restart on the same SQLite file', async () => {
    const token = await tokenFor({ sub: 'user_restart' });
    const first = await callFreshGateway(emulator, token);
    const second = await callFreshGateway(emulator, token);

    expect(second.status).toBe(200);
    expect(second.body.customer_id).toBe(first.body.customer_id);
    expect(emulator.customers()).toHaveLength(1);
  });

  it('is never shared between users', async () => {
    const gateway = await startGateway(emulator, `sqlite:${join(dir, 'gateway.sqlite')}`);
    const ada = await callRest(gateway.url, { token: await tokenFor({ sub: 'ada' }) });
    const bob = await callRest(gateway.url, { token: await tokenFor({ sub: 'bob' }) });
    await gateway.close();
    expect(ada.body.customer_id).not.toBe(bob.body.customer_id);
    expect(emulator.customers().map((customer) => customer.metadata.user_id).sort()).toEqual(['ada', 'bob']);
  });

  it('is not handed to another Stripe account', async () => {
    const other = await startStripeEmulator({ accountId: 'acct_other_account' });
    const token = await tokenFor({ sub: 'user_two_accounts' });
    const mine = await callFreshGateway(emulator, token);
    const theirs = await callFreshGateway(other, token);
    await other.close();
    expect(theirs.status).toBe(200);
    expect(theirs.body.customer_id).not.toBe(mine.body.customer_id);
  });
});

describe('claims Stripe would refuse', () => {
  const cases = [
    { what: 'a malformed email', claims: { email: 'not an email', name: 'Ada Lovelace' }, kept: { name: 'Ada Lovelace' } },
    { what: 'an email over 512 characters', claims: { email: `${'a'.repeat(510)}@example.com` }, kept: {} },
    { what: 'a name over 256 characters', claims: { email: 'long@example.com', name: 'N'.repeat(257) }, kept: { email: 'long@example.com' } },
  ];

  it.each(cases)('are left off the customer, logged without their values: $what', async ({ claims, kept }) => {
    let logged = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    const emulator = await startStripeEmulator();
    const dir = mkdtempSync(join(tmpdir(), 'gateway-claims-'));
    const gateway = await startGateway(emulator, `sqlite:${join(dir, 'gateway.sqlite')}`, {}, createLogger('info', sink));
    try {
      const token = await tokenFor({ sub: 'claims_user', ...claims });
      const first = await callRest(gateway.url, { token });
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      const [customer] = emulator.customers();
      expect(customer).toMatchObject({ id: first.body.customer_id, email: null, name: null, ...kept });
      expect((await callRest(gateway.url, { token })).body.customer_id).toBe(first.body.customer_id);

      expect(logged).toMatch(/left off the Stripe customer/);
      for (const value of Object.values(claims)) {
        if (!Object.values(kept).includes(value)) expect(logged).not.toContain(value.slice(0, 40));
      }
    } finally {
      await gateway.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the ephemeral key and the SetupIntent', () => {
  // Created concurrently: when either first attempt is held unanswered (then retried after the
  // timeout), the other request was already sent. Sequential code sends the held one twice first.
  it.each(['/v1/ephemeral_keys', '/v1/setup_intents'])('are both requested before %s is retried', async (held) => {
    const other = held === '/v1/setup_intents' ? '/v1/ephemeral_keys' : '/v1/setup_intents';
    const emulator = await startStripeEmulator();
    const dir = mkdtempSync(join(tmpdir(), 'gateway-concurrency-'));
    const gateway = await startGateway(emulator, `sqlite:${join(dir, 'gateway.sqlite')}`, { STRIPE_TIMEOUT_MS: '500' });
    try {
      emulator.injectFault({ match: { method: 'POST', path: held }, times: 1, kind: 'hang' });
      expect((await callRest(gateway.url)).status).toBe(200);
      const sent = emulator.requests().map((request) => request.path).filter((path) => path === held || path === other);
      expect(sent).toHaveLength(3);
      expect(sent.slice(0, 2).sort()).toEqual([held, other].sort());
    } finally {
      await gateway.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
