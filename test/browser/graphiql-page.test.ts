import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { isObjectType, isUnionType, Kind, parse, validate, type DocumentNode, type SelectionSetNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphiqlOptions } from '../../src/graphql/graphiql.js';
import { DEV_TOKEN_COMMAND } from '../../src/graphql/graphiql-document.js';
import { schema } from '../../src/schema/index.js';
import { callGraphQL, tokenFor } from '../support/clients.js';
import { useWorld } from '../support/gateway.js';
import { startSandboxGateway, type SandboxGateway } from './sandbox-gateway.js';

/** GraphiQL as a browser asks for it. */
async function graphiqlPage(baseUrl: string) {
  const response = await fetch(`${baseUrl}/graphql`, { headers: { accept: 'text/html' } });
  return { status: response.status, contentType: response.headers.get('content-type'), html: await response.text() };
}

/** Anything in the page that would make the browser fetch from another host. */
const EXTERNAL_RESOURCE = [
  /<script[^>]+src=/i,
  /<link[^>]+href=["']?(https?:)?\/\//i,
  /url\(\s*["']?(https?:)?\/\//i,
  /@import/i,
  /unpkg\.com|cdn\.jsdelivr|fonts\.googleapis|fonts\.gstatic/i,
];

const tabs = graphiqlOptions({ sandbox: false }).defaultTabs ?? [];
const [mutationTab, sessionTab, viewerTab, cardsTab] = tabs;

function inlineFragmentTypes(selectionSet: SelectionSetNode): string[] {
  return selectionSet.selections.flatMap((selection) =>
    selection.kind === Kind.INLINE_FRAGMENT && selection.typeCondition ? [selection.typeCondition.name.value] : [],
  );
}

function operations(document: DocumentNode) {
  return document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
}

describe('the GraphiQL page', () => {
  const world = useWorld();

  it('is self-contained: no script, style or font from another host', async () => {
    const { status, contentType, html } = await graphiqlPage(world().gateway.url);
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/html/);
    for (const pattern of EXTERNAL_RESOURCE) expect(html, String(pattern)).not.toMatch(pattern);
    expect(html).toContain('YogaGraphiQL.renderYogaGraphiQL');
  });

  it('outside sandbox mode says where a bearer token goes, without the development token command', async () => {
    const { html } = await graphiqlPage(world().gateway.url);
    expect(html).toContain('Signed in: put a bearer JWT from your identity');
    expect(html).toContain('\\"Authorization\\": \\"Bearer <token>\\"');
    expect(html).not.toContain('npm run token');
  });

  it('opens with four tabs, each one operation, so ▶ runs it: the mutation first, then the session, viewer and saved cards', () => {
    expect(tabs).toHaveLength(4);
    const documents = tabs.map((tab) => parse(tab.query ?? ''));
    for (const document of documents) {
      expect(validate(schema, document)).toEqual([]);
      expect(operations(document)).toHaveLength(1);
    }
    expect(operations(documents[0]!)[0]).toMatchObject({ operation: 'mutation', name: { value: 'SaveCard' } });
    expect(operations(documents[1]!)[0]).toMatchObject({ operation: 'mutation', name: { value: 'CustomerSession' } });
    expect(operations(documents[2]!)[0]).toMatchObject({ operation: 'query', name: { value: 'Me' } });
    expect(operations(documents[3]!)[0]).toMatchObject({ operation: 'query', name: { value: 'SavedCards' } });
  });

  it('asks for every member of the mutation’s result union, every field of the viewer, and of a saved card', () => {
    const union = schema.getType('CreateStripeSetupIntentResult');
    if (!isUnionType(union)) throw new Error('CreateStripeSetupIntentResult is not a union');
    const [mutation] = operations(parse(mutationTab?.query ?? ''));
    const field = mutation?.selectionSet.selections[0];
    if (field?.kind !== Kind.FIELD || !field.selectionSet) throw new Error('no createStripeSetupIntent selection');
    expect(field.name.value).toBe('createStripeSetupIntent');
    expect(inlineFragmentTypes(field.selectionSet).sort()).toEqual(union.getTypes().map((type) => type.name).sort());

    const sessionUnion = schema.getType('CreateStripeCustomerSessionResult');
    if (!isUnionType(sessionUnion)) throw new Error('CreateStripeCustomerSessionResult is not a union');
    const [session] = operations(parse(sessionTab?.query ?? ''));
    const sessionField = session?.selectionSet.selections[0];
    if (sessionField?.kind !== Kind.FIELD || !sessionField.selectionSet) throw new Error('no createStripeCustomerSession selection');
    expect(sessionField.name.value).toBe('createStripeCustomerSession');
    expect(inlineFragmentTypes(sessionField.selectionSet).sort()).toEqual(sessionUnion.getTypes().map((type) => type.name).sort());

    const viewerType = schema.getType('Viewer');
    if (!isObjectType(viewerType)) throw new Error('Viewer is not an object type');
    const [query] = operations(parse(viewerTab?.query ?? ''));
    const viewer = query?.selectionSet.selections[0];
    if (viewer?.kind !== Kind.FIELD || !viewer.selectionSet) throw new Error('no viewer selection');
    const selected = viewer.selectionSet.selections.flatMap((selection) => (selection.kind === Kind.FIELD ? [selection.name.value] : []));
    // Saved cards have a tab of their own.
    expect(selected.sort()).toEqual(Object.keys(viewerType.getFields()).filter((name) => name !== 'paymentMethods').sort());

    const [cards] = operations(parse(cardsTab?.query ?? ''));
    const cardsViewer = cards?.selectionSet.selections[0];
    if (cardsViewer?.kind !== Kind.FIELD || !cardsViewer.selectionSet) throw new Error('no viewer selection');
    const methods = cardsViewer.selectionSet.selections[0];
    if (methods?.kind !== Kind.FIELD || !methods.selectionSet) throw new Error('no paymentMethods selection');
    expect(methods.name.value).toBe('paymentMethods');
    const fieldsOf = (selectionSet: SelectionSetNode) =>
      selectionSet.selections.flatMap((selection) => (selection.kind === Kind.FIELD ? [selection] : []));
    const methodType = schema.getType('StripePaymentMethod');
    const cardType = schema.getType('StripeCard');
    if (!isObjectType(methodType) || !isObjectType(cardType)) throw new Error('StripePaymentMethod or StripeCard missing');
    expect(fieldsOf(methods.selectionSet).map((f) => f.name.value).sort()).toEqual(Object.keys(methodType.getFields()).sort());
    const card = fieldsOf(methods.selectionSet).find((f) => f.name.value === 'card');
    expect(fieldsOf(card!.selectionSet!).map((f) => f.name.value).sort()).toEqual(Object.keys(cardType.getFields()).sort());
  });

  it('runs as shown against the gateway: the mutation as a guest, the viewer with a token', async () => {
    const saved = await callGraphQL(world().gateway.url, mutationTab?.query ?? '');
    expect(saved.status).toBe(200);
    expect(saved.body.data.createStripeSetupIntent).toEqual({
      __typename: 'StripeSetupIntent',
      customerId: expect.stringMatching(/^cus_/),
      ephemeralKeySecret: expect.stringMatching(/^ek_test_/),
      ephemeralKeyExpiresAt: expect.stringMatching(/Z$/),
      setupIntentClientSecret: expect.stringMatching(/^seti_\w+_secret_\w+$/),
      publishableKey: null,
    });
    const session = await callGraphQL(world().gateway.url, sessionTab?.query ?? '');
    expect(session.body.data.createStripeCustomerSession).toMatchObject({
      __typename: 'StripeCustomerSession',
      customerSessionClientSecret: expect.stringMatching(/^cuss_/),
    });
    const me = await callGraphQL(world().gateway.url, viewerTab?.query ?? '', { token: await tokenFor({ sub: 'user_3' }) });
    expect(me.body.data.viewer).toMatchObject({ signedIn: true, userId: 'user_3' });
    const cards = await callGraphQL(world().gateway.url, cardsTab?.query ?? '', { token: await tokenFor({ sub: 'user_3' }) });
    expect(cards.body).toEqual({ data: { viewer: { paymentMethods: [] } } });
  });
});

/** One raw load, as a browser asks for it, with nothing decoded: status, headers and the bytes. */
function rawLoad(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    const req = httpRequest(`${url}/graphql`, { headers: { accept: 'text/html', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the GraphiQL page over the wire', () => {
  const world = useWorld();

  it('is sent compressed (brotli or gzip), with an ETag a reload revalidates to 304', { timeout: 60_000 }, async () => {
    const url = world().gateway.url;
    const plain = await rawLoad(url, {});
    const br = await rawLoad(url, { 'accept-encoding': 'gzip, deflate, br' });
    const gzip = await rawLoad(url, { 'accept-encoding': 'gzip' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(br.headers['content-encoding']).toBe('br');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);
    expect(br.body.length).toBeLessThan(plain.body.length / 3);
    expect(br.headers.vary).toMatch(/Accept-Encoding/);

    const etag = String(br.headers.etag);
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(gzip.headers.etag).toBe(etag);
    const again = await rawLoad(url, { 'accept-encoding': 'br', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect((await rawLoad(url, { 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('50 concurrent loads share one compressed page: memory stays flat and /health answers meanwhile', { timeout: 60_000 }, async () => {
    const url = world().gateway.url;
    await rawLoad(url, { 'accept-encoding': 'br' }); // rendered and compressed once, here
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      const loads = Promise.all(Array.from({ length: 50 }, () => rawLoad(url, { 'accept-encoding': 'br' })));
      const started = Date.now();
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const healthMs = Date.now() - started;
      const answers = await loads;
      expect(answers.every((answer) => answer.status === 200)).toBe(true);
      expect(healthMs).toBeLessThan(2_000);
    } finally {
      clearInterval(sampler);
    }
    // Before: each load built its own 9 MB page and copies of it (RSS 548 MB for 50 loads).
    expect((peak - before) / 2 ** 20).toBeLessThan(150);
  });
});

describe('the GraphiQL page in sandbox mode', () => {
  let gateway: SandboxGateway;
  beforeAll(async () => {
    gateway = await startSandboxGateway();
  });
  afterAll(() => gateway?.close());

  it('opens signed in: every tab, new ones too, carries a development token that works; headers persist', async () => {
    const { html } = await graphiqlPage(gateway.url);
    const token = /\\"Authorization\\": \\"Bearer ([\w.-]+)\\"/.exec(html)?.[1];
    expect(token).toBeDefined();
    const options = JSON.stringify(graphiqlOptions({ sandbox: true, token }));
    expect(html).toContain(options.slice(1, -1)); // the page carries exactly these options
    const parsed = graphiqlOptions({ sandbox: true, token });
    expect(parsed.shouldPersistHeaders).toBe(true);
    expect(parsed.defaultHeaders).toContain(`"Authorization": "Bearer ${token}"`);
    for (const tab of parsed.defaultTabs ?? []) expect(tab.headers).toBe(parsed.defaultHeaders);
    // The hint says where the token is, and how to mint another user's.
    expect(html).toContain('Headers (below) holds a development');
    expect(html).toContain(`#   ${DEV_TOKEN_COMMAND}`);

    const me = await callGraphQL(gateway.url, viewerTab?.query ?? '', { token });
    expect(me.body.data.viewer).toMatchObject({ signedIn: true, userId: 'user_1', email: 'a@example.com' });
    // Valid for a year from the gateway's start, not an hour.
    const { exp } = JSON.parse(Buffer.from(token!.split('.')[1]!, 'base64url').toString()) as { exp: number };
    expect(exp * 1000 - Date.now()).toBeGreaterThan(300 * 24 * 3600 * 1000);
  });
});
