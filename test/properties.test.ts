import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SETUP_INTENTS, tokenFor } from './support/clients.js';
import { useWorld } from './support/gateway.js';

/** Printable ASCII: what a header value can carry through fetch. */
const headerText = fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength: 80 }).map((codes) => String.fromCharCode(...codes));

const REST_STATUSES = [200, 400, 401, 405, 413, 415, 422, 429];

describe('whatever is thrown at the gateway', () => {
  const world = useWorld({ GUEST_RATE_LIMIT_PER_MINUTE: '100000', USER_RATE_LIMIT_PER_MINUTE: '100000', STRIPE_TIMEOUT_MS: '2000' });

  it('REST answers every request in the documented shape, never with a 5xx', async () => {
    const valid = await tokenFor({ sub: 'prop_user' });
    const authorization = fc.oneof(
      fc.constant(undefined),
      fc.constant(`Bearer ${valid}`),
      headerText,
      headerText.map((text) => `Bearer ${text}`),
      fc.constant(`Bearer ${valid.slice(0, -3)}abc`),
    );
    const body = fc.oneof(
      fc.constant(undefined),
      fc.json(),
      fc.string({ maxLength: 200 }),
      fc
        .record({ stripe_version: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant('2024-06-20')) })
        .map((record) => JSON.stringify(record)),
      fc.constant('x'.repeat(20_000)),
    );
    const contentType = fc.oneof(
      fc.constantFrom('application/json', 'application/vnd.api+json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'),
      headerText,
    );
    const method = fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH');

    await fc.assert(
      fc.asyncProperty(authorization, body, contentType, headerText, method, async (auth, payload, type, key, verb) => {
        const headers: Record<string, string> = {};
        if (auth !== undefined) headers.authorization = auth;
        if (key !== '') headers['idempotency-key'] = key;
        if (payload !== undefined) headers['content-type'] = type;
        const response = await fetch(`${world().gateway.url}${SETUP_INTENTS}`, {
          method: verb,
          headers,
          ...(payload !== undefined && verb !== 'GET' && { body: payload }),
        });
        const text = await response.text();
        expect(REST_STATUSES, `${response.status} ${text}`).toContain(response.status);
        expect(response.headers.get('content-type')).toBe('application/vnd.api+json');
        const answer = JSON.parse(text);
        if (response.status === 200) expect(Object.keys(answer)).toHaveLength(3);
        else expect(typeof answer.error).toBe('string');
      }),
      { numRuns: 200 },
    );
  });

  it('GraphQL answers every document with data or errors, never with a 5xx', async () => {
    const token = await tokenFor({ sub: 'prop_user' });
    const word = fc.constantFrom(
      'mutation', 'query', '{', '}', '(', ')', ':', '...', 'on', 'createStripeSetupIntent', 'viewer', 'input',
      'stripeVersion', 'idempotencyKey', '"2024-06-20"', '$v', 'String', '@include(if: true)', '__typename',
      'StripeSetupIntent', 'Error', 'message', 'customerId', 'fragment', 'a:', 'b:', '__schema', 'types', 'name',
    );
    const document = fc.oneof(fc.array(word, { maxLength: 40 }).map((words) => words.join(' ')), fc.string({ maxLength: 200 }));
    const variables = fc.oneof(fc.constant(undefined), fc.jsonValue(), fc.record({ v: fc.string(), input: fc.jsonValue() }));

    await fc.assert(
      fc.asyncProperty(document, variables, fc.boolean(), async (query, vars, signedIn) => {
        const response = await fetch(`${world().gateway.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(signedIn && { authorization: `Bearer ${token}` }) },
          body: JSON.stringify({ query, variables: vars }),
        });
        expect(response.status, query).toBeLessThan(500);
        const answer = await response.json();
        expect('data' in answer || Array.isArray(answer.errors)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('is still healthy and serving afterwards', async () => {
    expect((await fetch(`${world().gateway.url}/ready`)).status).toBe(200);
    const response = await fetch(`${world().gateway.url}${SETUP_INTENTS}`, { method: 'POST' });
    expect(response.status).toBe(200);
  });
});
