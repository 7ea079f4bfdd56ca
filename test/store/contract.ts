import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CustomerTakenError, type CustomerStore } from '../../src/store/customer-store.js';

/** One empty database for one test. */
export interface StoreHarness {
  /** Opens another store on this database: a restart, or a second instance beside the first. */
  open(): Promise<CustomerStore>;
  /** Removes the database; every store on it is closed by then. */
  cleanup(): Promise<void>;
}

const SCOPE = 'acct_1:test';
const ms = (epochMs: number) => new Date(epochMs);

/** What every `CustomerStore` must do, run against each backend with the same cases. */
export function describeStoreContract(backend: string, createHarness: () => Promise<StoreHarness>): void {
  describe(`the ${backend} store`, () => {
    let harness: StoreHarness;
    let openStores: CustomerStore[];
    let store: CustomerStore;

    const open = async () => {
      const opened = await harness.open();
      openStores.push(opened);
      return opened;
    };
    const close = async (closing: CustomerStore) => {
      openStores = openStores.filter((other) => other !== closing);
      await closing.close();
    };

    beforeEach(async () => {
      harness = await createHarness();
      openStores = [];
      store = await open();
    });
    afterEach(async () => {
      await Promise.all(openStores.map((opened) => opened.close()));
      await harness.cleanup();
    });

    describe('installationId', () => {
      it('is made with the database, random, and the same for every store on it, reopened or not', async () => {
        const id = await store.installationId();
        expect(id).toMatch(/^[0-9a-f]{32}$/);
        const [beside, besideToo] = await Promise.all([open(), open()]);
        expect(await beside!.installationId()).toBe(id);
        expect(await besideToo!.installationId()).toBe(id);
        await close(store);
        expect(await (await open()).installationId()).toBe(id);
      });

      it('differs between two databases', async () => {
        const other = await createHarness();
        try {
          const elsewhere = await other.open();
          expect(await elsewhere.installationId()).not.toBe(await store.installationId());
          await elsewhere.close();
        } finally {
          await other.cleanup();
        }
      });
    });

    describe('customer mappings', () => {
      it('finds nothing before the first claim', async () => {
        expect(await store.findCustomer(SCOPE, 'u1')).toBeUndefined();
      });

      it('keeps the first claim and answers later claims with it', async () => {
        expect(await store.claimCustomer(SCOPE, 'u1', 'cus_first')).toBe('cus_first');
        expect(await store.claimCustomer(SCOPE, 'u1', 'cus_second')).toBe('cus_first');
        expect(await store.findCustomer(SCOPE, 'u1')).toBe('cus_first');
      });

      it('keeps account scopes and users apart', async () => {
        await store.claimCustomer(SCOPE, 'u1', 'cus_test');
        expect(await store.findCustomer('acct_1:live', 'u1')).toBeUndefined();
        expect(await store.findCustomer('acct_2:test', 'u1')).toBeUndefined();
        expect(await store.findCustomer(SCOPE, 'u2')).toBeUndefined();
        expect(await store.claimCustomer('acct_1:live', 'u1', 'cus_live')).toBe('cus_live');
        expect(await store.claimCustomer(SCOPE, 'u2', 'cus_u2')).toBe('cus_u2');
        expect(await store.replaceCustomer('acct_2:test', 'u1', 'cus_test', 'cus_other')).toBe('cus_other');
        expect(await store.findCustomer(SCOPE, 'u1')).toBe('cus_test');
      });

      it('survives closing and reopening', async () => {
        await store.claimCustomer(SCOPE, 'u1', 'cus_kept');
        await store.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_kept', ms(1_000), ms(0));
        await close(store);
        const reopened = await open();
        expect(await reopened.findCustomer(SCOPE, 'u1')).toBe('cus_kept');
        expect((await reopened.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_new', ms(2_000), ms(0))).fingerprint).toBe('fp_kept');
      });
    });

    describe('replaceCustomer', () => {
      it('swaps the stale customer for the new one', async () => {
        await store.claimCustomer(SCOPE, 'u1', 'cus_deleted');
        expect(await store.replaceCustomer(SCOPE, 'u1', 'cus_deleted', 'cus_new')).toBe('cus_new');
        expect(await store.findCustomer(SCOPE, 'u1')).toBe('cus_new');
      });

      it('answers the loser of a swap with the winner', async () => {
        await store.claimCustomer(SCOPE, 'u1', 'cus_deleted');
        expect(await store.replaceCustomer(SCOPE, 'u1', 'cus_deleted', 'cus_winner')).toBe('cus_winner');
        expect(await store.replaceCustomer(SCOPE, 'u1', 'cus_deleted', 'cus_loser')).toBe('cus_winner');
        expect(await store.findCustomer(SCOPE, 'u1')).toBe('cus_winner');
      });

      it('leaves the stored customer alone when the stale id does not match it', async () => {
        await store.claimCustomer(SCOPE, 'u1', 'cus_current');
        expect(await store.replaceCustomer(SCOPE, 'u1', 'cus_unknown', 'cus_new')).toBe('cus_current');
        expect(await store.findCustomer(SCOPE, 'u1')).toBe('cus_current');
      });

      it('claims when there is no mapping at all', async () => {
        expect(await store.replaceCustomer(SCOPE, 'u1', 'cus_gone', 'cus_new')).toBe('cus_new');
        expect(await store.findCustomer(SCOPE, 'u1')).toBe('cus_new');
        expect(await store.claimCustomer(SCOPE, 'u1', 'cus_later')).toBe('cus_new');
      });
    });

    describe('importCustomers and findCustomers', () => {
      const row = (userId: string, customerId: string) => ({ userId, customerId });

      it('writes new mappings, answers identical ones unchanged and keeps a different stored one', async () => {
        await store.claimCustomer(SCOPE, 'u_same', 'cus_same');
        await store.claimCustomer(SCOPE, 'u_taken', 'cus_kept');
        const results = await store.importCustomers(SCOPE, [
          row('u_new', 'cus_new'),
          row('u_same', 'cus_same'),
          row('u_taken', 'cus_other'),
        ]);
        expect(results).toEqual([
          { outcome: 'imported', customerId: 'cus_new' },
          { outcome: 'unchanged', customerId: 'cus_same' },
          { outcome: 'conflict', customerId: 'cus_kept' },
        ]);
        expect(await store.findCustomer(SCOPE, 'u_new')).toBe('cus_new');
        expect(await store.findCustomer(SCOPE, 'u_taken')).toBe('cus_kept');
        // An imported mapping is an ordinary one: later claims get it.
        expect(await store.claimCustomer(SCOPE, 'u_new', 'cus_later')).toBe('cus_new');
      });

      it('takes rows in order: a later row for the same user meets the earlier one', async () => {
        const results = await store.importCustomers(SCOPE, [
          row('u1', 'cus_first'),
          row('u1', 'cus_first'),
          row('u1', 'cus_second'),
        ]);
        expect(results.map((result) => result.outcome)).toEqual(['imported', 'unchanged', 'conflict']);
        expect(results.map((result) => result.outcome !== 'taken' && result.customerId)).toEqual(['cus_first', 'cus_first', 'cus_first']);
        expect(await store.findCustomer(SCOPE, 'u1')).toBe('cus_first');
      });

      it('keeps account scopes apart and answers an empty batch with nothing', async () => {
        await store.claimCustomer('acct_1:live', 'u1', 'cus_live');
        expect(await store.importCustomers(SCOPE, [row('u1', 'cus_test')])).toEqual([
          { outcome: 'imported', customerId: 'cus_test' },
        ]);
        expect(await store.findCustomer('acct_1:live', 'u1')).toBe('cus_live');
        expect(await store.importCustomers(SCOPE, [])).toEqual([]);
      });

      it('finds the stored customers of the users that have one', async () => {
        await store.importCustomers(SCOPE, [row('u1', 'cus_1'), row('u2', 'cus_2')]);
        await store.claimCustomer('acct_2:test', 'u3', 'cus_elsewhere');
        expect(await store.findCustomers(SCOPE, ['u1', 'u2', 'u3', 'u_none'])).toEqual(
          new Map([
            ['u1', 'cus_1'],
            ['u2', 'cus_2'],
          ]),
        );
        expect(await store.findCustomers(SCOPE, [])).toEqual(new Map());
      });

      it('imports 5,000 rows in one call and answers the repeat unchanged', async () => {
        const rows = Array.from({ length: 5_000 }, (_, index) => row(`user_${index}`, `cus_${index}`));
        const first = await store.importCustomers(SCOPE, rows);
        expect(first.filter((result) => result.outcome === 'imported')).toHaveLength(5_000);
        const again = await store.importCustomers(SCOPE, rows);
        expect(again.filter((result) => result.outcome === 'unchanged')).toHaveLength(5_000);
        expect(await store.findCustomer(SCOPE, 'user_4999')).toBe('cus_4999');
      });

      it('lets an import and first claims of the same users race, one winner per user', async () => {
        const other = await open();
        const users = Array.from({ length: 50 }, (_, index) => `u${index}`);
        const [results, claims] = await Promise.all([
          other.importCustomers(
            SCOPE,
            users.map((userId) => row(userId, `cus_import_${userId}`)),
          ),
          Promise.all(users.map((userId) => store.claimCustomer(SCOPE, userId, `cus_claim_${userId}`))),
        ]);
        for (const [index, userId] of users.entries()) {
          const stored = await store.findCustomer(SCOPE, userId);
          expect(claims[index]).toBe(stored);
          expect(results[index]).toEqual({
            outcome: stored === `cus_import_${userId}` ? 'imported' : 'conflict',
            customerId: stored,
          });
        }
      });
    });

    describe('one customer, one user', () => {
      const row = (userId: string, customerId: string) => ({ userId, customerId });

      it('imports no customer that another user has, stored or on an earlier row, and says whose it is', async () => {
        await store.claimCustomer(SCOPE, 'user_1', 'cus_S');
        const results = await store.importCustomers(SCOPE, [
          row('attacker_42', 'cus_S'),
          row('u_a', 'cus_T'),
          row('u_b', 'cus_T'),
        ]);
        expect(results).toEqual([
          { outcome: 'taken', ownerUserId: 'user_1' },
          { outcome: 'imported', customerId: 'cus_T' },
          { outcome: 'taken', ownerUserId: 'u_a' },
        ]);
        expect(await store.findCustomer(SCOPE, 'attacker_42')).toBeUndefined();
        expect(await store.findCustomer(SCOPE, 'u_b')).toBeUndefined();
        expect(await store.findCustomerOwners(SCOPE, ['cus_S', 'cus_T', 'cus_none'])).toEqual(
          new Map([
            ['cus_S', 'user_1'],
            ['cus_T', 'u_a'],
          ]),
        );
        // Another account's customer of that id is another customer.
        expect(await store.importCustomers('acct_2:test', [row('attacker_42', 'cus_S')])).toEqual([
          { outcome: 'imported', customerId: 'cus_S' },
        ]);
        expect(await store.findCustomerOwners(SCOPE, [])).toEqual(new Map());
        // A new database set nothing aside.
        expect(await store.countSetAsideMappings()).toBe(0);
      });

      it('refuses to claim a customer that another user has', async () => {
        await store.importCustomers(SCOPE, [row('user_1', 'cus_S')]);
        await expect(store.claimCustomer(SCOPE, 'attacker_42', 'cus_S')).rejects.toBeInstanceOf(CustomerTakenError);
        await store.claimCustomer(SCOPE, 'u2', 'cus_2');
        await expect(store.replaceCustomer(SCOPE, 'u2', 'cus_2', 'cus_S')).rejects.toBeInstanceOf(CustomerTakenError);
        expect(await store.findCustomer(SCOPE, 'attacker_42')).toBeUndefined();
        expect(await store.findCustomer(SCOPE, 'u2')).toBe('cus_2');
        expect(await store.findCustomer(SCOPE, 'user_1')).toBe('cus_S');
      });

      it('lets imports and claims of the same customers for other users race: each customer ends with one user', async () => {
        const [other, third] = [await open(), await open()];
        const customers = Array.from({ length: 100 }, (_, index) => `cus_${index}`);
        await Promise.allSettled([
          other.importCustomers(SCOPE, customers.map((customerId) => row(`importer_${customerId}`, customerId))),
          third.importCustomers(SCOPE, customers.map((customerId) => row(`second_file_${customerId}`, customerId))),
          ...customers.map((customerId) => store.claimCustomer(SCOPE, `claimer_${customerId}`, customerId)),
        ]);
        for (const customerId of customers) {
          const owners = (
            await Promise.all(
              ['importer_', 'second_file_', 'claimer_'].map(async (prefix) =>
                (await store.findCustomer(SCOPE, `${prefix}${customerId}`)) === customerId ? prefix : undefined,
              ),
            )
          ).filter(Boolean);
          expect(owners, customerId).toHaveLength(1);
        }
      });
    });

    describe('claimIdempotencyKey', () => {
      it('stores the first fingerprint and answers later claims with it', async () => {
        expect((await store.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_a', ms(1_000), ms(0))).fingerprint).toBe('fp_a');
        expect((await store.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_b', ms(2_000), ms(0))).fingerprint).toBe('fp_a');
        expect((await store.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_a', ms(3_000), ms(0))).fingerprint).toBe('fp_a');
      });

      it('keeps users, account scopes and keys apart', async () => {
        await store.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_u1', ms(1_000), ms(0));
        expect((await store.claimIdempotencyKey(SCOPE, 'u2', 'key_1', 'fp_u2', ms(1_000), ms(0))).fingerprint).toBe('fp_u2');
        expect((await store.claimIdempotencyKey('acct_1:live', 'u1', 'key_1', 'fp_live', ms(1_000), ms(0))).fingerprint).toBe(
          'fp_live',
        );
        expect((await store.claimIdempotencyKey(SCOPE, 'u1', 'key_2', 'fp_key2', ms(1_000), ms(0))).fingerprint).toBe('fp_key2');
        expect((await store.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_again', ms(2_000), ms(0))).fingerprint).toBe('fp_u1');
      });

      it('replaces a record made before notBefore, and keeps one made at notBefore', async () => {
        await store.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_old', ms(1_000), ms(0));
        expect((await store.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_new', ms(5_000), ms(1_001))).fingerprint).toBe('fp_new');
        // The replacement was made at 5 000: it now stands until a notBefore after that.
        expect((await store.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_late', ms(6_000), ms(5_000))).fingerprint).toBe('fp_new');
        expect((await store.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_last', ms(7_000), ms(5_001))).fingerprint).toBe('fp_last');
      });
    });

    describe('advanceIdempotencyAttempt', () => {
      it('starts a key at attempt 0 and moves it on once per attempt, however many racers ask', async () => {
        expect(await store.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_a', ms(1_000), ms(0))).toEqual({ fingerprint: 'fp_a', attempt: 0 });
        const beside = await open();
        const racing = await Promise.all([0, 1, 2, 3].map((i) => (i % 2 ? beside : store).advanceIdempotencyAttempt(SCOPE, 'u1', 'key_1', 0)));
        expect(racing).toEqual([1, 1, 1, 1]);
        expect(await store.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_a', ms(2_000), ms(0))).toEqual({ fingerprint: 'fp_a', attempt: 1 });
        expect(await store.advanceIdempotencyAttempt(SCOPE, 'u1', 'key_1', 1)).toBe(2);
        expect(await store.advanceIdempotencyAttempt(SCOPE, 'u2', 'key_1', 0)).toBeUndefined();
        expect(await store.advanceIdempotencyAttempt('acct_1:live', 'u1', 'key_1', 0)).toBeUndefined();
      });

      it('starts an expired key that is claimed afresh at attempt 0 again', async () => {
        await store.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_old', ms(1_000), ms(0));
        await store.advanceIdempotencyAttempt(SCOPE, 'u1', 'key_1', 0);
        expect(await store.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_new', ms(5_000), ms(1_001))).toEqual({ fingerprint: 'fp_new', attempt: 0 });
      });
    });

    describe('purgeIdempotencyKeys', () => {
      it('removes and counts only the records made before the cut-off', async () => {
        await store.claimCustomer(SCOPE, 'u1', 'cus_kept');
        await store.claimIdempotencyKey(SCOPE, 'u1', 'key_old', 'fp_old', ms(1_000), ms(0));
        await store.claimIdempotencyKey(SCOPE, 'u2', 'key_older', 'fp_older', ms(500), ms(0));
        await store.claimIdempotencyKey(SCOPE, 'u1', 'key_edge', 'fp_edge', ms(2_000), ms(0));
        await store.claimIdempotencyKey(SCOPE, 'u1', 'key_new', 'fp_new', ms(3_000), ms(0));

        expect(await store.purgeIdempotencyKeys(ms(2_000))).toBe(2);
        expect(await store.purgeIdempotencyKeys(ms(2_000))).toBe(0);

        // notBefore 0 would keep any record still there, so a fresh answer proves it is gone.
        expect((await store.claimIdempotencyKey(SCOPE, 'u1', 'key_old', 'fp_fresh', ms(4_000), ms(0))).fingerprint).toBe('fp_fresh');
        expect((await store.claimIdempotencyKey(SCOPE, 'u2', 'key_older', 'fp_fresh', ms(4_000), ms(0))).fingerprint).toBe(
          'fp_fresh',
        );
        expect((await store.claimIdempotencyKey(SCOPE, 'u1', 'key_edge', 'fp_fresh', ms(4_000), ms(0))).fingerprint).toBe('fp_edge');
        expect((await store.claimIdempotencyKey(SCOPE, 'u1', 'key_new', 'fp_fresh', ms(4_000), ms(0))).fingerprint).toBe('fp_new');
        expect(await store.findCustomer(SCOPE, 'u1')).toBe('cus_kept');
      });
    });

    describe('forgetCustomer', () => {
      it('removes every mapping to the customer and no other, so the next claim starts afresh', async () => {
        await store.claimCustomer(SCOPE, 'u1', 'cus_gone');
        await store.claimCustomer('acct_1:live', 'u1', 'cus_gone');
        await store.claimCustomer(SCOPE, 'u2', 'cus_kept');
        expect(await store.forgetCustomer('cus_gone', ms(1_000))).toBe(2);
        expect(await store.forgetCustomer('cus_gone', ms(2_000))).toBe(0);
        expect(await store.findCustomer(SCOPE, 'u1')).toBeUndefined();
        expect(await store.findCustomer('acct_1:live', 'u1')).toBeUndefined();
        expect(await store.findCustomer(SCOPE, 'u2')).toBe('cus_kept');
        expect(await store.claimCustomer(SCOPE, 'u1', 'cus_next')).toBe('cus_next');
      });

      it('leaves a replacement alone: a late event for the old customer forgets nothing new', async () => {
        await store.claimCustomer(SCOPE, 'u1', 'cus_old');
        await store.replaceCustomer(SCOPE, 'u1', 'cus_old', 'cus_new');
        expect(await store.forgetCustomer('cus_old', ms(1_000))).toBe(0);
        expect(await store.findCustomer(SCOPE, 'u1')).toBe('cus_new');
        expect(await store.findForgottenCustomer(SCOPE, 'u1', ms(0))).toBeUndefined();
      });

      it('remembers what it forgot per user, the latest first, from notBefore on, until purged', async () => {
        await store.claimCustomer(SCOPE, 'u1', 'cus_first');
        await store.claimCustomer(SCOPE, 'u2', 'cus_other');
        await store.forgetCustomer('cus_first', ms(1_000));
        await store.claimCustomer(SCOPE, 'u1', 'cus_second');
        await store.forgetCustomer('cus_second', ms(2_000));
        expect(await store.findForgottenCustomer(SCOPE, 'u1', ms(0))).toBe('cus_second');
        expect(await store.findForgottenCustomer(SCOPE, 'u1', ms(2_000))).toBe('cus_second');
        expect(await store.findForgottenCustomer(SCOPE, 'u1', ms(2_001))).toBeUndefined();
        expect(await store.findForgottenCustomer(SCOPE, 'u2', ms(0))).toBeUndefined();
        expect(await store.findForgottenCustomer('acct_1:live', 'u1', ms(0))).toBeUndefined();

        expect(await store.purgeForgottenCustomers(ms(2_000))).toBe(1);
        expect(await store.purgeForgottenCustomers(ms(2_000))).toBe(0);
        expect(await store.findForgottenCustomer(SCOPE, 'u1', ms(0))).toBe('cus_second');
        expect(await store.purgeForgottenCustomers(ms(2_001))).toBe(1);
        expect(await store.findForgottenCustomer(SCOPE, 'u1', ms(0))).toBeUndefined();
      });
    });

    describe('webhook events', () => {
      it('claims an event id once, across instances and restarts', async () => {
        expect(await store.claimWebhookEvent('evt_1', ms(1_000))).toBe(true);
        expect(await store.claimWebhookEvent('evt_1', ms(2_000))).toBe(false);
        const other = await open();
        expect(await other.claimWebhookEvent('evt_1', ms(3_000))).toBe(false);
        expect(await other.claimWebhookEvent('evt_2', ms(3_000))).toBe(true);
        await close(store);
        const reopened = await open();
        expect(await reopened.claimWebhookEvent('evt_2', ms(4_000))).toBe(false);
      });

      it('lets a released event be claimed again', async () => {
        expect(await store.claimWebhookEvent('evt_1', ms(1_000))).toBe(true);
        await store.releaseWebhookEvent('evt_1');
        await store.releaseWebhookEvent('evt_unknown');
        expect(await store.claimWebhookEvent('evt_1', ms(2_000))).toBe(true);
        expect(await store.claimWebhookEvent('evt_1', ms(3_000))).toBe(false);
      });

      it('purges and counts only the ids received before the cut-off', async () => {
        await store.claimWebhookEvent('evt_old', ms(1_000));
        await store.claimWebhookEvent('evt_edge', ms(2_000));
        await store.claimWebhookEvent('evt_new', ms(3_000));
        expect(await store.purgeWebhookEvents(ms(2_000))).toBe(1);
        expect(await store.purgeWebhookEvents(ms(2_000))).toBe(0);
        expect(await store.claimWebhookEvent('evt_old', ms(4_000))).toBe(true);
        expect(await store.claimWebhookEvent('evt_edge', ms(4_000))).toBe(false);
        expect(await store.claimWebhookEvent('evt_new', ms(4_000))).toBe(false);
      });
    });

    describe('under concurrency, across two instances on one database', () => {
      const RACERS = 50;
      const racers = Array.from({ length: RACERS }, (_, index) => index);

      /** Half of the calls go to each instance, all at once. */
      async function race(call: (store: CustomerStore, index: number) => Promise<string>): Promise<string[]> {
        const other = await open();
        return Promise.all(racers.map((index) => call(index % 2 === 0 ? store : other, index)));
      }

      it('gives all 50 first claims of one user the same single winner', async () => {
        const answers = await race((racer, index) => racer.claimCustomer(SCOPE, 'u1', `cus_${index}`));
        const winner = answers[0];
        expect(racers.map((index) => `cus_${index}`)).toContain(winner);
        expect(new Set(answers)).toEqual(new Set([winner]));
        expect(await store.findCustomer(SCOPE, 'u1')).toBe(winner);
      });

      it('gives all 50 replacements of one stale customer the same single winner', async () => {
        await store.claimCustomer(SCOPE, 'u1', 'cus_deleted');
        const answers = await race((racer, index) => racer.replaceCustomer(SCOPE, 'u1', 'cus_deleted', `cus_${index}`));
        const winner = answers[0];
        expect(racers.map((index) => `cus_${index}`)).toContain(winner);
        expect(new Set(answers)).toEqual(new Set([winner]));
        expect(await store.findCustomer(SCOPE, 'u1')).toBe(winner);
      });

      it('grants one of 50 concurrent claims of one webhook event', async () => {
        const answers = await race(async (racer, index) => String(await racer.claimWebhookEvent('evt_race', ms(index))));
        expect(answers.filter((answer) => answer === 'true')).toHaveLength(1);
      });

      it('settles 50 first claims racing a forgetCustomer of the winner: every claim answers, the mapping stays consistent', async () => {
        await store.claimCustomer(SCOPE, 'u1', 'cus_deleted');
        const other = await open();
        const [answers] = await Promise.all([
          Promise.all(racers.map((index) => (index % 2 === 0 ? store : other).claimCustomer(SCOPE, 'u1', `cus_${index}`))),
          other.forgetCustomer('cus_deleted', ms(1_000)),
        ]);
        // Before the deletion every claim gets the old customer; after it, one new winner for all.
        const newWinners = new Set(answers.filter((answer) => answer !== 'cus_deleted'));
        expect(newWinners.size).toBeLessThanOrEqual(1);
        const stored = await store.findCustomer(SCOPE, 'u1');
        if (newWinners.size === 1) expect(stored).toBe([...newWinners][0]);
        else expect(stored).toBeUndefined();
      });

      it('gives all 50 claims of one idempotency key the same single fingerprint', async () => {
        const answers = await race((racer, index) =>
          racer.claimIdempotencyKey(SCOPE, 'u1', 'key_1', `fp_${index}`, ms(1_000 + index), ms(0)).then((claim) => claim.fingerprint),
        );
        const winner = answers[0];
        expect(racers.map((index) => `fp_${index}`)).toContain(winner);
        expect(new Set(answers)).toEqual(new Set([winner]));
        expect((await store.claimIdempotencyKey(SCOPE, 'u1', 'key_1', 'fp_after', ms(9_000), ms(0))).fingerprint).toBe(winner);
      });
    });

    describe('reachability', () => {
      it('answers ping while open and rejects it once closed', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
        await close(store);
        await expect(store.ping()).rejects.toThrow();
      });
    });
  });
}
