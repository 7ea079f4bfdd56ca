import type { ErrorFault } from './faults.js';

/**
 * Failures a frontend developer can ask the sandbox for by name (POST /_sandbox/faults), each as
 * Stripe answers it. The SDK does not retry them (Stripe-Should-Retry: false), so one fault is
 * one failed call of the gateway.
 */
export const NAMED_FAULTS = {
  card_declined: {
    status: 402,
    type: 'card_error',
    code: 'card_declined',
    declineCode: 'generic_decline',
    message: 'Your card was declined.',
  },
  processing_error: {
    status: 500,
    type: 'api_error',
    message: 'An error occurred while processing your request. (sandbox fault)',
  },
  rate_limited: {
    status: 429,
    type: 'rate_limit_error',
    code: 'rate_limit',
    message: 'Too many requests hit the API too quickly. (sandbox fault)',
  },
  invalid_request: {
    status: 400,
    type: 'invalid_request_error',
    code: 'parameter_invalid_empty',
    message: 'The request was refused. (sandbox fault)',
  },
} satisfies Record<string, Omit<ErrorFault, 'kind'>>;

export type FaultName = keyof typeof NAMED_FAULTS;

/** The Stripe requests a named fault can hit. */
export const FAULT_OPERATIONS = {
  setup_intents: '/v1/setup_intents',
  ephemeral_keys: '/v1/ephemeral_keys',
  customers: '/v1/customers',
  customer_sessions: '/v1/customer_sessions',
} as const;

export type FaultOperation = keyof typeof FAULT_OPERATIONS;

export function namedFault(name: FaultName, operation: FaultOperation, times: number): ErrorFault {
  return {
    kind: 'error',
    ...NAMED_FAULTS[name],
    shouldRetry: false,
    times,
    match: { method: 'POST', path: FAULT_OPERATIONS[operation] },
  };
}
