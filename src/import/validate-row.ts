import { userIdProblem } from '../auth/user-id.js';
import type { CustomerMapping } from '../store/customer-store.js';
import type { CsvRow } from './csv-rows.js';

/** A Stripe customer id: `cus_` and letters or digits, within Stripe's 255-character id limit. */
const CUSTOMER_ID_PATTERN = /^cus_[A-Za-z0-9]{1,251}$/;

/**
 * How Rails stores an attribute under `encrypts` (Spree 5 encrypts `profile_id` when the app
 * configures Active Record encryption): a JSON message with the ciphertext in `p`.
 */
const ACTIVE_RECORD_CIPHERTEXT = /^\{"p":/;

export type CheckedRow = { mapping: CustomerMapping; problem?: undefined } | { mapping?: undefined; problem: string };

/** A row's mapping, or why it cannot be imported. Values are taken exactly as written. */
export function checkRow({ userId, customerId }: CsvRow): CheckedRow {
  if (userId === undefined || userId === '') return { problem: 'user_id is missing' };
  if (customerId === undefined || customerId === '') return { problem: 'customer_id is missing' };
  const userProblem = userIdProblem(userId);
  if (userProblem) return { problem: `user_id ${JSON.stringify(userId)} ${userProblem}` };
  if (ACTIVE_RECORD_CIPHERTEXT.test(customerId)) {
    return { problem: 'customer_id is encrypted (Active Record encryption): export it through the Rails model, see the README' };
  }
  if (!CUSTOMER_ID_PATTERN.test(customerId)) {
    return { problem: `customer_id ${JSON.stringify(customerId)} is not a Stripe customer id (cus_…)` };
  }
  return { mapping: { userId, customerId } };
}
