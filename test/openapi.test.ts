import { existsSync } from 'node:fs';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../src/auth/dev-token.js';
import { OPENAPI_DOCUMENT } from '../src/rest/openapi.js';
import { callRest, SETUP_INTENTS, tokenFor, type HttpAnswer, type RestCall } from './support/clients.js';
import { callsToStripe, TEST_JWT_SECRET, useWorld } from './support/gateway.js';
import { CARD_DECLINED_ONCE, SETUP_INTENT_REFUSED_ONCE } from './support/faults.js';

/** The spec's facts for this operation, kept in the repository: the comparison never skips. */
const SPEC_FIXTURE = new URL('./fixtures/spree-storefront-stripe-setup-intents.yaml', import.meta.url).pathname;
/**
 * The whole spec, beside the contract in shared/ next to the repository (or next to the folder
 * of worktrees), outside this repository: where it is found, the fixture must not drift from it.
 */
const SHARED_SPEC =
  ['../../shared/spec/', '../../../shared/spec/']
    .map((dir) => new URL(`${dir}storefront-stripe-setup-intents.yaml`, import.meta.url).pathname)
    .find((path) => existsSync(path)) ?? '';

type Json = Record<string, any>;

/** The served document, dereferenced, with one compiled validator per response body and header. */
interface Checker {
  operation: Json;
  /** Status, content type, body and headers as the document says for that status; the status is recorded. */
  check(answer: HttpAnswer): void;
  checkBody(status: number, mediaType: string, body: unknown): void;
}

let checker: Checker;
const statusesSeen = new Set<string>();

async function loadChecker(document: Json): Promise<Checker> {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(document));
  expect(result.errors).toBeUndefined();
  expect(result.valid).toBe(true);
  expect(validator.version).toBe('3.1');
  const resolved = validator.resolveRefs() as Json;
  const operation = resolved.paths[SETUP_INTENTS].post as Json;

  // OpenAPI 3.1 schemas are JSON Schema 2020-12; `x-` keys are the document's own annotations.
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addVocabulary(['x-internal']);
  const compiled = new Map<object, ValidateFunction>();
  const compile = (schema: object) => {
    let validate = compiled.get(schema);
    if (!validate) compiled.set(schema, (validate = ajv.compile(schema)));
    return validate;
  };
  const valid = (schema: object, value: unknown, what: string) => {
    const validate = compile(schema);
    expect(validate(value), `${what}: ${ajv.errorsText(validate.errors)}; got ${JSON.stringify(value)}`).toBe(true);
  };

  const responseFor = (status: number) => {
    const response = operation.responses[String(status)] as Json | undefined;
    expect(response, `status ${status} is not in the document`).toBeDefined();
    return response!;
  };
  const checkBody = (status: number, mediaType: string, body: unknown) => {
    const response = responseFor(status);
    expect(Object.keys(response.content), `the ${status} content type`).toContain(mediaType);
    valid(response.content[mediaType].schema, body, `the ${status} body`);
  };

  return {
    operation,
    checkBody,
    check({ status, headers, body }) {
      const response = responseFor(status);
      statusesSeen.add(String(status));
      checkBody(status, headers.get('content-type') ?? '', body);
      for (const [name, header] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
        const value = headers.get(name);
        if (!header.required && value === null) continue;
        expect(value, `the ${status} response's ${name} header`).not.toBeNull();
        const typed = header.schema.type === 'integer' ? Number(value) : value;
        valid(header.schema, typed, `the ${status} response's ${name} header`);
      }
    },
  };
}

beforeAll(async () => {
  checker = await loadChecker(OPENAPI_DOCUMENT as Json);
});

/** A real call to the gateway whose answer must be what the document says for its status. */
async function documented(url: string, call: RestCall, status: number): Promise<HttpAnswer> {
  const answer = await callRest(url, call);
  expect(answer.status, JSON.stringify(call).slice(0, 120)).toBe(status);
  checker.check(answer);
  return answer;
}

