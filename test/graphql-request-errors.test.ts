import { beforeEach, describe, expect, it, vi } from 'vitest';
import { callsToStripe, startWorld, type World } from './support/gateway.js';
import { capturedLogger } from './support/log-lines.js';

const SESSION = /* GraphQL */ `
  mutation Session($input: CreateStripeCustomerSessionInput!) {
    createStripeCustomerSession(input: $input) { __typename }
  }
`;
const SETUP_INTENT = /* GraphQL */ `
  mutation Save($input: CreateStripeSetupIntentInput) { createStripeSetupIntent(input: $input) { __typename } }
`;

interface RequestErrorCase {
  name: string;
  body: Record<string, unknown>;
  /** errors[0].message, suggestions removed (what production answers). */
  message: string;
  /** errors[0].extensions.code */
  code: string;
  /** What outside production suggests (`Did you mean …?`), when graphql-js suggests something. */
  suggestion?: string;
  /** Not a well-formed GraphQL-over-HTTP request at all: 400 whatever the client accepts. */
  malformed?: boolean;
}

/** Every class of request the schema refuses before anything runs: GraphQL over HTTP's request errors. */
const CASES: RequestErrorCase[] = [
  {
    name: 'a syntax error',
    code: 'GRAPHQL_PARSE_FAILED',
    body: { query: 'mutation { createStripeSetupIntent(' },
    message: 'Syntax Error: Expected Name, found <EOF>.',
  },
  {
    name: 'an unknown field',
    code: 'GRAPHQL_VALIDATION_FAILED',
    body: { query: '{ viewr { __typename } }' },
    message: 'Cannot query field "viewr" on type "Query".',
    suggestion: '"viewer"',
  },
  {
    name: 'an unknown argument',
    code: 'GRAPHQL_VALIDATION_FAILED',
    body: { query: 'mutation { createStripeSetupIntent(inpt: {}) { __typename } }' },
    message: 'Unknown argument "inpt" on field "Mutation.createStripeSetupIntent".',
    suggestion: '"input"',
  },
  {
    name: 'a literal of the wrong type',
    code: 'GRAPHQL_VALIDATION_FAILED',
    body: { query: 'mutation { createStripeSetupIntent(input: { stripeVersion: 5 }) { __typename } }' },
    message: 'String cannot represent a non string value: 5',
  },
  {
    name: 'a variable declared with an unknown type',
    code: 'GRAPHQL_VALIDATION_FAILED',
    body: { query: 'mutation ($input: CreateStripeSetupIntentInpt) { createStripeSetupIntent(input: $input) { __typename } }' },
    message: 'Unknown type "CreateStripeSetupIntentInpt".',
    suggestion: '"CreateStripeSetupIntentInput"',
  },
  {
    name: 'a wrong enum value in a variable',
    code: 'BAD_USER_INPUT',
    body: { query: SESSION, variables: { input: { component: 'PAYMENT_ELEMNT' } } },
    message: 'Variable "$input" got invalid value "PAYMENT_ELEMNT" at "input.component"; Value "PAYMENT_ELEMNT" does not exist in "StripeCustomerSessionComponent" enum.',
    suggestion: 'the enum value "PAYMENT_ELEMENT"',
  },
  {
    name: 'a missing required variable',
    code: 'BAD_USER_INPUT',
    body: { query: SESSION, variables: {} },
    message: 'Variable "$input" of required type "CreateStripeCustomerSessionInput!" was not provided.',
  },
  {
    name: 'no variables at all for a required one',
    code: 'BAD_USER_INPUT',
    body: { query: SESSION },
    message: 'Variable "$input" of required type "CreateStripeCustomerSessionInput!" was not provided.',
  },
  {
    name: 'null for a non-null variable',
    code: 'BAD_USER_INPUT',
    body: { query: SESSION, variables: { input: null } },
    message: 'Variable "$input" of non-null type "CreateStripeCustomerSessionInput!" must not be null.',
  },
  {
    name: 'a missing required input field',
    code: 'BAD_USER_INPUT',
    body: { query: SESSION, variables: { input: {} } },
    message: 'Variable "$input" got invalid value {}; Field "component" of required type "StripeCustomerSessionComponent!" was not provided.',
  },
  {
    name: 'an int where a String is expected',
    code: 'BAD_USER_INPUT',
    body: { query: SETUP_INTENT, variables: { input: { idempotencyKey: 5 } } },
    message: 'Variable "$input" got invalid value 5 at "input.idempotencyKey"; String cannot represent a non string value: 5',
  },
  {
    name: 'an unknown input field in a variable',
    code: 'BAD_USER_INPUT',
    body: { query: SETUP_INTENT, variables: { input: { stripeVersio: '2025-09-30.clover' } } },
    message: 'Variable "$input" got invalid value { stripeVersio: "2025-09-30.clover" }; Field "stripeVersio" is not defined by type "CreateStripeSetupIntentInput".',
    suggestion: '"stripeVersion"',
  },
  {
    name: 'variables that are not an object',
    code: 'BAD_REQUEST',
    body: { query: SETUP_INTENT, variables: 5 },
    message: 'Expected "variables" param to be empty or an object, but given number.',
    malformed: true,
  },
  { name: 'no query', code: 'BAD_REQUEST', body: { variables: {} }, message: 'Must provide query string.' },
  {
    name: 'an operation name naming no operation',
    code: 'OPERATION_RESOLUTION_FAILURE',
    body: { query: SETUP_INTENT, operationName: 'Nothing' },
    message: 'Could not determine what operation to execute.',
  },
  {
    name: 'several operations and no operation name',
    code: 'OPERATION_RESOLUTION_FAILURE',
    body: { query: `${SETUP_INTENT} ${SESSION}` },
    message: 'Could not determine what operation to execute.',
  },
];

