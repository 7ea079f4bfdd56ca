import type { FaultSpec } from '../../src/emulator/index.js';

/** Stripe declines the next ephemeral key, as an issuer decline would read. */
export const CARD_DECLINED_ONCE: FaultSpec = {
  match: { path: '/v1/ephemeral_keys' },
  times: 1,
  kind: 'error',
  status: 402,
  type: 'card_error',
  code: 'card_declined',
  declineCode: 'generic_decline',
  message: 'Your card was declined.',
};

/** Stripe refuses the next SetupIntent with a plain invalid_request_error. */
export const SETUP_INTENT_REFUSED_ONCE: FaultSpec = {
  match: { path: '/v1/setup_intents' },
  times: 1,
  kind: 'error',
  status: 400,
  type: 'invalid_request_error',
  code: 'setup_intent_unexpected_state',
  message: 'This SetupIntent cannot be created right now.',
};
