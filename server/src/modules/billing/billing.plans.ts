/**
 * What an organization may use: its plan and subscription state turned into effective limits, and
 * the `plan_limit` error that names the limit, the usage, the plan's allowance and the way up.
 * Pure functions over config and one account row.
 */
import type { BillingConfig, LimitName, PlanConfig, PlanLimits } from '../../config.ts';
import { limitNames } from '../../config.ts';
import { AppError } from '../../platform/errors.ts';
import type { BillingAccountsTable } from '../../storage/schema.ts';

export type { LimitName, PlanConfig, PlanLimits };
export { limitNames };

export const CHECKOUT_URL = '/api/v1/billing/checkout';
export const PORTAL_URL = '/api/v1/billing/portal';

/** Statuses under which the plan's limits apply; under any other, nothing new can be added. */
const entitledStatuses = new Set(['trialing', 'active', 'past_due']);
/** Statuses of a subscription that still exists (a new one would be a second subscription). */
const endedStatuses = new Set(['canceled', 'incomplete_expired']);
export const isLiveSubscription = (status: string) => !endedStatuses.has(status);

export interface Entitlement {
  billingEnabled: boolean;
  /** null without billing (self-hosted). */
  plan: PlanConfig | null;
  /** `self_hosted`, `trialing` (the free trial, or Stripe's), `trial_expired`, or Stripe's subscription status. */
  status: string;
  entitled: boolean;
  /** Effective limits: the plan's while entitled, zero otherwise; null is unlimited. */
  limits: PlanLimits;
  trialEndsAt: string | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  /** A Stripe subscription that still exists: plan changes go through the portal, not a new Checkout. */
  hasLiveSubscription: boolean;
  stripeCustomerId: string | null;
}

const zeroLimits = () => Object.fromEntries(limitNames.map((n) => [n, 0])) as PlanLimits;

export const planById = (billing: BillingConfig, id: string | null | undefined) =>
  billing.plans.find((p) => p.id === id);

/** A plan id no longer in config (a retired plan) is treated as the default plan. */
export const planOrDefault = (billing: BillingConfig, id: string | null | undefined): PlanConfig =>
  planById(billing, id) ?? (planById(billing, billing.defaultPlan) as PlanConfig);

export function trialEndFor(billing: BillingConfig, organizationCreatedAt: string): string {
  return new Date(Date.parse(organizationCreatedAt) + billing.trialDays * 86_400_000).toISOString();
}

/**
 * The organization's entitlement. Before any Stripe subscription the organization is on its free
 * trial of the default plan, counted from its creation; after, Stripe's status decides.
 */
export function entitlementOf(
  billing: BillingConfig,
  now: Date,
  org: { createdAt: string; account: BillingAccountsTable | undefined },
): Entitlement {
  if (!billing.enabled)
    return {
      billingEnabled: false,
      plan: null,
      status: 'self_hosted',
      entitled: true,
      limits: { ...billing.selfHostedLimits },
      trialEndsAt: null,
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
      hasLiveSubscription: false,
      stripeCustomerId: null,
    };
  const a = org.account;
  const plan = planOrDefault(billing, a?.plan);
  let status: string;
  let trialEndsAt: string | null;
  if (!a?.stripe_subscription_id) {
    trialEndsAt = a?.trial_ends_at ?? trialEndFor(billing, org.createdAt);
    status = now.toISOString() < trialEndsAt ? 'trialing' : 'trial_expired';
  } else {
    status = a.status;
    trialEndsAt = a.trial_ends_at;
  }
  const entitled = entitledStatuses.has(status);
  return {
    billingEnabled: true,
    plan,
    status,
    entitled,
    limits: entitled ? { ...plan.limits } : zeroLimits(),
    trialEndsAt,
    currentPeriodEnd: a?.current_period_end ?? null,
    cancelAtPeriodEnd: a?.cancel_at_period_end === 1,
    hasLiveSubscription: Boolean(a?.stripe_subscription_id) && isLiveSubscription(a?.status ?? 'canceled'),
    stripeCustomerId: a?.stripe_customer_id ?? null,
  };
}

export const limitLabels: Record<LimitName, string> = {
  users: 'users',
  clients: 'clients',
  adAccounts: 'connected ad accounts',
  agentRunsPerMonth: 'agent runs this month',
  apiCallsPerMonth: 'API calls this month',
};

/** Plans (in configured order) under which `needed` of `limit` fit, other than the current one while entitled. */
export function upgradePlans(
  billing: BillingConfig,
  e: Entitlement,
  limit: LimitName,
  needed: number,
): string[] {
  return billing.plans
    .filter((p) => !(e.entitled && p.id === e.plan?.id))
    .filter((p) => p.limits[limit] === null || (p.limits[limit] as number) >= needed)
    .map((p) => p.id);
}

/** 402 `plan_limit`: which limit, how much is used, what the plan allows, and how to get more. */
export function planLimitError(
  billing: BillingConfig,
  e: Entitlement,
  limit: LimitName,
  used: number,
  requested = 1,
): AppError {
  const allowed = e.limits[limit] ?? 0;
  const label = limitLabels[limit];
  const upgrade = e.billingEnabled
    ? {
        plans: upgradePlans(billing, e, limit, used + requested),
        ...(e.hasLiveSubscription ? { portalUrl: PORTAL_URL } : { checkoutUrl: CHECKOUT_URL }),
      }
    : null;
  let message: string;
  if (!e.billingEnabled)
    message = `This installation allows ${allowed} ${label} and ${used} are in use (OMNIFY_LIMIT_* settings)`;
  else if (!e.entitled)
    message =
      e.status === 'trial_expired'
        ? `The free trial has ended: subscribe to a plan to add ${label}`
        : `The subscription is ${e.status}: nothing can be added until it is active again`;
  else
    message = `The ${e.plan?.name} plan allows ${allowed} ${label} and ${used} are in use: upgrade to add more`;
  return new AppError('plan_limit', message, {
    limit,
    used,
    allowed,
    plan: e.plan?.id ?? null,
    status: e.status,
    upgrade,
  });
}

/** Calendar month (UTC) that monthly meters count in. */
export const periodOf = (d: Date) => d.toISOString().slice(0, 7);
