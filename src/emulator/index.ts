/** Stripe API emulator: sandbox mode for the gateway and the backend of every test. */
export { DEFAULT_EMULATOR_PUBLISHABLE_KEY, DEFAULT_EMULATOR_SECRET_KEY, startStripeEmulator } from './server.js';
export { parsePersistedEmulator, readStateFile, stateFile } from './persistence.js';
export type { EmulatorStateStore, PersistedEmulator } from './persistence.js';
export { stripeSignatureHeader } from './webhooks.js';
export type { WebhookDelivery, WebhookEndpoint, WebhookOptions } from './webhooks.js';
export { seededRandom } from './faults.js';
export type {
  ErrorFault,
  FaultMatch,
  FaultSpec,
  FaultTrigger,
  HangFault,
  LatencyFault,
  RateLimitFault,
  ResetAfterCommitFault,
  ResetFault,
} from './faults.js';
export type { Params, ParamValue } from './form.js';
export type { RecordedRequest } from './request-log.js';
export type { EphemeralKeyObject } from './state.js';
export type {
  EmulatedAccountInfo,
  EmulatedCustomer,
  EmulatedEphemeralKey,
  EmulatedSetupIntent,
  EmulatorAccountOptions,
  StripeEmulator,
  StripeEmulatorOptions,
} from './types.js';
