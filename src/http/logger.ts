import { pino, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';

/** Paths to values that must never reach a log line. */
const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.secret',
  '*.client_secret',
  '*.ephemeralKeySecret',
  '*.setupIntentClientSecret',
  '*.ephemeral_key_secret',
  '*.setup_intent_client_secret',
  '*.secretKey',
  '*.apiKey',
];

/** JSON lines to stdout, or to `destination` (tests read what a full scenario logs). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'stripe-setup-gateway' },
    timestamp: stdTimeFunctions.isoTime,
    redact: { paths: REDACTED, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
