import { describe, expect, it } from 'vitest';
import { SETUP_INTENTS, tokenFor } from './support/clients.js';
import { callsToStripe, useWorld } from './support/gateway.js';

const MUTATION = JSON.stringify({ query: 'mutation { createStripeSetupIntent { ... on StripeSetupIntent { customerId } } }' });
const JSON_SPELLINGS = ['APPLICATION/JSON', 'Application/Json; charset=UTF-8', 'application/JSON;CHARSET=utf-8'];

describe('media types and the Bearer scheme, whatever their case', () => {
  const world = useWorld({ GUEST_RATE_LIMIT_PER_MINUTE: '1000' });
  const post = (path: string, headers: Record<string, string>, body?: string) =>
    fetch(`${world().gateway.url}${path}`, { method: 'POST', headers, body });

  it.each(JSON_SPELLINGS)('runs a GraphQL mutation sent as %s', async (contentType) => {
    const response = await post('/graphql', { 'content-type': contentType }, MUTATION);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(JSON.parse(text).data.createStripeSetupIntent.customerId).toMatch(/^cus_/);
    expect(world().emulator.setupIntents()).toHaveLength(1);
  });

  it('answers in the response media type accepted in capitals', async () => {
    const response = await post(
      '/graphql',
      { 'content-type': 'application/json', accept: 'APPLICATION/GRAPHQL-RESPONSE+JSON; CHARSET=UTF-8' },
      JSON.stringify({ query: '{ viewr }' }),
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
  });

  it.each(['APPLICATION/VND.API+JSON', 'Application/Json; Charset=UTF-8'])('accepts a REST body sent as %s', async (contentType) => {
    const response = await post(SETUP_INTENTS, { 'content-type': contentType }, JSON.stringify({ usage: 'on_session' }));
    expect(response.status, await response.clone().text()).toBe(200);
    expect((await response.json()).customer_id).toMatch(/^cus_/);
    expect(world().emulator.setupIntents()[0]?.usage).toBe('on_session');
  });

  it('signs in with BEARER, bearer and Bearer alike on both surfaces', async () => {
    const token = await tokenFor({ sub: 'case_user' });
    const customers = new Set<string>();
    for (const scheme of ['Bearer', 'BEARER', 'bearer', 'bEaReR']) {
      const rest = await post(SETUP_INTENTS, { authorization: `${scheme} ${token}` });
      expect(rest.status, scheme).toBe(200);
      customers.add((await rest.json()).customer_id);
      const graphql = await post('/graphql', { 'content-type': 'application/json', authorization: `${scheme} ${token}` }, MUTATION);
      customers.add((await graphql.json()).data.createStripeSetupIntent.customerId);
    }
    expect(customers.size).toBe(1);
    expect(world().emulator.customers()).toHaveLength(1);
  });

  it('answers every unsupported body type with 415 and a JSON body, and runs nothing', async () => {
    const refused = [
      ...['TEXT/PLAIN', 'application/graphql', 'application/graphql+json', 'application/jsonx', 'application/x-www-form-urlencoded'].map(
        (contentType) => ['/graphql', contentType] as const,
      ),
      ...['TEXT/PLAIN', 'application/xml', 'APPLICATION/X-WWW-FORM-URLENCODED'].map((contentType) => [SETUP_INTENTS, contentType] as const),
    ];
    for (const [path, contentType] of refused) {
      const response = await post(path, { 'content-type': contentType }, path === '/graphql' ? MUTATION : '{}');
      const text = await response.text();
      expect(response.status, `${path} ${contentType}: ${text}`).toBe(415);
      expect(response.headers.get('content-type'), `${path} ${contentType}`).toMatch(/json/);
      expect(() => JSON.parse(text), `${path} ${contentType}: ${text}`).not.toThrow();
    }
    expect(callsToStripe(world().emulator)).toHaveLength(0);
  });

  it('serves GraphiQL and the index for Accept headers in capitals', async () => {
    const page = await fetch(`${world().gateway.url}/graphql`, { headers: { accept: 'TEXT/HTML' } });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const index = await fetch(`${world().gateway.url}/`, { headers: { accept: 'APPLICATION/JSON' } });
    expect((await index.json()).restPath).toBe('/api/v2/storefront/stripe/setup_intents');
  });
});
