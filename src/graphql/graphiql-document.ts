/**
 * What GraphiQL opens with: a tab whose only operation is the mutation (so ▶ runs it at once, with
 * no "which operation?" menu), with a fragment for every member of its result, then one for the
 * customer-session mutation alike, a tab with the viewer query and one with the viewer's saved
 * cards. New tabs start with the mutation.
 */

/** How a developer gets a token the sandbox gateway accepts (`scripts/token.ts`). */
export const DEV_TOKEN_COMMAND = 'npm run token -- --sub user_2 --email b@example.com';

export const GRAPHIQL_MUTATION_OPERATION = 'SaveCard';
export const GRAPHIQL_SESSION_OPERATION = 'CustomerSession';
export const GRAPHIQL_VIEWER_OPERATION = 'Me';
export const GRAPHIQL_PAYMENT_METHODS_OPERATION = 'SavedCards';

// Lines fit the editor's width in GraphiQL's layout on a 1440-pixel screen (56 characters).
const SIGN_IN_HINT: Record<'sandbox' | 'configured', string[]> = {
  sandbox: [
    '# Sandbox mode: Headers (below) holds a development',
    '# token for user_1, so ▶ runs signed in. Delete the',
    '# Authorization line to call as a guest; mint a token',
    '# for another user in a terminal with',
    `#   ${DEV_TOKEN_COMMAND}`,
  ],
  configured: ['# Signed in: put a bearer JWT from your identity', '# provider in Headers (below).'],
};

/** Every typed error the mutations answer with, as the tabs ask for them. */
const ERROR_FRAGMENTS = `    ... on ValidationError {
      message
      fieldErrors { field messages }
    }
    ... on StripeError {
      message
      code
      declineCode
      requestId
      retryable
    }
    ... on AuthenticationRequiredError {
      message
    }
    ... on RateLimitedError {
      message
      retryAfterSeconds
    }`;

export function graphiqlMutationDocument(sandbox: boolean): string {
  return `# Save a card: a Stripe customer, an ephemeral key and
# a SetupIntent for PaymentSheet. Press ▶ to run it.
# A guest (no token) gets a new customer per call.
${SIGN_IN_HINT[sandbox ? 'sandbox' : 'configured'].join('\n')}
# Optional input: stripeVersion ("2024-06-20": your
# client SDK's Stripe API version), idempotencyKey,
# usage (OFF_SESSION, the default, or ON_SESSION).
mutation ${GRAPHIQL_MUTATION_OPERATION} {
  createStripeSetupIntent(input: {}) {
    __typename
    ... on StripeSetupIntent {
      customerId
      ephemeralKeySecret
      ephemeralKeyExpiresAt
      setupIntentClientSecret
      publishableKey
    }
${ERROR_FRAGMENTS}
  }
}
`;
}

export function graphiqlSessionDocument(sandbox: boolean): string {
  return `# Open the customer in a Stripe UI component: a
# CustomerSession (cuss_…) listing every saved card,
# and a SetupIntent to save a new one. component:
# MOBILE_PAYMENT_ELEMENT (PaymentSheet), PAYMENT_ELEMENT
# (web) or CUSTOMER_SHEET. Optional: withSetupIntent,
# usage (OFF_SESSION, ON_SESSION), idempotencyKey.
${SIGN_IN_HINT[sandbox ? 'sandbox' : 'configured'].join('\n')}
mutation ${GRAPHIQL_SESSION_OPERATION} {
  createStripeCustomerSession(input: { component: PAYMENT_ELEMENT }) {
    __typename
    ... on StripeCustomerSession {
      customerId
      customerSessionClientSecret
      expiresAt
      setupIntentClientSecret
      publishableKey
    }
${ERROR_FRAGMENTS}
  }
}
`;
}

export const GRAPHIQL_VIEWER_DOCUMENT = `# Who the gateway takes you for (the Authorization
# header) and your stored Stripe customer, if any.
# Reading it creates nothing.
query ${GRAPHIQL_VIEWER_OPERATION} {
  viewer {
    signedIn
    userId
    email
    name
    stripeCustomerId
  }
}
`;

export const GRAPHIQL_PAYMENT_METHODS_DOCUMENT = `# Your saved payment methods, newest first, read from
# Stripe (signed in; a guest has none). Remove one with
# detachStripePaymentMethod(input: { paymentMethodId }).
query ${GRAPHIQL_PAYMENT_METHODS_OPERATION} {
  viewer {
    paymentMethods {
      id
      type
      createdAt
      card { brand last4 expMonth expYear wallet }
    }
  }
}
`;

/**
 * The headers editor reads JSON with comments. Sandbox mode: the development token is in force,
 * so the first ▶ runs signed in. Elsewhere the token line is a comment, and the document runs as
 * a guest until the developer fills it in.
 */
export function graphiqlDefaultHeaders(sandboxToken: string | undefined): string {
  if (sandboxToken !== undefined) {
    return `{
  // Sandbox mode: signed in as user_1 with a development
  // token. Delete the next line to call as a guest.
  "Authorization": "Bearer ${sandboxToken}"
}
`;
  }
  return `{
  // Signed in: uncomment the Authorization line below and
  // put a JWT from your identity provider in place of <token>.
  // "Authorization": "Bearer <token>"
}
`;
}
