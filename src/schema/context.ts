import type { Caller } from '../resolvers/caller.js';
import type { GatewayServices } from '../resolvers/services.js';

export interface GraphQLContext {
  caller: Caller;
  services: GatewayServices;
  /** One setup intent per HTTP request, however many aliases or fragments ask for more. */
  setupIntentBudget: { remaining: number };
}
