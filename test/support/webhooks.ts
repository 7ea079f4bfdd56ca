import Stripe from 'stripe';
import { DEFAULT_EMULATOR_SECRET_KEY, type StripeEmulator } from '../../src/emulator/index.js';
import type { HttpAnswer } from './clients.js';

export const WEBHOOK_PATH = '/webhooks/stripe';
export const WEBHOOK_SECRET = 'whsec_gateway_suite_0123456789abcdef';

/** The SDK, for its test signature helper and for confirming SetupIntents as a client would. */
export function stripeFor(emulator: StripeEmulator): Stripe {
  return new Stripe(DEFAULT_EMULATOR_SECRET_KEY, {
    host: '127.0.0.1',
    port: emulator.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
  });
}

/** Stripe's own test signature for `payload`: `t=…,v1=…` under `secret` at `timestamp` (seconds). */
export function signatureFor(payload: string, secret = WEBHOOK_SECRET, timestamp = Math.floor(Date.now() / 1000)): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

/** A Stripe event body, pretty-printed as Stripe sends it. */
export function eventPayload(type: string, object: object, id = `evt_test_${Math.random().toString(36).slice(2)}`): string {
  return JSON.stringify(
    { id, object: 'event', api_version: Stripe.API_VERSION, created: Math.floor(Date.now() / 1000), data: { object }, livemode: false, pending_webhooks: 1, request: null, type },
    null,
    2,
  );
}

export async function postWebhook(baseUrl: string, body: string, signature: string | undefined): Promise<HttpAnswer> {
  const response = await fetch(`${baseUrl}${WEBHOOK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...(signature === undefined ? {} : { 'stripe-signature': signature }) },
    body,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Confirms a SetupIntent (by its client secret) with a test payment method, as PaymentSheet would. */
export async function confirmWithTestCard(emulator: StripeEmulator, clientSecret: string, paymentMethod = 'pm_card_visa'): Promise<Stripe.SetupIntent> {
  const id = clientSecret.split('_secret_')[0]!;
  return stripeFor(emulator).setupIntents.confirm(id, { payment_method: paymentMethod });
}
