/** Run by sqlite.test.ts as a process of its own: opens the store on the parent's word and claims. */
import { once } from 'node:events';
import { openStore } from '../../src/store/open-store.js';

const [path, customerId] = process.argv.slice(2);
if (!path || !customerId) throw new Error('usage: open-sqlite-child.ts PATH CUSTOMER_ID');

// Loading takes far longer than opening: every child loads first, so the opens overlap.
process.stdout.write('ready\n');
await once(process.stdin, 'data');
const store = await openStore(`sqlite:${path}`);
const winner = await store.claimCustomer('acct_1:test', 'u1', customerId);
const installationId = await store.installationId();
await store.close();
process.stdout.write(`${JSON.stringify({ winner, installationId })}\n`);
