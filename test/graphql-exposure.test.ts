import { beforeEach, describe, expect, it, vi } from 'vitest';
import { callGraphQL, callRest, SETUP_INTENT_MUTATION, SETUP_INTENTS, tokenFor } from './support/clients.js';
import { callsToStripe, useWorld } from './support/gateway.js';

const INTROSPECTION = '{ __schema { queryType { name } } }';
const TYPE_INTROSPECTION = '{ __type(name: "StripeError") { fields { name } } }';

/** Documents one letter off the schema's names: graphql-js would suggest each name. */
const MISSPELT = [
  '{ viewr { __typename } }',
  'mutation { createStripeSetupIntent(inpt: {}) { __typename } }',
  'mutation { createStripeSetupIntent(input: { stripeVersio: "x" }) { __typename } }',
  'mutation { createStripeSetupIntent { ... on StripeEror { code } } }',
  'mutation ($input: CreateStripeSetupIntentInpt) { createStripeSetupIntent(input: $input) { __typename } }',
];

const MUTATION_BODY = { query: 'mutation { createStripeSetupIntent { __typename } }' };

describe('GraphQL in production', () => {
  const world = useWorld({ NODE_ENV: 'production' });

  it('answers no introspection query, but __typename still works', async () => {
    for (const query of [INTROSPECTION, TYPE_INTROSPECTION]) {
      const answer = await callGraphQL(world().gateway.url, query);
      expect(answer.body.data).toBeUndefined();
      expect(answer.body.errors[0].message).toMatch(/introspection has been disabled/);
    }
    const typename = await callGraphQL(world().gateway.url, '{ __typename }');
    expect(typename.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('suggests no names in validation or variable errors', async () => {
    const answers = await Promise.all([
      ...MISSPELT.map((query) => callGraphQL(world().gateway.url, query)),
      callGraphQL(world().gateway.url, SETUP_INTENT_MUTATION, { variables: { input: { stripeVersio: 'x' } } }),
    ]);
    for (const answer of answers) {
      expect(answer.body.errors.length).toBeGreaterThan(0);
      // A masked 500 would suggest nothing either: the refusal itself must come through.
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].message).not.toBe('Unexpected error.');
      expect(JSON.stringify(answer.body)).not.toMatch(/did you mean/i);
    }
  });
});

describe('GRAPHQL_INTROSPECTION=true in production', () => {
  const world = useWorld({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' });

  it('answers introspection again', async () => {
    const answer = await callGraphQL(world().gateway.url, INTROSPECTION);
    expect(answer.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });
});

describe('GraphQL outside production', () => {
  const world = useWorld();

  it('answers introspection by default (GraphiQL needs it)', async () => {
    const answer = await callGraphQL(world().gateway.url, INTROSPECTION);
    expect(answer.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });
});

describe('GRAPHQL_INTROSPECTION=false outside production', () => {
  const world = useWorld({ GRAPHQL_INTROSPECTION: 'false' });

  it('refuses introspection and suggests no names', async () => {
    const answer = await callGraphQL(world().gateway.url, INTROSPECTION);
    expect(answer.body.errors[0].message).toMatch(/introspection has been disabled/);
    const misspelt = await callGraphQL(world().gateway.url, MISSPELT[0]!);
    expect(misspelt.body.errors[0].message).toBe('Cannot query field "viewr" on type "Query".');
  });
});

describe('GraphQL with NODE_ENV=development', () => {
  // Yoga reads NODE_ENV from the process itself, so the process must say development.
  beforeEach(() => {
    vi.stubEnv('NODE_ENV', 'development');
    return () => vi.unstubAllEnvs();
  });
  const world = useWorld({ NODE_ENV: 'development' });

  it('masks an internal failure: no message, no stack', async () => {
    await world().gateway.app.services.store.close();
    const answer = await callGraphQL(world().gateway.url, SETUP_INTENT_MUTATION, { token: await tokenFor({ sub: 'u1' }) });
    expect(answer.body.errors[0].message).toBe('Unexpected error.');
    const text = JSON.stringify(answer.body);
    expect(text).not.toMatch(/stack|originalError|database|\.ts:/i);
  });

  it('answers unparsable JSON with 400 and no parser message echoing the body', async () => {
    const response = await fetch(`${world().gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": "secret-looking-body',
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[0].message).toBe('POST body sent invalid JSON.');
    expect(JSON.stringify(body)).not.toMatch(/originalError|SyntaxError|secret-looking-body/);
  });
});

describe('GraphQL request bodies', () => {
  const world = useWorld();

  it('runs a mutation only from POST application/json: forms, multipart and text/plain are 415', async () => {
    const url = `${world().gateway.url}/graphql`;
    const multipart = new FormData();
    multipart.set('operations', JSON.stringify(MUTATION_BODY));
    multipart.set('map', '{}');
    const refused = [
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(MUTATION_BODY).toString(),
      }),
      await fetch(url, { method: 'POST', body: multipart }),
      await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(MUTATION_BODY) }),
      await fetch(url, { method: 'POST', body: JSON.stringify(MUTATION_BODY) }),
    ];
    for (const response of refused) {
      expect(response.status).toBe(415);
      expect(response.headers.get('content-type')).toMatch(/json/);
      expect((await response.json()).errors[0].message).toMatch(/application\/json/);
    }
    const overGet = await fetch(`${url}?query=${encodeURIComponent(MUTATION_BODY.query)}`);
    expect(overGet.status).toBe(405);
    expect(callsToStripe(world().emulator)).toHaveLength(0);

    const json = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(MUTATION_BODY) });
    expect(await json.json()).toEqual({ data: { createStripeSetupIntent: { __typename: 'StripeSetupIntent' } } });
  });

  it('answers paths beside the endpoint with a JSON 404', async () => {
    for (const [method, path] of [
      ['POST', '/GRAPHQL'],
      ['GET', '/graphql/x'],
      ['POST', '/graphql/x'],
      ['GET', '/Graphql'],
    ] as const) {
      const response = await fetch(`${world().gateway.url}${path}`, {
        method,
        ...(method === 'POST' && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(MUTATION_BODY) }),
      });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/json/);
      expect(await response.json()).toEqual({ error: `No route for ${method} ${path}.` });
    }
    expect(callsToStripe(world().emulator)).toHaveLength(0);
  });
});

describe('X-Content-Type-Options', () => {
  const world = useWorld();

  it('is nosniff on every response', async () => {
    const url = world().gateway.url;
    const responses = [
      await fetch(`${url}/health`),
      await fetch(`${url}/ready`),
      await fetch(`${url}/metrics`),
      await fetch(`${url}/nowhere`),
      await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } }),
      await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }),
      await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' }),
      await fetch(`${url}${SETUP_INTENTS}`, { method: 'POST' }),
      await fetch(`${url}${SETUP_INTENTS}`, { method: 'GET' }),
      await fetch(`${url}${SETUP_INTENTS}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
    ];
    for (const response of responses) {
      expect(response.headers.get('x-content-type-options'), response.url).toBe('nosniff');
      await response.arrayBuffer();
    }
    expect((await callRest(url)).headers.get('x-content-type-options')).toBe('nosniff');
  });
});
