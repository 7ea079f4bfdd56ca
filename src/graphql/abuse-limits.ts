import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { Plugin } from 'graphql-yoga';
import { oneSetupIntentPerOperation } from './one-setup-intent-rule.js';

/**
 * Bounds on what one document may ask for, checked before execution. The contract's documents
 * need a depth of 4, a handful of aliases and a few hundred tokens; these leave room for
 * GraphiQL's introspection (depth 13 through its type references) and nothing more.
 */
export const GRAPHQL_LIMITS = {
  maxAliases: 5,
  maxDepth: 15,
  maxTokens: 1_000,
  maxDirectives: 10,
  maxCost: 5_000,
} as const;

const armor = EnvelopArmorPlugin({
  maxAliases: { n: GRAPHQL_LIMITS.maxAliases },
  maxDepth: { n: GRAPHQL_LIMITS.maxDepth, ignoreIntrospection: false, flattenFragments: true },
  maxTokens: { n: GRAPHQL_LIMITS.maxTokens },
  maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives },
  costLimit: { maxCost: GRAPHQL_LIMITS.maxCost },
  blockFieldSuggestion: { enabled: false },
});

const setupIntentRule: Plugin = {
  onValidate: ({ addValidationRule }) => addValidationRule(oneSetupIntentPerOperation),
};

export const abuseLimits = [armor, setupIntentRule] as const;
