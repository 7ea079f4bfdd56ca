/** A saved payment method as clients see it: what a wallet list shows, no more. */
export interface SavedPaymentMethod {
  id: string;
  type: string;
  card: { brand: string; last4: string; expMonth: number; expYear: number; wallet: string | null } | null;
  createdAt: Date;
}
