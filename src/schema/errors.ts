import {
  AuthenticationRequiredError,
  NotFoundError,
  PaymentProviderError,
  RateLimitedError,
  ValidationError,
  type FieldError,
} from '../core/errors.js';
import { builder } from './builder.js';

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'Every expected failure: query `... on Error { message }` to handle them all at once.',
  fields: (t) => ({ message: t.exposeString('message') }),
});

const FieldErrorRef = builder.objectRef<FieldError>('FieldError').implement({
  description: 'The messages for one input field (the REST `errors` map, as a list).',
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The input field: `stripeVersion` or `idempotencyKey`.' }),
    messages: t.exposeStringList('messages'),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input was refused; nothing was created.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ fieldErrors: t.field({ type: [FieldErrorRef], resolve: (error) => error.fieldErrors }) }),
});

builder.objectType(PaymentProviderError, {
  name: 'StripeError',
  description: 'Stripe refused or failed the request, after the retries Stripe allows.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    code: t.string({ nullable: true, resolve: (error) => error.details.code }),
    declineCode: t.string({ nullable: true, resolve: (error) => error.details.declineCode }),
    requestId: t.string({
      nullable: true,
      description: 'Stripe’s request id, for support.',
      resolve: (error) => error.details.requestId,
    }),
    retryable: t.boolean({
      description: 'Whether the same call may succeed if retried later.',
      resolve: (error) => error.details.retryable,
    }),
  }),
});

builder.objectType(AuthenticationRequiredError, {
  name: 'AuthenticationRequiredError',
  description: 'The call needs a bearer token: this gateway does not serve guests.',
  interfaces: [ErrorInterface],
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description:
    'Too many calls from this client address (guests) or this user (signed in), or the Stripe account’s requests per second are spent; nothing was created.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    retryAfterSeconds: t.int({ description: 'When to try again.', resolve: (error) => error.retryAfterSeconds }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'No such object among the caller’s own; nothing was changed.',
  interfaces: [ErrorInterface],
});

/** The typed errors `createStripeSetupIntent` may answer with. */
export const SETUP_INTENT_ERRORS = [ValidationError, PaymentProviderError, AuthenticationRequiredError, RateLimitedError];
