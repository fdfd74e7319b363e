/** The organization's billing: plan and status, usage against the limits, Checkout and the portal. */
import type { BillingConfig } from '../../config.ts';
import type { Clock } from '../../platform/clock.ts';
import { sha256Hex } from '../../platform/crypto.ts';
import { AppError, conflict, forbidden } from '../../platform/errors.ts';
import type { Storage } from '../../storage/db.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import type { ApiCallMeter } from './api-calls.meter.ts';
import {
  CHECKOUT_URL,
  type Entitlement,
  limitNames,
  type PlanLimits,
  PORTAL_URL,
  periodOf,
  planById,
} from './billing.plans.ts';
import { accountOf, countOf, meterCount, saveAccount } from './billing.repo.ts';
import type { Limits } from './limits.service.ts';
import type { StripeGateway } from './stripe.gateway.ts';

/** Stripe refuses a Checkout trial that ends sooner than 48 hours out; keep an hour's margin. */
const MIN_CARRIED_TRIAL_MS = 49 * 3_600_000;

interface Deps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  billing: BillingConfig;
  limits: Limits;
  meter: ApiCallMeter;
  gateway: StripeGateway | null;
}

const summaryOf = (e: Entitlement) => ({
  enabled: e.billingEnabled,
  plan: e.plan ? { id: e.plan.id, name: e.plan.name } : null,
  status: e.status,
  entitled: e.entitled,
  trialEndsAt: e.trialEndsAt,
  currentPeriodEnd: e.currentPeriodEnd,
  cancelAtPeriodEnd: e.cancelAtPeriodEnd,
  hasSubscription: e.hasLiveSubscription,
  limits: e.limits,
});

