import {
  GraphQLError,
  Kind,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ASTVisitor,
} from 'graphql';

/** The mutations that create a SetupIntent (and the objects beside it). */
export const SETUP_INTENT_FIELDS: ReadonlySet<string> = new Set(['createStripeSetupIntent', 'createStripeCustomerSession']);

/**
 * Refuses, before anything runs, an operation that would create more than one setup intent:
 * aliases and fragments count, and so does each of the mutations that create one (a customer
 * session counts even without its SetupIntent); the same field repeated under one response key
 * runs once.
 */
export function oneSetupIntentPerOperation(context: ValidationContext): ASTVisitor {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return {
    OperationDefinition(operation) {
      const responseKeys = new Set<string>();
      collect(operation.selectionSet, fragments, responseKeys, new Set());
      if (responseKeys.size > 1) {
        context.reportError(
          new GraphQLError(`One setup intent per request; this operation asks for ${responseKeys.size}.`, {
            nodes: operation,
            extensions: { code: 'TOO_MANY_SETUP_INTENTS' },
          }),
        );
      }
    },
  };
}

function collect(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  responseKeys: Set<string>,
  visited: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (SETUP_INTENT_FIELDS.has(selection.name.value)) responseKeys.add(selection.alias?.value ?? selection.name.value);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      collect(selection.selectionSet, fragments, responseKeys, visited);
    } else if (!visited.has(selection.name.value)) {
      visited.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      if (fragment) collect(fragment.selectionSet, fragments, responseKeys, visited);
    }
  }
}