describe('GET /openapi.json', () => {
  const world = useWorld();

  it('serves an OpenAPI 3.1 document for the REST path, as JSON', async () => {
    const response = await fetch(`${world().gateway.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json\b/);
    const served = await response.json();
    expect(served).toEqual(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
    const validator = new Validator();
    expect(await validator.validate(served)).toEqual({ valid: true });
    expect(served.openapi).toBe('3.1.0');
    expect(Object.keys(served.paths)).toEqual([SETUP_INTENTS]);
    expect(served.paths[SETUP_INTENTS].post.operationId).toBe('create-stripe-setup-intent');
  });

  it('names a contact whose link works, resolved as OpenAPI 3.1 resolves it (against the server)', async () => {
    const served = await (await fetch(`${world().gateway.url}/openapi.json`)).json();
    expect(served.info.contact).toEqual({ name: 'stripe-setup-gateway', url: expect.any(String) });
    const contact = new URL(served.info.contact.url, new URL(served.servers[0].url, world().gateway.url));
    const page = await fetch(contact, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('documents the statuses the contract lists, each with a JSON:API body in the spec’s Error shape', () => {
    const statuses = Object.keys(checker.operation.responses).sort();
    expect(statuses).toEqual(['200', '400', '401', '403', '404', '405', '413', '415', '422', '429', '500', '503']);
    for (const status of statuses) {
      const response = checker.operation.responses[status];
      expect(Object.keys(response.content), status).toEqual(['application/vnd.api+json']);
      if (status !== '200') expect(JSON.stringify(response.content['application/vnd.api+json'].schema)).toContain('"title":"Error"');
      // Its examples are answers the document itself accepts.
      const examples = Object.values<Json>(response.content['application/vnd.api+json'].examples ?? {});
      expect(examples.length, status).toBeGreaterThan(0);
      for (const example of examples) checker.checkBody(Number(status), 'application/vnd.api+json', example.value);
    }
  });
});

/** A spec file, validated as OpenAPI and with its $refs resolved. */
async function loadSpec(path: string): Promise<Json> {
  const validator = new Validator();
  expect((await validator.validate(path)).valid).toBe(true);
  return validator.resolveRefs() as Json;
}

describe('the document under a linter', () => {
  it('is clean under Redocly’s recommended-strict rules (every warning an error)', async () => {
    // info-contact too, which recommended-strict leaves off: a reader of the document learns where to ask.
    const config = await createConfig({ extends: ['recommended-strict'], rules: { 'info-contact': 'error' } });
    const problems = await lintFromString({ source: JSON.stringify(OPENAPI_DOCUMENT), absoluteRef: '/openapi.json', config });
    expect(problems.map((problem) => `${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`)).toEqual([]);
  });
});

describe('the document and Spree’s spec', () => {
  it.runIf(existsSync(SHARED_SPEC))('the repository’s fixture says what the full spec says about this operation', async () => {
    const [fixture, spec] = await Promise.all([loadSpec(SPEC_FIXTURE), loadSpec(SHARED_SPEC)]);
    expect(fixture.paths[SETUP_INTENTS]).toEqual(spec.paths[SETUP_INTENTS]);
    expect(fixture.components).toEqual(spec.components);
    expect(fixture.info.license).toEqual(spec.info.license);
  });

  it('keeps the spec’s path, operation, tags, 200 schema and example, and Error schema', async () => {
    const spec = await loadSpec(SPEC_FIXTURE);
    const ours = checker.operation;
    const theirs = spec.paths[SETUP_INTENTS].post;
    for (const key of ['operationId', 'tags', 'summary']) expect(ours[key], key).toEqual(theirs[key]);
    expect(ours.description.startsWith(theirs.description.trim()), 'the spec’s description comes first').toBe(true);
    // Every status the spec names is documented.
    for (const status of Object.keys(theirs.responses)) expect(Object.keys(ours.responses)).toContain(status);

    const media = 'application/vnd.api+json';
    const [ourOk, theirOk] = [ours.responses['200'].content[media], theirs.responses['200'].content[media]];
    expect(ourOk.schema.required).toEqual(theirOk.schema.required);
    expect(Object.keys(ourOk.schema.properties)).toEqual(Object.keys(theirOk.schema.properties));
    for (const [name, property] of Object.entries<Json>(theirOk.schema.properties)) {
      expect(ourOk.schema.properties[name].type, name).toBe(property.type);
      expect(ourOk.schema.properties[name].description.trim(), name).toBe(property.description.trim());
    }
    expect(ourOk.examples).toEqual(theirOk.examples);
    expect(ours.responses['200'].description).toBe(theirs.responses['200'].description);
    // The spec's own example is a valid answer by our schema.
    checker.checkBody(200, media, theirOk.examples['Stripe Setup Intent'].value);

    const ourError = OPENAPI_DOCUMENT.components?.schemas?.Error as Json;
    const theirError = spec.components.schemas.Error;
    for (const key of ['title', 'type', 'x-internal']) expect(ourError[key], key).toEqual(theirError[key]);
    expect(ourError.properties).toEqual(theirError.properties);
  });
});

describe('every REST response matches /openapi.json', () => {
  const world = useWorld();

  it('200: guests and a signed-in user, with and without a body, repeated with an Idempotency-Key', async () => {
    const url = world().gateway.url;
    const requestSchema = checker.operation.requestBody.content['application/json'].schema;
    const ajv = new Ajv2020({ strict: true });
    const validRequest = ajv.compile(requestSchema);
    const bodies = [
      { stripe_version: '2024-06-20' },
      { stripe_version: '2026-10-28.endive' },
      {},
    ];
    for (const body of bodies) {
      expect(validRequest(body), JSON.stringify(body)).toBe(true);
      await documented(url, { body }, 200);
      await documented(url, { body, contentType: 'application/json' }, 200);
    }
    // Signed in: the guest budget (10 a minute) is spent above.
    const usageToken = await tokenFor({ sub: 'user_usage' });
    for (const body of [{ usage: 'off_session' }, { usage: 'on_session', stripe_version: '2024-06-20' }]) {
      expect(validRequest(body), JSON.stringify(body)).toBe(true);
      await documented(url, { body, token: usageToken }, 200);
    }
    expect(world().emulator.setupIntents().at(-1)?.usage).toBe('on_session');
    await documented(url, {}, 200);
    const token = await tokenFor({ sub: 'user_openapi', email: 'o@example.com', name: 'Open Api' });
    const first = await documented(url, { token, headers: { 'idempotency-key': 'order-1' } }, 200);
    const replay = await documented(url, { token, headers: { 'idempotency-key': 'order-1' } }, 200);
    expect(replay.body).toEqual(first.body);
  });

  it('400, 413, 415 and 405: HTTP-level mistakes', async () => {
    const url = world().gateway.url;
    await documented(url, { body: '{"stripe_version": ', contentType: 'application/json' }, 400);
    await documented(url, { body: '[1, 2]', contentType: 'application/vnd.api+json' }, 400);
    await documented(url, { body: '"2024-06-20"', contentType: 'application/json' }, 400);
    await documented(url, { body: { stripe_version: 'x'.repeat(20_000) } }, 413);
    await documented(url, { body: 'stripe_version=2024-06-20', contentType: 'application/x-www-form-urlencoded' }, 415);
    await documented(url, { body: 'stripe_version: 2024-06-20', contentType: 'text/plain' }, 415);
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) await documented(url, { method }, 405);
    expect(callsToStripe(world().emulator)).toHaveLength(0);
  });

  it('401: forged, expired, malformed and non-bearer credentials', async () => {
    const url = world().gateway.url;
    const forged = await tokenFor({ sub: 'user_1' }, 'not-the-gateway-secret-at-all-0123456789');
    const expired = await mintToken({ sub: 'user_1' }, { secret: TEST_JWT_SECRET, expiresIn: '-1m' });
    for (const authorization of [`Bearer ${forged}`, `Bearer ${expired}`, 'Bearer not.a.jwt', 'Basic dXNlcjpwYXNz']) {
      await documented(url, { headers: { authorization } }, 401);
    }
  });

  it('422: invalid stripe_version and Idempotency-Key, and a key reused for another request', async () => {
    const url = world().gateway.url;
    const ajv = new Ajv2020({ strict: true });
    const validRequest = ajv.compile(checker.operation.requestBody.content['application/json'].schema);
    for (const stripe_version of ['yesterday', 20240620, '2024-13-01', '']) {
      // The document's request schema refuses what the gateway refuses.
      expect(validRequest({ stripe_version }), String(stripe_version)).toBe(false);
      const { body } = await documented(url, { body: { stripe_version } }, 422);
      expect(Object.keys(body.errors)).toEqual(['stripe_version']);
    }
    for (const key of ['x'.repeat(256), 'has spaces']) {
      const { body } = await documented(url, { headers: { 'idempotency-key': key } }, 422);
      expect(Object.keys(body.errors)).toEqual(['idempotency_key']);
    }
    for (const usage of ['OFF_SESSION', 'offline', '', 1, ['on_session'], { on: true }]) {
      expect(validRequest({ usage }), JSON.stringify(usage)).toBe(false);
      const { body } = await documented(url, { body: { usage } }, 422);
      expect(body.errors).toEqual({ usage: ['Usage must be off_session or on_session'] });
    }
    const all = await documented(url, { body: { stripe_version: 'latest', usage: 'never' }, headers: { 'idempotency-key': ' ' } }, 422);
    expect(Object.keys(all.body.errors).sort()).toEqual(['idempotency_key', 'stripe_version', 'usage']);

    const token = await tokenFor({ sub: 'user_keys' });
    await documented(url, { token, headers: { 'idempotency-key': 'k-1' }, body: { stripe_version: '2024-06-20' } }, 200);
    const reused = await documented(url, { token, headers: { 'idempotency-key': 'k-1' }, body: { stripe_version: '2025-03-31.basil' } }, 422);
    expect(Object.keys(reused.body.errors)).toEqual(['idempotency_key']);
    const otherUsage = await documented(url, { token, headers: { 'idempotency-key': 'k-1' }, body: { stripe_version: '2024-06-20', usage: 'on_session' } }, 422);
    expect(Object.keys(otherUsage.body.errors)).toEqual(['idempotency_key']);
  });

  it('422: Stripe refusals and failures, with and without Stripe’s details', async () => {
    const url = world().gateway.url;
    const emulator = world().emulator;
    emulator.injectFault(CARD_DECLINED_ONCE);
    const declined = await documented(url, {}, 422);
    expect(declined.body).toMatchObject({ code: 'card_declined', decline_code: 'generic_decline', retryable: false });

    emulator.injectFault(SETUP_INTENT_REFUSED_ONCE);
    const refused = await documented(url, {}, 422);
    expect(refused.body).not.toHaveProperty('decline_code');

    emulator.injectFault({ kind: 'error', status: 401, type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_****abcd' });
    await documented(url, {}, 422);
  });

  it('500: anything unexpected, masked', async () => {
    await world().gateway.app.services.store.close();
    const { body } = await documented(world().gateway.url, { token: await tokenFor({ sub: 'user_1' }) }, 500);
    expect(body).toEqual({ error: 'Internal server error.' });
  });
});

describe('every REST response matches /openapi.json, past the request deadline', () => {
  const world = useWorld({ STRIPE_TIMEOUT_MS: '5000', REQUEST_DEADLINE_MS: '300' });

  it('422: a Stripe that never answers, with none of Stripe’s details', async () => {
    world().emulator.injectFault({ kind: 'hang', match: { method: 'POST' } });
    const { body } = await documented(world().gateway.url, {}, 422);
    expect(body).toEqual({ error: expect.any(String), retryable: true });
  });
});

describe('every REST response matches /openapi.json, with ALLOW_GUESTS=false', () => {
  const world = useWorld({ ALLOW_GUESTS: 'false' });

  it('404: an X-Store-Id naming no store (contract 11)', async () => {
    await documented(world().gateway.url, { token: await tokenFor({ sub: 'user_1' }), headers: { 'x-store-id': 'eu2' } }, 404);
    expect(callsToStripe(world().emulator)).toHaveLength(0);
  });

  it('403: no token', async () => {
    await documented(world().gateway.url, {}, 403);
    await documented(world().gateway.url, { token: await tokenFor({ sub: 'user_1' }) }, 200);
  });
});

describe('every REST response matches /openapi.json, past the guest rate limit', () => {
  const world = useWorld({ GUEST_RATE_LIMIT_PER_MINUTE: '1' });

  it('429: with Retry-After', async () => {
    await documented(world().gateway.url, {}, 200);
    const { headers } = await documented(world().gateway.url, {}, 429);
    expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

describe('every REST response matches /openapi.json, with the identity provider down', () => {
  const world = useWorld({ AUTH_SPREE_URL: 'http://127.0.0.1:9/unreachable-store' });

  it('503: an opaque token nobody can vouch for, with Retry-After', async () => {
    const { headers } = await documented(world().gateway.url, { token: 'a-spree-oauth-access-token' }, 503);
    expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

describe('the REST responses above', () => {
  it('covered every status the document declares', () => {
    expect([...statusesSeen].sort()).toEqual(Object.keys(checker.operation.responses).sort());
  });
});
