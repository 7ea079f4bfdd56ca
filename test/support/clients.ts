import { mintToken, type TokenClaims } from '../../src/auth/dev-token.js';
import { TEST_JWT_SECRET } from './gateway.js';

export const SETUP_INTENTS = '/api/v2/storefront/stripe/setup_intents';

export const tokenFor = (claims: TokenClaims, secret = TEST_JWT_SECRET) => mintToken(claims, { secret });

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: any;
}

async function answer(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the test sees the text
  }
  return { status: response.status, headers: response.headers, body };
}

export interface RestCall {
  token?: string;
  body?: string | object;
  contentType?: string;
  headers?: Record<string, string>;
  method?: string;
}

export async function callRest(baseUrl: string, call: RestCall = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  let body: string | undefined;
  if (call.body !== undefined) {
    body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    headers['content-type'] = call.contentType ?? 'application/vnd.api+json';
  }
  return answer(await fetch(`${baseUrl}${SETUP_INTENTS}`, { method: call.method ?? 'POST', headers, body }));
}

export const SETUP_INTENT_MUTATION = /* GraphQL */ `
  mutation Save($input: CreateStripeSetupIntentInput) {
    createStripeSetupIntent(input: $input) {
      __typename
      ... on StripeSetupIntent { customerId ephemeralKeySecret setupIntentClientSecret }
      ... on Error { message }
      ... on ValidationError { fieldErrors { field messages } }
      ... on StripeError { code declineCode requestId retryable }
    }
  }
`;

export async function callGraphQL(
  baseUrl: string,
  query: string,
  { token, variables, headers }: { token?: string; variables?: object; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  return answer(
    await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(token && { authorization: `Bearer ${token}` }),
        ...headers,
      },
      body: JSON.stringify({ query, variables }),
    }),
  );
}
