import { getIntrospectionQuery } from 'graphql';
import { describe, expect, it } from 'vitest';
import { GRAPHQL_LIMITS } from '../src/graphql/abuse-limits.js';
import { GRAPHQL_MAX_BODY_BYTES } from '../src/graphql/body-limit.js';
import { callGraphQL, tokenFor } from './support/clients.js';
import { callsToStripe, useWorld } from './support/gateway.js';

const FIELDS = '__typename ... on StripeSetupIntent { customerId }';

describe('GraphQL abuse limits', () => {
  const world = useWorld({ GUEST_RATE_LIMIT_PER_MINUTE: '1000' });

  it.each([
    ['aliases', `mutation { a: createStripeSetupIntent { ${FIELDS} } b: createStripeSetupIntent { ${FIELDS} } }`],
    [
      'fragments',
      `mutation { ...A ...B } fragment A on Mutation { x: createStripeSetupIntent { ${FIELDS} } } fragment B on Mutation { y: createStripeSetupIntent { ${FIELDS} } }`,
    ],
    ['inline fragments', `mutation { ... on Mutation { a: createStripeSetupIntent { ${FIELDS} } } createStripeSetupIntent { ${FIELDS} } }`],
  ])('refuses more than one setup intent per operation through %s, before any Stripe call', async (_how, query) => {
    const { body } = await callGraphQL(world().gateway.url, query, { token: await tokenFor({ sub: 'alias_user' }) });
    expect(body.data ?? null).toBeNull();
    expect(body.errors[0].extensions.code).toBe('TOO_MANY_SETUP_INTENTS');
    expect(callsToStripe(world().emulator)).toHaveLength(0);
  });

  it('runs a repeated field under one response key once, and one operation of a multi-operation document', async () => {
    const repeated = await callGraphQL(
      world().gateway.url,
      `mutation { createStripeSetupIntent { __typename } createStripeSetupIntent { ${FIELDS} } }`,
    );
    expect(repeated.body.data.createStripeSetupIntent.customerId).toMatch(/^cus_/);
    const chosen = await fetch(`${world().gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation One { createStripeSetupIntent { ${FIELDS} } } mutation Two { createStripeSetupIntent { ${FIELDS} } }`,
        operationName: 'Two',
      }),
    });
    expect((await chosen.json()).data.createStripeSetupIntent.__typename).toBe('StripeSetupIntent');
    expect(world().emulator.setupIntents()).toHaveLength(2);
  });

  it('runs the operation named, whichever operation of the same document ran before', async () => {
    const query = 'query Plain { __typename } query Signed { viewer { signedIn } }';
    const run = async (operationName: string) =>
      (
        await fetch(`${world().gateway.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query, operationName }),
        })
      ).json();
    expect(await run('Plain')).toEqual({ data: { __typename: 'Query' } });
    expect(await run('Signed')).toEqual({ data: { viewer: { signedIn: false } } });
    expect(await run('Plain')).toEqual({ data: { __typename: 'Query' } });
  });

  it.each([
    ['too many aliases', `{ ${Array.from({ length: GRAPHQL_LIMITS.maxAliases + 1 }, (_, i) => `v${i}: viewer { signedIn }`).join(' ')} }`],
    ['too deep', `{ __schema { types { fields { type ${'{ ofType '.repeat(GRAPHQL_LIMITS.maxDepth)}{ name }${' }'.repeat(GRAPHQL_LIMITS.maxDepth)} } } } }`],
    ['too many tokens', `{ viewer { ${'signedIn '.repeat(GRAPHQL_LIMITS.maxTokens)} } }`],
    ['too many directives', `{ viewer { signedIn ${'@include(if: true) '.repeat(GRAPHQL_LIMITS.maxDirectives + 1)} } }`],
  ])('refuses a document with %s before running it', async (_name, query) => {
    const { status, body } = await callGraphQL(world().gateway.url, query);
    expect([200, 400]).toContain(status);
    expect(body.data ?? null).toBeNull();
    expect(body.errors[0].message).toMatch(/Syntax Error|exceeded|Token limit|limit/i);
    expect(callsToStripe(world().emulator)).toHaveLength(0);
  });

  it('refuses batched requests', async () => {
    const response = await fetch(`${world().gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: `mutation { createStripeSetupIntent { ${FIELDS} } }` }, { query: '{ viewer { signedIn } }' }]),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(callsToStripe(world().emulator)).toHaveLength(0);
  });

  it('refuses an oversized body with 413 in GraphQL’s error shape', async () => {
    const response = await fetch(`${world().gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ viewer { signedIn } } # ${'x'.repeat(GRAPHQL_MAX_BODY_BYTES)}` }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ errors: [{ message: expect.stringMatching(/too large/) }] });
  });

  it('still answers GraphiQL’s introspection query', async () => {
    const { status, body } = await callGraphQL(world().gateway.url, getIntrospectionQuery());
    expect(status).toBe(200);
    expect(body.data.__schema.mutationType.name).toBe('Mutation');
  });
});
