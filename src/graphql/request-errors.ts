import { getOperationAST, getVariableValues, GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

/** Yoga's flag for GraphQL over HTTP's request errors: 400 for graphql-response+json, 200 for json. */
const REQUEST_ERROR_HTTP = { spec: true, status: 400 } as const;

/**
 * What is refused before any field runs (a variable of the wrong type, a missing or null required
 * variable, an operation name naming no operation) comes back as a result without `data`: a
 * request error in GraphQL over HTTP's terms, answered like the validation errors yoga already
 * marks. graphql-jit reports variables with errors of its own, without `extensions` and naming
 * the wrong variable; graphql-js's coercion (run only on this failing path) says it precisely.
 */
export const requestErrors: Plugin = {
  onExecute: ({ args }) => ({
    onExecuteDone: ({ result, setResult }) => {
      if (isAsyncIterable(result) || 'data' in result || !result.errors?.length) return;
      setResult({ errors: requestErrorsOf(result, args) });
    },
  }),
  onResultProcess: ({ result, setResult }) => {
    // Yoga answers an operation name naming no operation 400 even to application/json.
    if (Array.isArray(result) || isAsyncIterable(result) || !result.errors) return;
    if (!result.errors.some(isUnresolvedOperation)) return;
    setResult({ ...result, errors: result.errors.map((error) => (isUnresolvedOperation(error) ? asRequestError(error) : error)) });
  },
};

function requestErrorsOf(result: ExecutionResult, args: ExecutionArgs): GraphQLError[] {
  const operation = getOperationAST(args.document, args.operationName);
  const coerced = operation && getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
  const errors = coerced?.errors ?? result.errors ?? [];
  return errors.map(asRequestError);
}

function asRequestError(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code: error.extensions?.code ?? 'BAD_USER_INPUT', http: REQUEST_ERROR_HTTP },
  });
}

function isUnresolvedOperation(error: GraphQLError): boolean {
  return error.extensions?.code === 'OPERATION_RESOLUTION_FAILURE';
}
