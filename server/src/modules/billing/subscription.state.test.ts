/** Which subscription read wins: the ordering rules, without a database or Stripe. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import type { BillingAccountsTable } from '../../storage/schema.ts';
import type { SubscriptionSnapshot } from './stripe.gateway.ts';
import { decide, planOfSnapshot } from './subscription.state.ts';

const billing = loadConfig({
  OMNIFY_DATA_DIR: '/tmp/omnify-state-test',
  OMNIFY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  OMNIFY_JWT_SECRET: 'x'.repeat(40),
  STRIPE_SECRET_KEY: 'sk_test_state',
  STRIPE_WEBHOOK_SECRET: 'whsec_state',
  OMNIFY_STRIPE_PRICE_STARTER: 'price_s',
  OMNIFY_STRIPE_PRICE_PROFESSIONAL: 'price_p',
}).billing;
const ctx = {
  organizationId: 'org_1',
  organizationCreatedAt: '2026-11-01T00:00:00.000Z',
  now: '2026-11-20T00:00:00.000Z',
};
const T = (s: string) => Math.floor(Date.parse(s) / 1000);

const snap = (o: Partial<SubscriptionSnapshot> = {}): SubscriptionSnapshot => ({
  id: 'sub_1',
  customerId: 'cus_1',
  status: 'active',
  priceId: 'price_p',
  created: T('2026-11-05T00:00:00Z'),
  trialEnd: null,
  currentPeriodEnd: T('2026-12-05T00:00:00Z'),
  cancelAtPeriodEnd: false,
  metadata: {},
  ...o,
});

const applied = (s: SubscriptionSnapshot, readAt: string, current?: BillingAccountsTable) => {
  const d = decide(billing, ctx, current, s, readAt);
  if (!d.apply) throw new Error(`not applied: ${d.reason}`);
  return d.next;
};

describe('subscription state ordering', () => {
  it('writes what Stripe returned, with the plan of its price', () => {
    const next = applied(snap(), '2026-11-20T00:00:01.000Z');
    expect(next).toMatchObject({
      plan: 'professional',
      status: 'active',
      stripe_subscription_id: 'sub_1',
      current_period_end: '2026-12-05T00:00:00.000Z',
      synced_at: '2026-11-20T00:00:01.000Z',
    });
  });

  it('a read older than the one applied does not overwrite it (two deliveries processed at once)', () => {
    const newer = applied(snap({ status: 'active' }), '2026-11-20T00:00:05.000Z');
    expect(decide(billing, ctx, newer, snap({ status: 'past_due' }), '2026-11-20T00:00:04.000Z')).toEqual({
      apply: false,
      reason: 'stale',
    });
    expect(decide(billing, ctx, newer, snap({ status: 'past_due' }), '2026-11-20T00:00:06.000Z').apply).toBe(
      true,
    );
  });

  it('while a subscription is live, an ended or older other subscription of the customer is ignored', () => {
    const current = applied(
      snap({ id: 'sub_new', created: T('2026-11-10T00:00:00Z') }),
      '2026-11-20T00:00:01.000Z',
    );
    const endedOld = snap({ id: 'sub_old', status: 'canceled', created: T('2026-10-01T00:00:00Z') });
    expect(decide(billing, ctx, current, endedOld, '2026-11-20T00:00:02.000Z')).toEqual({
      apply: false,
      reason: 'other_subscription',
    });
    const liveOlder = snap({ id: 'sub_older', status: 'active', created: T('2026-11-01T00:00:00Z') });
    expect(decide(billing, ctx, current, liveOlder, '2026-11-20T00:00:02.000Z')).toEqual({
      apply: false,
      reason: 'other_subscription',
    });
  });

  it('after the current subscription ended, a new one of the customer becomes current', () => {
    const ended = applied(snap({ status: 'canceled' }), '2026-11-20T00:00:01.000Z');
    const next = applied(
      snap({ id: 'sub_2', created: T('2026-11-19T00:00:00Z'), priceId: 'price_s' }),
      '2026-11-20T00:00:02.000Z',
      ended,
    );
    expect(next).toMatchObject({ stripe_subscription_id: 'sub_2', plan: 'starter', status: 'active' });
  });

  it('an unknown price keeps the plan named in the metadata, else the current plan', () => {
    expect(
      planOfSnapshot(billing, snap({ priceId: 'price_legacy', metadata: { plan: 'enterprise' } }), 'starter'),
    ).toBe('enterprise');
    expect(planOfSnapshot(billing, snap({ priceId: 'price_legacy', metadata: {} }), 'professional')).toBe(
      'professional',
    );
  });
});
