/**
 * How a subscription read from Stripe changes an organization's billing row. Webhook payloads are
 * only a trigger: the state written is always the subscription as `subscriptions.retrieve` returned
 * it, so a late or replayed event cannot bring back an older status. What remains to order is reads
 * racing each other (two events processed at once) and events about another subscription of the
 * same customer; `decide` settles both.
 */
import type { BillingConfig } from '../../config.ts';
import type { BillingAccountsTable } from '../../storage/schema.ts';
import { isLiveSubscription, planById, planOrDefault, trialEndFor } from './billing.plans.ts';
import type { SubscriptionSnapshot } from './stripe.gateway.ts';

export type Decision =
  | { apply: true; next: BillingAccountsTable }
  /** `stale`: a later read was already applied; `other_subscription`: about a subscription that is not the current one. */
  | { apply: false; reason: 'stale' | 'other_subscription' };

const isoOf = (unix: number | null) => (unix === null ? null : new Date(unix * 1000).toISOString());

/** The plan a subscription pays for: by its price, else the plan named in its metadata, else unchanged. */
export function planOfSnapshot(billing: BillingConfig, s: SubscriptionSnapshot, current: string | undefined) {
  const byPrice = billing.plans.find((p) => p.priceId !== null && p.priceId === s.priceId);
  return byPrice?.id ?? planById(billing, s.metadata.plan)?.id ?? planOrDefault(billing, current).id;
}

/**
 * Decides whether `snap`, read from Stripe at `readAt`, replaces the organization's current state:
 * - a read older than the one already applied never overwrites it (`synced_at` only moves forward);
 * - while the current subscription is live, an event about another subscription of the customer that
 *   has ended, or that was created earlier, is ignored (a late `deleted` of an old subscription does
 *   not cancel the new one); otherwise the other subscription becomes the current one.
 */
export function decide(
  billing: BillingConfig,
  ctx: { organizationId: string; organizationCreatedAt: string; now: string },
  current: BillingAccountsTable | undefined,
  snap: SubscriptionSnapshot,
  readAt: string,
): Decision {
  const same = current?.stripe_subscription_id === snap.id;
  if (current?.stripe_subscription_id && !same && isLiveSubscription(current.status)) {
    if (!isLiveSubscription(snap.status)) return { apply: false, reason: 'other_subscription' };
    if (current.subscription_created_at && (isoOf(snap.created) as string) < current.subscription_created_at)
      return { apply: false, reason: 'other_subscription' };
  }
  if (same && current?.synced_at && readAt < current.synced_at) return { apply: false, reason: 'stale' };
  return {
    apply: true,
    next: {
      organization_id: ctx.organizationId,
      plan: planOfSnapshot(billing, snap, current?.plan),
      status: snap.status,
      stripe_customer_id: snap.customerId,
      stripe_subscription_id: snap.id,
      subscription_created_at: isoOf(snap.created),
      price_id: snap.priceId,
      trial_ends_at:
        isoOf(snap.trialEnd) ?? current?.trial_ends_at ?? trialEndFor(billing, ctx.organizationCreatedAt),
      current_period_end: isoOf(snap.currentPeriodEnd),
      cancel_at_period_end: snap.cancelAtPeriodEnd ? 1 : 0,
      synced_at: readAt,
      created_at: current?.created_at ?? ctx.now,
      updated_at: ctx.now,
    },
  };
}

/** What an audit entry shows of a billing row. */
export const summaryOf = (a: BillingAccountsTable | undefined) =>
  a
    ? {
        plan: a.plan,
        status: a.status,
        subscriptionId: a.stripe_subscription_id,
        trialEndsAt: a.trial_ends_at,
        currentPeriodEnd: a.current_period_end,
        cancelAtPeriodEnd: a.cancel_at_period_end === 1,
      }
    : null;
