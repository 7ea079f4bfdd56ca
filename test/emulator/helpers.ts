import { afterEach, beforeEach } from 'vitest';
import Stripe from 'stripe';
import type { StripeErrorBody } from '../../src/emulator/errors.js';
import {
  DEFAULT_EMULATOR_SECRET_KEY,
  startStripeEmulator,
  type StripeEmulator,
  type StripeEmulatorOptions,
} from '../../src/emulator/index.js';

/** The real SDK pointed at the emulator, with the SDK's own retries off. */
export function sdk(emu: StripeEmulator, key = DEFAULT_EMULATOR_SECRET_KEY, config: Stripe.StripeConfig = {}): Stripe {
  return new Stripe(key, {
    host: '127.0.0.1',
    port: emu.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
    ...config,
  });
}

export interface Fixture {
  emu: StripeEmulator;
  stripe: Stripe;
}

/** A fresh emulator (and SDK client) for every test, closed afterwards. */
export function useEmulator(options?: StripeEmulatorOptions): Fixture {
  const fixture = {} as Fixture;
  beforeEach(async () => {
    fixture.emu = await startStripeEmulator(options);
    fixture.stripe = sdk(fixture.emu, options?.secretKeys?.[0]);
  });
  afterEach(() => fixture.emu.close());
  return fixture;
}

export type WireError = StripeErrorBody;

/** Loosely typed JSON answer: tests assert on the shape. */
export type WireBody = { error?: WireError } & Record<string, unknown>;

export interface WireResponse {
  status: number;
  headers: Headers;
  text: string;
  json: WireBody;
}

export interface CallOptions {
  /** Form body, sent verbatim. */
  body?: string;
  headers?: Record<string, string>;
  /** API key sent as Bearer; null sends no Authorization header. */
  key?: string | null;
}

/** Raw HTTP, for what the SDK hides (headers, exact bodies, missing Stripe-Version, auth forms). */
export async function call(emu: StripeEmulator, method: string, path: string, options: CallOptions = {}): Promise<WireResponse> {
  const key = options.key === undefined ? DEFAULT_EMULATOR_SECRET_KEY : options.key;
  const response = await fetch(`${emu.url}${path}`, {
    method,
    headers: {
      ...(key === null ? {} : { Authorization: `Bearer ${key}` }),
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/x-www-form-urlencoded' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: JSON.parse(text) as WireBody };
}

/** Resolves when the emulator has recorded `count` requests (they arrive asynchronously). */
export async function waitForRequests(emu: StripeEmulator, count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (emu.requests().length < count) {
    if (Date.now() > deadline) throw new Error(`emulator saw ${emu.requests().length} requests, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
