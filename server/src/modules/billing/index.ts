/**
 * Billing: plans and their limits, the free trial, Stripe Checkout and customer portal, subscriptions
 * kept in step by webhooks, and the limits other modules enforce through `limits`. Without a Stripe
 * key (self-hosted) billing is off and the limits come from OMNIFY_LIMIT_* or are unlimited.
 */
import type { Config } from '../../config.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Storage } from '../../storage/db.ts';
import type { Audit } from '../audit/audit.service.ts';
import { createApiCallMeter } from './api-calls.meter.ts';
import { createBillingService } from './billing.service.ts';
import { createLimits } from './limits.service.ts';
import { createStripeGateway, type StripeGateway } from './stripe.gateway.ts';
import { createBillingWebhooks } from './webhooks.service.ts';

export { type ApiCallMeter, installApiCallMetering } from './api-calls.meter.ts';
export { type Entitlement, type LimitName, planLimitError } from './billing.plans.ts';
export { billingRoutes } from './billing.routes.ts';
export type { BillingService } from './billing.service.ts';
export type { AdAccountAdmission, Limits } from './limits.service.ts';
export type { StripeGateway } from './stripe.gateway.ts';

interface Deps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  config: Pick<Config, 'billing'>;
  logger?: Logger;
  /** Replaces the Stripe SDK gateway (never needed by tests, which point the SDK at a fake). */
  gateway?: StripeGateway | null;
}

export function createBillingModule({ storage, audit, clock, config, logger, gateway: given }: Deps) {
  const billing = config.billing;
  const gateway = given !== undefined ? given : billing.stripe ? createStripeGateway(billing.stripe) : null;
  const limits = createLimits({ storage, audit, clock, billing });
  const meter = createApiCallMeter({ storage, clock, limits, billing, ...(logger ? { logger } : {}) });
  const service = createBillingService({ storage, audit, clock, billing, limits, meter, gateway });
  const webhooks = createBillingWebhooks({
    storage,
    audit,
    clock,
    billing,
    gateway,
    onChange: meter.invalidate,
    ...(logger ? { logger } : {}),
  });
  /** Writes the API call counts still in memory; call before the storage closes. */
  const close = () => meter.flush();
  return { limits, meter, service, webhooks, close };
}

export type BillingModule = ReturnType<typeof createBillingModule>;
