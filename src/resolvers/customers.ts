import type { Viewer } from '../auth/viewer.js';
import type { GatewayServices } from './services.js';

type SignedIn = Extract<Viewer, { kind: 'user' }>;

/**
 * The customer to save the card to.
 * Signed-in user: 1. the customer stored for (account scope, user id);
 * 2. else a new Stripe customer (email, name, metadata.user_id), whose mapping is claimed;
 * 3. if another request claimed it first, delete ours and use the stored one.
 * Guest: a new customer every call.
 */
export async function customerFor(services: GatewayServices, viewer: Viewer): Promise<string> {
  if (viewer.kind === 'guest') return (await services.stripe.customers.create()).id;
  const scope = await services.accountScope();
  const stored = await services.store.findCustomer(scope, viewer.userId);
  if (stored) return stored;
  const created = await createUserCustomer(services, viewer);
  const winner = await services.store.claimCustomer(scope, viewer.userId, created);
  if (winner !== created) await deleteOrphan(services, created);
  return winner;
}

export async function storedCustomerFor(services: GatewayServices, viewer: Viewer): Promise<string | undefined> {
  if (viewer.kind === 'guest') return undefined;
  return services.store.findCustomer(await services.accountScope(), viewer.userId);
}

async function createUserCustomer(services: GatewayServices, user: SignedIn): Promise<string> {
  const customer = await services.stripe.customers.create({
    ...(user.email && { email: user.email }),
    ...(user.name && { name: user.name }),
    metadata: { user_id: user.userId },
  });
  return customer.id;
}

async function deleteOrphan(services: GatewayServices, customerId: string): Promise<void> {
  try {
    await services.stripe.customers.del(customerId);
  } catch (error) {
    services.logger.warn({ err: error, customerId }, 'could not delete a duplicate Stripe customer');
  }
}
