import { pino, stdTimeFunctions, type Logger } from 'pino';

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

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'stripe-setup-gateway' },
    timestamp: stdTimeFunctions.isoTime,
    redact: { paths: REDACTED, censor: '[redacted]' },
  });
}
