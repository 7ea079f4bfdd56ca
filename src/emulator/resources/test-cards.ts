import { createHash } from 'node:crypto';

/** One of Stripe's documented test cards (https://docs.stripe.com/testing#cards). */
export interface TestCard {
  number: string;
  brand: string;
  displayBrand: string;
  funding: 'credit' | 'debit' | 'prepaid';
  country: string;
}

const CARDS: Record<string, TestCard> = {
  visa: { number: '4242424242424242', brand: 'visa', displayBrand: 'visa', funding: 'credit', country: 'US' },
  visa_debit: { number: '4000056655665556', brand: 'visa', displayBrand: 'visa', funding: 'debit', country: 'US' },
  mastercard: { number: '5555555555554444', brand: 'mastercard', displayBrand: 'mastercard', funding: 'credit', country: 'US' },
  mastercard_debit: { number: '5200828282828210', brand: 'mastercard', displayBrand: 'mastercard', funding: 'debit', country: 'US' },
  mastercard_prepaid: { number: '5105105105105100', brand: 'mastercard', displayBrand: 'mastercard', funding: 'prepaid', country: 'US' },
  amex: { number: '378282246310005', brand: 'amex', displayBrand: 'american_express', funding: 'credit', country: 'US' },
  discover: { number: '6011111111111117', brand: 'discover', displayBrand: 'discover', funding: 'credit', country: 'US' },
  diners: { number: '3056930009020004', brand: 'diners', displayBrand: 'diners', funding: 'credit', country: 'US' },
  jcb: { number: '3566002020360505', brand: 'jcb', displayBrand: 'jcb', funding: 'credit', country: 'JP' },
  unionpay: { number: '6200000000000005', brand: 'unionpay', displayBrand: 'unionpay', funding: 'credit', country: 'CN' },
};

/** `pm_card_visa` → the Visa test card; undefined for any other id. */
export function testCardForPaymentMethod(id: string): TestCard | undefined {
  return id.startsWith('pm_card_') ? CARDS[id.slice('pm_card_'.length)] : undefined;
}

/** `tok_visa` → the Visa test card; undefined for any other token. */
export function testCardForToken(token: string): TestCard | undefined {
  return token.startsWith('tok_') ? CARDS[token.slice('tok_'.length)] : undefined;
}

/** Stripe's fingerprint is per card number and account: the same test card saved twice shares one. */
export function cardFingerprint(accountId: string, card: TestCard): string {
  return createHash('sha256').update(`${accountId}\n${card.number}`).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 16);
}

/** Test cards accept any future expiry; Stripe's own test methods expire a year from now, this month. */
export function testCardExpiry(now = new Date()): { exp_month: number; exp_year: number } {
  return { exp_month: now.getUTCMonth() + 1, exp_year: now.getUTCFullYear() + 1 };
}