const MEDIA_TYPES = [
  { accept: 'application/json', status: 200 },
  { accept: 'application/graphql-response+json', status: 400 },
] as const;

function requestErrorSuite(mode: 'production' | 'development') {
  let world: World;
  let lines: Record<string, unknown>[];
  beforeEach(async () => {
    // Yoga reads NODE_ENV from the process itself, so the process must say the mode too.
    vi.stubEnv('NODE_ENV', mode);
    const captured = capturedLogger('info');
    lines = captured.lines;
    world = await startWorld({ NODE_ENV: mode, GUEST_RATE_LIMIT_PER_MINUTE: '1000' }, captured.logger);
    return async () => {
      await world.close();
      vi.unstubAllEnvs();
    };
  });

  it.each(CASES)('answers $name as a request error on both media types, never 500', async ({ body, message, code, suggestion, malformed }) => {
    for (const { accept, status: wellFormedStatus } of MEDIA_TYPES) {
      const status = malformed ? 400 : wellFormedStatus;
      const response = await fetch(`${world.gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      expect(response.status, `${accept}: ${text}`).toBe(status);
      expect(response.headers.get('content-type')).toMatch(new RegExp(`^${accept.replace('+', '\\+')}`));
      const answer = JSON.parse(text);
      expect(answer).not.toHaveProperty('data');
      const [first] = answer.errors;
      const shown = first.message.replace(/ Did you mean [^?]*\?$/, '');
      expect(shown).toBe(message);
      expect(first.extensions?.code).toBe(code);
      if (suggestion && mode === 'development') expect(first.message).toContain(`Did you mean ${suggestion}`);
      if (mode === 'production') expect(text).not.toMatch(/did you mean/i);
      expect(text).not.toMatch(/Unexpected error|originalError|stack/);
    }
    expect(callsToStripe(world.emulator)).toHaveLength(0);
    expect(lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
  });
}

describe('GraphQL request errors in production', () => requestErrorSuite('production'));
describe('GraphQL request errors in development', () => requestErrorSuite('development'));
