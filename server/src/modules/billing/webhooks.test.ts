/**
 * Subscriptions kept in step with Stripe, end to end: the real `stripe` package calls the local
 * Stripe fake over HTTP, and webhooks arrive signed with Stripe's algorithm. Subscribe, renew, a
 * failed payment and its recovery, unpaid, cancellation, replays, out-of-order deliveries, forged
 * and stale signatures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEvent } from '../../../test/fakes/stripe/objects.ts';
import { as, type Signed, signUp, uniqueEmail } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';
import { type BillingHarness, PRICES, startBillingHarness } from './billing.testing.ts';

const DAY = 86_400_000;

describe(`Stripe subscriptions through webhooks on ${testDialect()}`, () => {
  let h: BillingHarness;
  let owner: Signed;
  let subscriptionId: string;

  const billing = async (who: Signed) =>
    (await h.t.app.inject(as(who, { method: 'GET', url: '/api/v1/billing' }))).json();
  const addClient = (who: Signed) =>
    h.t.app.inject(
      as(who, {
        method: 'POST',
        url: '/api/v1/clients',
        payload: { name: 'Client', email: uniqueEmail('client') },
      }),
    );
  const auditActions = async (who: Signed) =>
    (await h.t.services.audit.list(who.organizationId, { limit: 200 })).items.map((e) => e.action);
  const billingRows = async () => ({
    accounts: await h.t.storage.db
      .selectFrom('billing_accounts')
      .selectAll()
      .orderBy('organization_id')
      .execute(),
    events: await h.t.storage.db.selectFrom('billing_events').selectAll().orderBy('id').execute(),
    audit: await h.t.storage.db.selectFrom('audit_log').select('id').orderBy('id').execute(),
  });
  const find = (events: StripeEvent[], type: string) => events.find((e) => e.type === type) as StripeEvent;

  beforeAll(async () => {
    h = await startBillingHarness();
    owner = await signUp(h.t.app, 'subscriber');
  });
  afterAll(() => h.close());

  it('a new organization is on a 14-day trial of the default plan before any subscription', async () => {
    const b = await billing(owner);
    expect(b).toMatchObject({
      enabled: true,
      plan: { id: 'starter' },
      status: 'trialing',
      entitled: true,
      hasSubscription: false,
    });
    expect(Date.parse(b.trialEndsAt) - h.t.clock.now().getTime()).toBe(14 * DAY);
  });

  it('subscribes through Checkout: the URL comes from Stripe, the trial carries over, webhooks record the subscription', async () => {
    const res = await h.t.app.inject(
      as(owner, { method: 'POST', url: '/api/v1/billing/checkout', payload: { plan: 'professional' } }),
    );
    expect(res.statusCode, res.body).toBe(200);
    const { url, sessionId } = res.json();
    expect(url).toBe(`${h.fake.url}/c/pay/${sessionId}`);
    const session = h.fake.sessions.get(sessionId);
    expect(session).toMatchObject({ mode: 'subscription', client_reference_id: owner.organizationId });
    expect(session?._lineItems).toEqual([{ price: PRICES.professional, quantity: 1 }]);
    const customer = h.fake.customers.get(session?.customer as string);
    expect(customer?.metadata).toEqual({ org_id: owner.organizationId });
    expect(customer?.email).toBe(owner.email);
    // The free trial's remaining days carry over to the subscription.
    expect(session?._subscriptionData.trial_end).toBe(
      Math.floor((h.t.clock.now().getTime() + 14 * DAY) / 1000),
    );

    const { subscription, events } = h.fake.completeCheckout(sessionId);
    subscriptionId = subscription.id;
    await h.deliverAll(events);
    expect(await billing(owner)).toMatchObject({
      plan: { id: 'professional', name: 'Professional' },
      status: 'trialing',
      hasSubscription: true,
      currentPeriodEnd: new Date(
        (subscription.items.data[0]?.current_period_end as number) * 1000,
      ).toISOString(),
    });
    expect(await auditActions(owner)).toEqual(
      expect.arrayContaining([
        'billing.customer_created',
        'billing.checkout_started',
        'billing.subscription_created',
        'billing.invoice_paid',
        'billing.checkout_completed',
      ]),
    );
  });

  it('a double click on Checkout gets the same session back (idempotency key), and a subscribed organization is sent to the portal', async () => {
    const other = await signUp(h.t.app, 'double-click');
    const first = await h.t.app.inject(
      as(other, { method: 'POST', url: '/api/v1/billing/checkout', payload: { plan: 'starter' } }),
    );
    const replaysBefore = h.fake.idempotentReplays();
    const second = await h.t.app.inject(
      as(other, { method: 'POST', url: '/api/v1/billing/checkout', payload: { plan: 'starter' } }),
    );
    expect(second.json().sessionId).toBe(first.json().sessionId);
    expect(h.fake.idempotentReplays()).toBeGreaterThan(replaysBefore);
    expect(
      [...h.fake.customers.values()].filter((c) => c.metadata.org_id === other.organizationId),
    ).toHaveLength(1);

    const again = await h.t.app.inject(
      as(owner, { method: 'POST', url: '/api/v1/billing/checkout', payload: { plan: 'enterprise' } }),
    );
    expect(again.statusCode).toBe(409);
    expect(again.json().error.details).toMatchObject({
      reason: 'already_subscribed',
      portalUrl: '/api/v1/billing/portal',
    });
  });

  it('opens the customer portal for the organization’s customer', async () => {
    const res = await h.t.app.inject(as(owner, { method: 'POST', url: '/api/v1/billing/portal' }));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().url).toMatch(new RegExp(`^${h.fake.url}/p/session/bps_`));
    const fresh = await signUp(h.t.app, 'no-customer');
    const none = await h.t.app.inject(as(fresh, { method: 'POST', url: '/api/v1/billing/portal' }));
    expect(none.statusCode).toBe(409);
    expect(none.json().error.details.checkoutUrl).toBe('/api/v1/billing/checkout');
  });

  it('renews: the trial converts to active and the period moves on', async () => {
    const before = await billing(owner);
    await h.deliverAll(h.fake.renew(subscriptionId));
    const after = await billing(owner);
    expect(after.status).toBe('active');
    expect(Date.parse(after.currentPeriodEnd) - Date.parse(before.currentPeriodEnd)).toBe(30 * DAY);
  });

  it('a failed payment makes it past_due (limits still apply), unpaid blocks additions, recovery restores', async () => {
    await h.deliverAll(h.fake.failPayment(subscriptionId));
    expect((await billing(owner)).status).toBe('past_due');
    expect((await addClient(owner)).statusCode).toBe(201);

    await h.deliverAll(h.fake.markUnpaid(subscriptionId));
    expect(await billing(owner)).toMatchObject({ status: 'unpaid', entitled: false });
    const refused = await addClient(owner);
    expect(refused.statusCode).toBe(402);
    expect(refused.json().error).toMatchObject({
      code: 'plan_limit',
      details: {
        limit: 'clients',
        used: 1,
        allowed: 0,
        status: 'unpaid',
        upgrade: { portalUrl: '/api/v1/billing/portal' },
      },
    });

    await h.deliverAll(h.fake.recover(subscriptionId));
    expect(await billing(owner)).toMatchObject({ status: 'active', entitled: true });
    expect((await addClient(owner)).statusCode).toBe(201);
    expect(await auditActions(owner)).toEqual(
      expect.arrayContaining(['billing.payment_failed', 'billing.subscription_updated']),
    );
  });

  it('a replayed event is acknowledged and changes nothing', async () => {
    const events = h.fake.renew(subscriptionId);
    await h.deliverAll(events);
    const before = await billingRows();
    for (const e of events) {
      const res = await h.deliver(e);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ received: true, duplicate: true, outcome: 'duplicate' });
    }
    expect(await billingRows()).toEqual(before);
  });

  it('two deliveries of one event at the same moment apply it once', async () => {
    const [paid, updated] = h.fake.renew(subscriptionId);
    const auditBefore = (await billingRows()).audit.length;
    const results = (await Promise.all([h.deliver(updated), h.deliver(updated), h.deliver(paid)])).map((r) =>
      r.json(),
    );
    expect(results.map((r) => r.duplicate).sort()).toEqual([false, false, true]);
    expect((await billingRows()).audit.length).toBe(auditBefore + 2);
  });

  it('out-of-order events never bring back an older state', async () => {
    const org = await signUp(h.t.app, 'out-of-order');
    const res = await h.t.app.inject(
      as(org, { method: 'POST', url: '/api/v1/billing/checkout', payload: { plan: 'starter' } }),
    );
    const { subscription, events } = h.fake.completeCheckout(res.json().sessionId);
    const created = find(events, 'customer.subscription.created');
    await h.deliverAll(events.filter((e) => e !== created));
    const failed = h.fake.failPayment(subscription.id);
    const recovered = h.fake.recover(subscription.id);
    // The past_due update is older than the active one; Stripe delivers them the other way round.
    expect((find(failed, 'customer.subscription.updated').data.object as { status: string }).status).toBe(
      'past_due',
    );
    await h.deliverAll([...recovered].reverse());
    await h.deliverAll([...failed].reverse());
    expect((await billing(org)).status).toBe('active');

    // After the cancellation, the subscription's `created` event (it says trialing) arrives at last.
    await h.deliverAll(h.fake.cancel(subscription.id));
    expect((created.data.object as { status: string }).status).toBe('trialing');
    expect((await h.deliver(created)).json()).toMatchObject({ duplicate: false });
    expect(await billing(org)).toMatchObject({ status: 'canceled', hasSubscription: false, entitled: false });
    expect((await addClient(org)).statusCode).toBe(402);
    // Canceled: Checkout is open again.
    const again = await h.t.app.inject(
      as(org, { method: 'POST', url: '/api/v1/billing/checkout', payload: { plan: 'starter' } }),
    );
    expect(again.statusCode).toBe(200);
  });

  it('cancel: the subscription ends, additions stop, nothing is deleted', async () => {
    const clientsBefore = (await h.t.app.inject(as(owner, { method: 'GET', url: '/api/v1/clients' }))).json()
      .items.length;
    await h.deliverAll(h.fake.cancel(subscriptionId));
    expect(await billing(owner)).toMatchObject({
      status: 'canceled',
      plan: { id: 'professional' },
      hasSubscription: false,
    });
    const refused = await addClient(owner);
    expect(refused.statusCode).toBe(402);
    expect(refused.json().error.details.upgrade).toEqual({
      plans: ['starter', 'professional', 'enterprise'],
      checkoutUrl: '/api/v1/billing/checkout',
    });
    expect(
      (await h.t.app.inject(as(owner, { method: 'GET', url: '/api/v1/clients' }))).json().items,
    ).toHaveLength(clientsBefore);
    expect(await auditActions(owner)).toContain('billing.subscription_deleted');
  });
});
