import type Stripe from 'stripe';
import type { RequestContext } from '../context.js';
import { invalidRequest, missingParameter } from '../errors.js';
import type { Params } from '../form.js';
import { randomAlphanumeric, unixSeconds } from '../ids.js';
import { assertKnownParams, readBoolean, readEnum, readHash, readList, readString } from '../params.js';
import { requireActiveCustomer } from './customers.js';

const REDISPLAY = ['always', 'limited', 'unspecified'] as const;
const SWITCH = ['disabled', 'enabled'] as const;
type Switch = (typeof SWITCH)[number];

/** Components that only take `enabled`. */
const PLAIN_COMPONENTS = ['active_entitlements', 'buy_button', 'customer_portal', 'pricing_table'] as const;
const ALL_COMPONENTS = [...PLAIN_COMPONENTS, 'customer_sheet', 'mobile_payment_element', 'payment_element'];

function readFilters(features: Params, param: string): string[] | undefined {
  const name = `${param}[payment_method_allow_redisplay_filters]`;
  const filters = readList(features.payment_method_allow_redisplay_filters, name);
  filters?.forEach((filter, index) => readEnum(filter, `${name}[${index}]`, REDISPLAY));
  return filters;
}

function readSwitch(features: Params, name: string, param: string): Switch | undefined {
  return readEnum(features[name], `${param}[${name}]`, SWITCH);
}

/** `components[x]`: `enabled` (required) and, for the payment components, `features`. */
function readComponent(components: Params, name: string): { enabled: boolean; features: Params | undefined } | undefined {
  const param = `components[${name}]`;
  const hash = readHash(components[name], param);
  if (hash === undefined) return undefined;
  const withFeatures = !(PLAIN_COMPONENTS as readonly string[]).includes(name);
  assertKnownParams(hash, withFeatures ? ['enabled', 'features'] : ['enabled'], param);
  const enabled = readBoolean(hash.enabled, `${param}[enabled]`);
  if (enabled === undefined) throw missingParameter(`${param}[enabled]`);
  return { enabled, features: withFeatures ? readHash(hash.features, `${param}[features]`) : undefined };
}

function paymentElement(component: ReturnType<typeof readComponent>): Stripe.CustomerSession.Components.PaymentElement {
  if (!component?.enabled) return { enabled: false, features: null };
  const param = 'components[payment_element][features]';
  const f = component.features ?? {};
  assertKnownParams(
    f,
    [
      'payment_method_allow_redisplay_filters',
      'payment_method_redisplay',
      'payment_method_redisplay_limit',
      'payment_method_remove',
      'payment_method_save',
      'payment_method_save_usage',
    ],
    param,
  );
  const limitText = readString(f.payment_method_redisplay_limit, `${param}[payment_method_redisplay_limit]`);
  const limit = limitText === undefined ? 3 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10) {
    throw invalidRequest('This value must be between 1 and 10.', `${param}[payment_method_redisplay_limit]`);
  }
  return {
    enabled: true,
    features: {
      payment_method_allow_redisplay_filters: readFilters(f, param) ?? ['always'],
      payment_method_redisplay: readSwitch(f, 'payment_method_redisplay', param) ?? 'disabled',
      payment_method_redisplay_limit: limit,
      payment_method_remove: readSwitch(f, 'payment_method_remove', param) ?? 'disabled',
      payment_method_save: readSwitch(f, 'payment_method_save', param) ?? 'disabled',
      payment_method_save_usage:
        readEnum(f.payment_method_save_usage, `${param}[payment_method_save_usage]`, ['off_session', 'on_session']) ?? null,
    },
  };
}

function mobilePaymentElement(component: ReturnType<typeof readComponent>): Stripe.CustomerSession.Components.MobilePaymentElement {
  if (!component?.enabled) return { enabled: false, features: null };
  const param = 'components[mobile_payment_element][features]';
  const f = component.features ?? {};
  assertKnownParams(
    f,
    [
      'payment_method_allow_redisplay_filters',
      'payment_method_redisplay',
      'payment_method_remove',
      'payment_method_save',
      'payment_method_save_allow_redisplay_override',
    ],
    param,
  );
  return {
    enabled: true,
    features: {
      payment_method_allow_redisplay_filters: readFilters(f, param) ?? ['always'],
      payment_method_redisplay: readSwitch(f, 'payment_method_redisplay', param) ?? 'disabled',
      payment_method_remove: readSwitch(f, 'payment_method_remove', param) ?? 'disabled',
      payment_method_save: readSwitch(f, 'payment_method_save', param) ?? 'disabled',
      payment_method_save_allow_redisplay_override:
        readEnum(
          f.payment_method_save_allow_redisplay_override,
          `${param}[payment_method_save_allow_redisplay_override]`,
          REDISPLAY,
        ) ?? null,
    },
  };
}

function customerSheet(component: ReturnType<typeof readComponent>): Stripe.CustomerSession.Components.CustomerSheet {
  if (!component?.enabled) return { enabled: false, features: null };
  const param = 'components[customer_sheet][features]';
  const f = component.features ?? {};
  assertKnownParams(f, ['payment_method_allow_redisplay_filters', 'payment_method_remove'], param);
  return {
    enabled: true,
    features: {
      payment_method_allow_redisplay_filters: readFilters(f, param) ?? ['always'],
      payment_method_remove: readSwitch(f, 'payment_method_remove', param) ?? 'disabled',
    },
  };
}

export function createCustomerSession(ctx: RequestContext): Stripe.CustomerSession {
  const p = ctx.params;
  assertKnownParams(p, ['components', 'customer', 'expand']);
  readList(p.expand, 'expand');
  const customerId = readString(p.customer, 'customer');
  if (customerId === undefined) throw missingParameter('customer');
  const components = readHash(p.components, 'components');
  if (components === undefined) throw missingParameter('components');
  assertKnownParams(components, ALL_COMPONENTS, 'components');
  const read = Object.fromEntries(ALL_COMPONENTS.map((name) => [name, readComponent(components, name)]));
  if (!Object.values(read).some((component) => component?.enabled)) {
    throw invalidRequest('At least one component must be enabled.', 'components');
  }
  requireActiveCustomer(ctx, customerId, 'customer', 400);

  const created = unixSeconds();
  const session: Stripe.CustomerSession = {
    object: 'customer_session',
    client_secret: `cuss_secret_${randomAlphanumeric(48)}`,
    components: {
      active_entitlements: { enabled: read.active_entitlements?.enabled ?? false },
      buy_button: { enabled: read.buy_button?.enabled ?? false },
      customer_portal: { enabled: read.customer_portal?.enabled ?? false },
      customer_sheet: customerSheet(read.customer_sheet),
      mobile_payment_element: mobilePaymentElement(read.mobile_payment_element),
      payment_element: paymentElement(read.payment_element),
      pricing_table: { enabled: read.pricing_table?.enabled ?? false },
    },
    created,
    customer: customerId,
    customer_account: null,
    expires_at: created + ctx.state.customerSessionTtlSeconds,
    livemode: ctx.livemode,
  };
  ctx.state.customerSessions.set(session.client_secret, session);
  return session;
}
