import { GraphQLError } from 'graphql';
import type { GraphQLContext } from './context.js';

/**
 * Backstop for the validation rule (src/graphql/one-setup-intent-rule.ts): whatever slips past
 * it, a request never creates a second setup intent.
 */
export function spendSetupIntentBudget({ setupIntentBudget }: GraphQLContext): void {
  if (setupIntentBudget.remaining <= 0) {
    throw new GraphQLError('One setup intent per request.', { extensions: { code: 'TOO_MANY_SETUP_INTENTS' } });
  }
  setupIntentBudget.remaining -= 1;
}
