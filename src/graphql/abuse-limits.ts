import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';

/**
 * Bounds on what one document may ask for, checked before execution. The contract's documents
 * need a depth of 4, a handful of aliases and a few hundred tokens; these leave room for
 * GraphiQL's introspection and nothing more.
 */
export const GRAPHQL_LIMITS = {
  maxAliases: 5,
  maxDepth: 10,
  maxTokens: 1_000,
  maxDirectives: 10,
  maxCost: 5_000,
} as const;

export const abuseLimits = EnvelopArmorPlugin({
  maxAliases: { n: GRAPHQL_LIMITS.maxAliases },
  maxDepth: { n: GRAPHQL_LIMITS.maxDepth },
  maxTokens: { n: GRAPHQL_LIMITS.maxTokens },
  maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives },
  costLimit: { maxCost: GRAPHQL_LIMITS.maxCost },
  blockFieldSuggestion: { enabled: false },
});
