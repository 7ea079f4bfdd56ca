import { Router } from 'express';
import type { OpenAPIV3_1 } from 'openapi-types';
import { JSON_API } from './json-api.js';
import { MAX_BODY_BYTES, SETUP_INTENTS_PATH } from './setup-intents.js';

/** Where the document is served. */
export const OPENAPI_PATH = '/openapi.json';

type Schema = OpenAPIV3_1.SchemaObject;
type Response = OpenAPIV3_1.ResponseObject;

const ref = (kind: 'schemas' | 'responses', name: string) => ({ $ref: `#/components/${kind}/${name}` });

/** An error body: the spec's `Error`, with exactly the fields this status carries. */
function errorResponse(
  description: string,
  schema: string,
  examples: Record<string, unknown>,
  headers?: Response['headers'],
): Response {
  return {
    description,
    ...(headers && { headers }),
    content: {
      [JSON_API]: {
        schema: ref('schemas', schema),
        examples: Object.fromEntries(Object.entries(examples).map(([name, value]) => [name, { value }])),
      },
    },
  };
}

const messages: Schema = { type: 'array', items: { type: 'string' }, minItems: 1 };

/**
 * The REST surface as OpenAPI 3.1: Spree's Storefront API operation `create-stripe-setup-intent`
 * (its path, operation id, tag and schemas, from the spec this gateway implements), plus the
 * statuses, headers and error details the gateway's contract adds. `test/openapi.test.ts` checks
 * real responses of every status against it.
 */