export function createBillingService({ storage, audit, clock, billing, limits, meter, gateway }: Deps) {
  const entitlementOf = (organizationId: string) =>
    storage.withTenant(organizationId, (trx) => limits.entitlement(trx, organizationId));

  const summary = async (ctx: Ctx) => summaryOf(await entitlementOf(ctx.organizationId));

  /** Current usage of every limit; monthly meters count the calendar month (UTC). */
  async function usage(ctx: Ctx) {
    const org = ctx.organizationId;
    const period = periodOf(clock.now());
    const { e, used } = await storage.withTenant(org, async (trx) => ({
      e: await limits.entitlement(trx, org),
      used: {
        users: await countOf(trx, org, 'users'),
        clients: await countOf(trx, org, 'clients'),
        adAccounts: await countOf(trx, org, 'adAccounts'),
        agentRunsPerMonth: await meterCount(trx, org, 'agent_runs', period),
      },
    }));
    const all: PlanLimits = { ...used, apiCallsPerMonth: await meter.used(org) } as PlanLimits;
    return {
      ...summaryOf(e),
      period,
      usage: Object.fromEntries(
        limitNames.map((n) => {
          const u = all[n] as number;
          const allowed = e.limits[n];
          return [
            n,
            {
              used: u,
              allowed,
              remaining: allowed === null ? null : Math.max(0, allowed - u),
              overLimit: allowed !== null && u > allowed,
            },
          ];
        }),
      ) as Record<
        keyof PlanLimits,
        { used: number; allowed: number | null; remaining: number | null; overLimit: boolean }
      >,
    };
  }

  const plans = () => ({
    enabled: billing.enabled,
    defaultPlan: billing.defaultPlan,
    trialDays: billing.trialDays,
    items: billing.plans.map((p) => ({
      id: p.id,
      name: p.name,
      limits: p.limits,
      purchasable: billing.enabled && p.priceId !== null,
    })),
  });

  function requireGateway(): StripeGateway {
    if (!gateway)
      throw new AppError('conflict', 'Billing is not enabled on this installation', {
        reason: 'billing_disabled',
      });
    return gateway;
  }

  /** The organization's Stripe customer, created once (the idempotency key makes a retry return the same one). */
  async function customerFor(ctx: Ctx, g: StripeGateway, e: Entitlement): Promise<string> {
    if (e.stripeCustomerId) return e.stripeCustomerId;
    const who = await storage.withTenant(ctx.organizationId, async (trx) => ({
      org: await trx
        .selectFrom('organizations')
        .select('name')
        .where('id', '=', ctx.organizationId)
        .executeTakeFirstOrThrow(),
      user: ctx.userId
        ? await trx.selectFrom('users').select('email').where('id', '=', ctx.userId).executeTakeFirst()
        : undefined,
    }));
    const customerId = await g.createCustomer(
      { organizationId: ctx.organizationId, name: who.org.name, email: who.user?.email ?? null },
      `omnify:${ctx.organizationId}:customer`,
    );
    await storage.withTenant(ctx.organizationId, async (trx) => {
      const now = clock.now().toISOString();
      const current = await accountOf(trx, ctx.organizationId);
      if (current?.stripe_customer_id) return;
      await saveAccount(trx, {
        organization_id: ctx.organizationId,
        plan: current?.plan ?? (e.plan?.id as string),
        status: current?.status ?? 'none',
        stripe_customer_id: customerId,
        stripe_subscription_id: current?.stripe_subscription_id ?? null,
        subscription_created_at: current?.subscription_created_at ?? null,
        price_id: current?.price_id ?? null,
        trial_ends_at: current?.trial_ends_at ?? e.trialEndsAt,
        current_period_end: current?.current_period_end ?? null,
        cancel_at_period_end: current?.cancel_at_period_end ?? 0,
        synced_at: current?.synced_at ?? null,
        created_at: current?.created_at ?? now,
        updated_at: now,
      });
      await audit.recordFor(trx, ctx, {
        action: 'billing.customer_created',
        target: { type: 'billing_account', id: ctx.organizationId },
        metadata: { customerId },
      });
    });
    return customerId;
  }

  /** A Checkout session subscribing to `plan`; the rest of the free trial carries over. */
  async function checkout(ctx: Ctx, input: { plan: string }) {
    const g = requireGateway();
    if (ctx.actor.type !== 'user') throw forbidden('Subscriptions are started by signed-in users');
    const plan = planById(billing, input.plan);
    if (!plan?.priceId)
      throw conflict(
        `The ${input.plan} plan has no Stripe price configured (OMNIFY_STRIPE_PRICE_${input.plan.toUpperCase()})`,
        {
          reason: 'plan_not_purchasable',
        },
      );
    const e = await entitlementOf(ctx.organizationId);
    if (e.hasLiveSubscription)
      throw conflict('This organization already has a subscription: change plans in the billing portal', {
        reason: 'already_subscribed',
        portalUrl: PORTAL_URL,
      });
    const customerId = await customerFor(ctx, g, e);
    const now = clock.now();
    const trialEndMs = e.status === 'trialing' && e.trialEndsAt ? Date.parse(e.trialEndsAt) : null;
    const trialEnd =
      trialEndMs && trialEndMs - now.getTime() >= MIN_CARRIED_TRIAL_MS ? Math.floor(trialEndMs / 1000) : null;
    const params = {
      customerId,
      organizationId: ctx.organizationId,
      plan: plan.id,
      priceId: plan.priceId,
      successUrl: billing.urls.success,
      cancelUrl: billing.urls.cancel,
      trialEnd,
    };
    // A double click within the same minute gets the same session back instead of a second one;
    // the key covers the parameters, since Stripe refuses a key reused with other parameters.
    const minute = Math.floor(now.getTime() / 60_000);
    const session = await g.createCheckoutSession(
      params,
      `omnify:${ctx.organizationId}:checkout:${sha256Hex(JSON.stringify(params)).slice(0, 24)}:${minute}`,
    );
    await storage.withTenant(ctx.organizationId, (trx) =>
      audit.recordFor(trx, ctx, {
        action: 'billing.checkout_started',
        target: { type: 'billing_account', id: ctx.organizationId },
        input,
        metadata: { plan: plan.id, sessionId: session.id, trialEnd },
      }),
    );
    return { url: session.url, sessionId: session.id };
  }

  /** A Stripe customer portal session: payment methods, invoices, plan changes, cancellation. */
  async function portal(ctx: Ctx) {
    const g = requireGateway();
    if (ctx.actor.type !== 'user') throw forbidden('The billing portal is for signed-in users');
    const e = await entitlementOf(ctx.organizationId);
    if (!e.stripeCustomerId)
      throw conflict('This organization has no billing account yet: subscribe first', {
        reason: 'no_customer',
        checkoutUrl: CHECKOUT_URL,
      });
    const session = await g.createPortalSession({
      customerId: e.stripeCustomerId,
      returnUrl: billing.urls.portalReturn,
    });
    await storage.withTenant(ctx.organizationId, (trx) =>
      audit.recordFor(trx, ctx, {
        action: 'billing.portal_opened',
        target: { type: 'billing_account', id: ctx.organizationId },
        metadata: { sessionId: session.id },
      }),
    );
    return { url: session.url };
  }

  return { summary, usage, plans, checkout, portal };
}

export type BillingService = ReturnType<typeof createBillingService>;
