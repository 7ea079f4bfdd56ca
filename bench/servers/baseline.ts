import { bearerUser, type BearerUser } from './bearer.js';

/** What both baselines share with each other and with the gateway's REST surface. */
export const SETUP_INTENTS_PATH = '/api/v2/storefront/stripe/setup_intents';
export const JSON_API = 'application/vnd.api+json';

export interface BaselineEnv {
  secretKey: string;
  apiBase: URL;
  jwtSecret: string;
  /** `Stripe-Version` for ephemeral keys when the client names none, as the gateway's. */
  ephemeralKeyVersion: string;
}

/** The variables the orchestrator gives every server under test, the gateway's names. */
export function baselineEnv(env: NodeJS.ProcessEnv = process.env): BaselineEnv {
  const need = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  return {
    secretKey: need('STRIPE_SECRET_KEY'),
    apiBase: new URL(need('STRIPE_API_BASE')),
    jwtSecret: need('AUTH_JWT_SECRET'),
    ephemeralKeyVersion: need('STRIPE_EPHEMERAL_KEY_VERSION'),
  };
}

export type Caller = { kind: 'guest' } | { kind: 'user'; user: BearerUser };

/** A refused token, answered 401 as the gateway does; never served as a guest. */
export class RefusedToken extends Error {}

export function callerOf(authorization: string | undefined, env: BaselineEnv): Caller {
  const outcome = bearerUser(authorization, env.jwtSecret);
  if (outcome.kind === 'invalid') throw new RefusedToken('The bearer token could not be verified.');
  return outcome;
}

/** The client's `stripe_version`, from a parsed JSON body. */
export function stripeVersionOf(body: unknown, env: BaselineEnv): string {
  const version = (body as { stripe_version?: unknown } | undefined)?.stripe_version;
  return typeof version === 'string' ? version : env.ephemeralKeyVersion;
}

/** Spree's answer. */
export interface SetupIntentAnswer {
  customer_id: string;
  ephemeral_key_secret: string;
  setup_intent_client_secret: string;
}