export const OPENAPI_DOCUMENT: OpenAPIV3_1.Document = {
  openapi: '3.1.0',
  info: {
    title: 'Storefront API (stripe-setup-gateway)',
    version: '2.0.0',
    description:
      'The one operation of Spree Commerce’s [Storefront API](https://github.com/spree/spree/blob/main/docs/api-reference/storefront.yaml) ' +
      'that stripe-setup-gateway serves, wire-compatible with Spree so that legacy clients keep working unchanged. ' +
      'The same operation is the GraphQL mutation `createStripeSetupIntent` at `POST /graphql`.',
    // The gateway has no public home: its own front page (a relative URL, resolved against the
    // server as OpenAPI 3.1 says) lists its endpoints and where its documentation lives.
    // The gateway's own front page: it links the docs (the project has no public home to name).
    contact: { name: 'stripe-setup-gateway', url: '/' },
    // The operation, its texts and its example are Spree's, under Spree's license (as in its spec).
    license: { name: 'BSD-3-Clause', url: 'https://github.com/spree/spree/blob/main/LICENSE.md' },
  },
  servers: [{ url: '/', description: 'this gateway' }],
  security: [],
  tags: [
    {
      name: 'Stripe',
      description: 'Saving a shopper’s payment method with Stripe: a customer, an ephemeral key and a SetupIntent.',
    },
  ],
  paths: {
    [SETUP_INTENTS_PATH]: {
      post: {
        tags: ['Stripe'],
        summary: 'Create a Stripe Setup Intent',
        description:
          'First, this endpoint creates a customer in Stripe (if it doesn\'t already exist), then it creates an ' +
          'Ephemeral Key for the customer, and finally, it creates a Setup Intent for the customer.\n\n' +
          'A signed-in user (the bearer JWT’s `sub`) gets one Stripe customer, created on first use and reused ' +
          'afterwards; a guest (no `Authorization`) gets a new customer on every call. No body is needed. ' +
          'Any other method on this path is answered 405.',
        operationId: 'create-stripe-setup-intent',
        security: [{}, { bearerAuth: [] }],
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description:
              'A signed-in client that repeats a call with the same key within 24 hours gets the same answer and no ' +
              'new Stripe objects. The same key with another `stripe_version` is refused (422, ' +
              '`errors.idempotency_key`). Guests’ keys are validated, then ignored.',
            schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' },
          },
          {
            name: 'X-Store-Id',
            in: 'header',
            required: false,
            description:
              'The store the call is for, when the gateway serves several (`STORES_FILE`): its id. Without it the ' +
              'store is the one whose hosts name the request’s host, else the only store. An id that names no ' +
              'store is answered 404, even with one store.',
            schema: { type: 'string', minLength: 1, maxLength: 40 },
          },
        ],
        requestBody: {
          required: false,
          description: `Optional, at most ${MAX_BODY_BYTES / 1024} KiB. Any other content type is answered 415.`,
          content: {
            'application/json': { schema: ref('schemas', 'SetupIntentRequest') },
            [JSON_API]: { schema: ref('schemas', 'SetupIntentRequest') },
          },
        },
        responses: {
          '200': ref('responses', 'StripeSetupIntent'),
          '400': ref('responses', '400BadRequest'),
          '401': ref('responses', '401Unauthorized'),
          '403': ref('responses', '403Forbidden'),
          '404': ref('responses', '404NotFound'),
          '405': ref('responses', '405MethodNotAllowed'),
          '413': ref('responses', '413ContentTooLarge'),
          '415': ref('responses', '415UnsupportedMediaType'),
          '422': ref('responses', '422UnprocessableEntity'),
          '429': ref('responses', '429TooManyRequests'),
          '500': ref('responses', '500InternalServerError'),
          '503': ref('responses', '503ServiceUnavailable'),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'Optional. `sub` is the user id (required); `email` and `name` go onto the Stripe customer. A token that is ' +
          'present but invalid, expired or not verifiable is answered 401, never served as a guest.',
      },
    },
    responses: {
      StripeSetupIntent: {
        description:
          '200 Success - Returns the `customer_id` of the authenticated user, created ephemeral key\'s secret and ' +
          'client secret of the created setup intent.',
        headers: {
          'Cache-Control': {
            description: 'The body carries secrets: no cache may keep it.',
            required: true,
            schema: { type: 'string', enum: ['no-store'] },
          },
        },
        content: {
          [JSON_API]: {
            schema: {
              type: 'object',
              properties: {
                customer_id: {
                  type: 'string',
                  pattern: '^cus_',
                  description: "Stripe's customer ID of the authenticated user (or new one if unauthenticated).",
                },
                ephemeral_key_secret: {
                  type: 'string',
                  pattern: '^ek_',
                  description: 'Secret of the created ephemeral key.',
                },
                setup_intent_client_secret: {
                  type: 'string',
                  pattern: '^seti_\\w+_secret_\\w+$',
                  description: 'Client secret of the created setup intent',
                },
              },
              required: ['customer_id', 'ephemeral_key_secret', 'setup_intent_client_secret'],
              additionalProperties: false,
            },
            examples: {
              'Stripe Setup Intent': {
                value: {
                  customer_id: 'cus_Q9uqUz6gVQFku2',
                  ephemeral_key_secret:
                    'ek_test_YWNjdF8xTGtSb1lJaFIwZ0llZ0llyG1LbFhsVU9XWHY1SlNyMXRKVzNJb0hyQ2JZam1HY28_007lGgvGaA',
                  setup_intent_client_secret: 'seti_1PJb0hIhR0gIegIeZYQQuxpH_secret_Q9uqLuTAvIJQSK1SFS6OaxJMRpe9s7R',
                },
              },
            },
          },
        },
      },
      '400BadRequest': errorResponse('400 Bad Request - the body is not JSON, or not a JSON object.', 'ErrorMessage', {
        'Malformed JSON': { error: 'The request body is not valid JSON.' },
        'Not an object': { error: 'The request body must be a JSON object.' },
      }),
      '401Unauthorized': errorResponse(
        '401 Unauthorized - a bearer token is present but invalid, expired or not verifiable. Nothing was created.',
        'ErrorMessage',
        { 'Bad token': { error: 'The bearer token could not be verified.' } },
        {
          'WWW-Authenticate': {
            required: true,
            schema: { type: 'string', pattern: '^Bearer\\b' },
            example: 'Bearer error="invalid_token"',
          },
        },
      ),
      '403Forbidden': errorResponse(
        '403 Forbidden - no bearer token while this gateway does not serve guests (`ALLOW_GUESTS=false`).',
        'ErrorMessage',
        { 'Guests not served': { error: 'Sign in to save a payment method: this gateway does not serve guests.' } },
      ),
      '404NotFound': errorResponse(
        '404 Not Found - no store for this request: `X-Store-Id` names none, or (several stores) the host is none of theirs. Nothing is created.',
        'ErrorMessage',
        {
          'Unknown X-Store-Id': { error: 'No store has the id given in X-Store-Id ("eu2").' },
          'Unknown host': { error: 'No store serves the host "elsewhere.example".' },
        },
      ),
      '405MethodNotAllowed': errorResponse(
        '405 Method Not Allowed - only POST is served on this path.',
        'ErrorMessage',
        { GET: { error: 'GET is not allowed here; use POST.' } },
        { Allow: { required: true, schema: { type: 'string', enum: ['POST'] } } },
      ),
      '413ContentTooLarge': errorResponse(
        `413 Content Too Large - the body is over ${MAX_BODY_BYTES / 1024} KiB.`,
        'ErrorMessage',
        { 'Too large': { error: 'The request body is too large.' } },
      ),
      '415UnsupportedMediaType': errorResponse(
        '415 Unsupported Media Type - a body that is neither `application/json` nor `application/vnd.api+json`.',
        'ErrorMessage',
        { Form: { error: 'Send the body as application/json or application/vnd.api+json.' } },
      ),
      '422UnprocessableEntity': {
        description:
          '422 Unprocessable Entity - invalid input (`errors` keyed by the body field or `idempotency_key`; nothing ' +
          'was created), or Stripe refused or failed the request after the retries Stripe allows (Stripe’s ' +
          'message, `code`, `decline_code` and `request_id` where Stripe gave them, and whether a retry may succeed).',
        content: {
          [JSON_API]: {
            schema: { oneOf: [ref('schemas', 'ValidationError'), ref('schemas', 'StripeError')] },
            examples: {
              'Invalid stripe_version': {
                value: {
                  error: 'Stripe version must be a Stripe API version such as 2026-10-28.endive or 2024-06-20',
                  errors: {
                    stripe_version: ['Stripe version must be a Stripe API version such as 2026-10-28.endive or 2024-06-20'],
                  },
                },
              },
              'Invalid usage': {
                value: {
                  error: 'Usage must be off_session or on_session',
                  errors: { usage: ['Usage must be off_session or on_session'] },
                },
              },
              'Stripe declined': {
                value: {
                  error: 'Your card was declined.',
                  code: 'card_declined',
                  decline_code: 'generic_decline',
                  request_id: 'req_OTB0f5mRk4Pb7D',
                  retryable: false,
                },
              },
            },
          },
        },
      },
      '429TooManyRequests': errorResponse(
        '429 Too Many Requests - a guest’s client address (GUEST_RATE_LIMIT_PER_MINUTE) or a signed-in user (USER_RATE_LIMIT_PER_MINUTE) spent its budget of calls.',
        'ErrorMessage',
        { 'Rate limited': { error: 'Too many calls; try again in 42 s.' } },
        {
          'Retry-After': {
            description: 'Seconds until the budget allows another call.',
            required: true,
            schema: { type: 'integer', minimum: 1 },
          },
        },
      ),
      '503ServiceUnavailable': errorResponse(
        '503 Service Unavailable - the identity provider that must vouch for the bearer token (the JWKS, the Spree ' +
          'store, the introspection endpoint) cannot be reached. No verdict on the token: sign nobody out; retry later.',
        'ErrorMessage',
        {
          'Provider down': {
            error: 'The identity provider cannot be reached to check the bearer token; try again in 5 s.',
          },
        },
        {
          'Retry-After': {
            description: 'Seconds before the gateway asks the identity provider again.',
            required: true,
            schema: { type: 'integer', minimum: 1 },
          },
        },
      ),
      '500InternalServerError': errorResponse(
        '500 Internal Server Error - anything unexpected; the details are only in the server log.',
        'ErrorMessage',
        { Masked: { error: 'Internal server error.' } },
      ),
    },
    schemas: {
      SetupIntentRequest: {
        type: 'object',
        properties: {
          stripe_version: {
            type: 'string',
            description:
              'The client SDK’s Stripe API version, used for the ephemeral key (default: the gateway’s ' +
              '`STRIPE_EPHEMERAL_KEY_VERSION`). A version Stripe never released is answered 422 ' +
              '(a date after the newest the gateway knows is left to Stripe, whose refusal is the same 422).',
            pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])(\\.[a-z][a-z0-9_]*)?$',
            examples: ['2024-06-20', '2026-10-28.endive'],
          },
          usage: {
            type: 'string',
            enum: ['off_session', 'on_session'],
            description:
              'The SetupIntent’s `usage`: `off_session` (the default) when the card will be charged without the ' +
              'shopper present, `on_session` when only during checkout. Anything else is answered 422.',
          },
        },
      },
      // The spec's own `Error`; every error body is one, and the schemas below say exactly which.
      Error: {
        'x-internal': false,
        title: 'Error',
        type: 'object',
        properties: {
          error: { type: 'string' },
        },
        required: ['error'],
      } as Schema,
      ErrorMessage: {
        description: 'An `Error` with its message alone.',
        allOf: [ref('schemas', 'Error'), { type: 'object', properties: { error: { type: 'string' } }, additionalProperties: false }],
      },
      ValidationError: {
        description: 'An `Error` with the messages for each body field at fault.',
        allOf: [
          ref('schemas', 'Error'),
          {
            type: 'object',
            properties: {
              error: { type: 'string' },
              errors: {
                type: 'object',
                properties: { stripe_version: messages, usage: messages, idempotency_key: messages },
                minProperties: 1,
                additionalProperties: false,
              },
            },
            required: ['errors'],
            additionalProperties: false,
          },
        ],
      },
      StripeError: {
        description: 'An `Error` carrying what Stripe said; absent details are omitted.',
        allOf: [
          ref('schemas', 'Error'),
          {
            type: 'object',
            properties: {
              error: { type: 'string', description: 'Stripe’s message (an operator’s credentials problem is not shown).' },
              code: { type: 'string', description: 'Stripe’s error code, e.g. `card_declined`.' },
              decline_code: { type: 'string', description: 'The card issuer’s reason, for declines.' },
              request_id: { type: 'string', pattern: '^req_', description: 'Stripe’s request id, for support.' },
              retryable: { type: 'boolean', description: 'Whether the same call may succeed if retried later.' },
            },
            required: ['retryable'],
            additionalProperties: false,
          },
        ],
      },
    },
  },
};

/** `GET /openapi.json`: the document above, for legacy REST clients and their tools. */
export function openapiRouter(): Router {
  const router = Router();
  router.get(OPENAPI_PATH, (_req, res) => {
    res.json(OPENAPI_DOCUMENT);
  });
  return router;
}
