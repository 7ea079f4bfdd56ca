import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_EMULATOR_SECRET_KEY, startStripeEmulator } from '../src/emulator/index.js';
import { callRest } from './support/clients.js';
import { exitOf, runGatewayProcess, runTs, stopChild, waitForLog } from './support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'stores-file-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('STORES_FILE at start-up (the real process)', () => {
  it('refuses a file naming a variable that is not set: one line naming the store and field, exit 1', async () => {
    const file = join(dir, 'stores-missing-env.json');
    writeFileSync(
      file,
      JSON.stringify({ stores: [{ id: 'eu', hosts: ['eu.shop.example'], stripe: { secretKey: 'env:STRIPE_KEY_EU' } }] }),
    );
    const { code, stderr, stdout } = await exitOf(runTs('src/main.ts', [], { PORT: '0', STORES_FILE: file }));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'stripe-setup-gateway: invalid configuration: STORES_FILE: store "eu": stripe.secretKey: env:STRIPE_KEY_EU is not set',
    ]);
    expect(stdout).toBe('');
  });

  it('refuses a file with duplicate hosts the same way', async () => {
    const file = join(dir, 'stores-duplicate-hosts.json');
    writeFileSync(file, JSON.stringify({ stores: [{ id: 'a', hosts: ['shop.example'] }, { id: 'b', hosts: ['Shop.Example'] }] }));
    const { code, stderr } = await exitOf(runTs('src/main.ts', [], { PORT: '0', STORES_FILE: file }));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('STORES_FILE: store "b": hosts[0]: shop.example is already a host of store "a"');
  });

  it('starts with a valid file and serves as before', async () => {
    const emulator = await startStripeEmulator();
    const file = join(dir, 'stores-valid.json');
    writeFileSync(file, JSON.stringify({ stores: [{ id: 'default', hosts: ['127.0.0.1'], stripe: { secretKey: 'env:KEY_OF_THE_STORE' } }] }));
    const child = runGatewayProcess(emulator.url, dir, { STORES_FILE: file, KEY_OF_THE_STORE: DEFAULT_EMULATOR_SECRET_KEY });
    try {
      const listening = await waitForLog(child, (line) => String(line.msg).startsWith('listening'));
      const answer = await callRest(String(listening.url));
      expect(answer.status).toBe(200);
      expect(answer.body.customer_id).toMatch(/^cus_/);
    } finally {
      await stopChild(child);
      await emulator.close();
    }
  });
});
