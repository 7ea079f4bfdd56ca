import type { ErrorFault, FaultTrigger, RateLimitFault, TerminalFault } from './faults.js';

/** The Stripe requests a named fault can hit. */
export const FAULT_OPERATIONS = {
  setup_intents: '/v1/setup_intents',
  ephemeral_keys: '/v1/ephemeral_keys',
  customers: '/v1/customers',
  customer_sessions: '/v1/customer_sessions',
  /** What Stripe.js and the mobile SDKs send with the publishable key: where a card is declined. */
  confirm_setup_intent: /^\/v1\/setup_intents\/[^/]+\/confirm$/,
  attach_payment_method: /^\/v1\/payment_methods\/[^/]+\/attach$/,
} as const;

export type FaultOperation = keyof typeof FAULT_OPERATIONS;

const EVERY_OPERATION = Object.keys(FAULT_OPERATIONS) as FaultOperation[];

interface NamedFault {
  /** What the emulator answers, as Stripe answers it. */
  answer: Omit<ErrorFault, 'kind' | keyof FaultTrigger> | Pick<RateLimitFault, 'kind' | 'reason'>;
  /** The requests Stripe can answer so; the first is the default. */
  operations: readonly FaultOperation[];
}

/**
 * Failures a frontend developer can ask the sandbox for by name (POST /_sandbox/faults), each as
 * Stripe answers it. The SDK does not retry them (Stripe-Should-Retry: false, or a 429 without
 * the header), so one fault is one failed call.
 */
export const NAMED_FAULTS = {
  // Stripe declines a card when it is checked: confirming a SetupIntent or attaching a payment
  // method, never creating a customer, a key, a session or the SetupIntent. A decline is the endpoint's result, saved under its
  // idempotency key like any other.
  card_declined: {
    answer: {
      stage: 'execution',
      status: 402,
      type: 'card_error',
      code: 'card_declined',
      declineCode: 'generic_decline',
      param: 'payment_method',
      message: 'Your card was declined.',
      shouldRetry: false,
    },
    operations: ['confirm_setup_intent', 'attach_payment_method'],
  },
  processing_error: {
    answer: {
      status: 500,
      type: 'api_error',
      message: 'An error occurred while processing your request. (sandbox fault)',
      shouldRetry: false,
    },
    operations: EVERY_OPERATION,
  },
  // Stripe's rate limiter, the emulator's own rate-limit fault: 429, invalid_request_error, code rate_limit.
  rate_limited: {
    answer: { kind: 'rate-limit', reason: 'rate_limit' },
    operations: EVERY_OPERATION,
  },
  invalid_request: {
    answer: {
      status: 400,
      type: 'invalid_request_error',
      code: 'parameter_invalid_empty',
      message: 'The request was refused. (sandbox fault)',
      shouldRetry: false,
    },
    operations: EVERY_OPERATION,
  },
} satisfies Record<string, NamedFault>;

export type FaultName = keyof typeof NAMED_FAULTS;

/** The fault `name` on the next `times` POSTs of `operation`; RangeError where Stripe never answers so. */
export function namedFault(name: FaultName, operation: FaultOperation, times: number): TerminalFault {
  const { answer, operations } = NAMED_FAULTS[name] as NamedFault;
  if (!operations.includes(operation)) throw new RangeError(faultMisaimed(name, operation));
  const trigger = { times, match: { method: 'POST', path: FAULT_OPERATIONS[operation] } };
  return 'kind' in answer ? { ...answer, ...trigger } : { kind: 'error', ...answer, ...trigger };
}

/** Why `name` cannot be aimed at `operation`. */
export function faultMisaimed(name: FaultName, operation: FaultOperation): string {
  return `${name} happens only on ${NAMED_FAULTS[name].operations.join(', ')}; Stripe never answers ${operation} so`;
}
