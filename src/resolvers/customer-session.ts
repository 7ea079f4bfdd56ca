import type Stripe from 'stripe';
import type { Companion } from './beside-setup-intent.js';
import { customerSessionComponents, type CustomerSessionComponent } from './customer-session-components.js';
import type { GatewayServices } from './services.js';

/**
 * The CustomerSession a component opens the customer with. A repeat under a client idempotency
 * key replays the original session, which expires 30 minutes after it was made: one with less
 * than a quarter of its life left is renewed, as ephemeral keys are (see ephemeral-key.ts).
 * A session cannot be revoked, so there is nothing to take back when its SetupIntent fails: it
 * only lists and removes the customer's own cards, and expires by itself.
 */
export function customerSession(services: GatewayServices, component: CustomerSessionComponent): Companion<Stripe.CustomerSession> {
  return {
    purpose: 'customer-session',
    create: async (call) => {
      const params = { customer: call.customerId, components: customerSessionComponents(component, call.usage) };
      const original = await services.stripe.customerSessions.create(params, call.requestOptions('customer-session'));
      const lifetime = original.expires_at - original.created;
      const now = Date.now() / 1000;
      if (original.expires_at - now >= lifetime / 4) return original;
      const window = String(Math.floor((now - original.created) / (lifetime / 2)));
      return services.stripe.customerSessions.create(
        params,
        call.requestOptions('customer-session-renewal', String(original.created), window),
      );
    },
  };
}
