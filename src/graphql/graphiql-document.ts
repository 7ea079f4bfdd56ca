/** What GraphiQL opens with: the mutation, every member of its result, and the viewer. */
export const GRAPHIQL_DEFAULT_QUERY = `# Headers (below): {"Authorization": "Bearer <token>"} to save the card for a signed-in user.
mutation SaveCard {
  createStripeSetupIntent(input: {}) {
    __typename
    ... on StripeSetupIntent {
      customerId
      ephemeralKeySecret
      setupIntentClientSecret
    }
    ... on ValidationError {
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
  }
}

query Me {
  viewer {
    signedIn
    userId
    email
    stripeCustomerId
  }
}
`;
