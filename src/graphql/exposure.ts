import { GraphQLError, NoSchemaIntrospectionCustomRule, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * graphql-js's "Did you mean …?" in every form it takes (fields, arguments, types, input fields,
 * `the enum value "…"`). graphql-armor's blockFieldSuggestion only matches the first forms and
 * only in validation, not in variable coercion, so the whole answer is scrubbed here.
 */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** Introspection refused with graphql-js's own rule (what yoga's and envelop's plugins wrap). */
const noIntrospection: Plugin = {
  onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule),
};

/**
 * What every answer may tell a client, in every mode: no `originalError` in extensions (yoga
 * puts the JSON parser's message there, echoing the body) and, with introspection off, no
 * schema names suggested.
 */
function scrubbedAnswers({ suggestions }: { suggestions: boolean }): Plugin {
  const scrub = (error: GraphQLError) => {
    // graphql-jit's own errors (a non-null field that resolved to null) have no extensions at all.
    const { originalError, ...extensions } = error.extensions ?? {};
    // Yoga answers such an error with its own HTTP status (400 for unparsable JSON) only while
    // the originalError is there; without it, the status is kept by dropping the `spec` flag.
    if (originalError !== undefined && isHttpExtension(extensions.http)) {
      const { spec: _spec, ...http } = extensions.http;
      extensions.http = http;
    }
    return new GraphQLError(suggestions ? error.message : error.message.replace(SUGGESTION, ''), {
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions,
    });
  };
  const scrubResult = (result: ExecutionResult): ExecutionResult =>
    result.errors ? { ...result, errors: result.errors.map(scrub) } : result;
  return {
    onResultProcess: ({ result, setResult }) => {
      if (Array.isArray(result)) setResult(result.map(scrubResult));
      else if (!(Symbol.asyncIterator in result)) setResult(scrubResult(result));
    },
  };
}

/** `GRAPHQL_INTROSPECTION`: introspection answered and names suggested, or neither. */
export function exposurePlugins({ introspection }: { introspection: boolean }): Plugin[] {
  const scrub = scrubbedAnswers({ suggestions: introspection });
  return introspection ? [scrub] : [noIntrospection, scrub];
}

function isHttpExtension(value: unknown): value is { spec?: boolean; status?: number } {
  return typeof value === 'object' && value !== null;
}
