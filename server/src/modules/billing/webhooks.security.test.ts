/**
 * What the webhook endpoint refuses or ignores: forged, tampered, stale and unsigned deliveries
 * (400, nothing written), events of other types and of unknown customers (200, nothing changed),
 * and Stripe API failures (502 with Stripe's request id).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEvent } from '../../../test/fakes/stripe/objects.ts';
import { as, type Signed, signUp } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';
import { type BillingHarness, startBillingHarness, WEBHOOK_SECRET } from './billing.testing.ts';

describe(`the Stripe webhook endpoint on ${testDialect()}`, () => {
  let h: BillingHarness;
  let owner: Signed;
  let subscriptionId: string;

  const billingRows = async () => ({
    accounts: await h.t.storage.db
      .selectFrom('billing_accounts')
      .selectAll()
      .orderBy('organization_id')
      .execute(),
    events: await h.t.storage.db.selectFrom('billing_events').selectAll().orderBy('id').execute(),
    audit: await h.t.storage.db.selectFrom('audit_log').select('id').orderBy('id').execute(),
  });

  beforeAll(async () => {
    h = await startBillingHarness();
    owner = await signUp(h.t.app, 'webhook-security');
    subscriptionId = await h.subscribe(owner, 'professional');
  });
  afterAll(() => h.close());

  it('refuses a forged signature, a tampered body, a stale timestamp and a missing header with 400, writing nothing', async () => {
    const [event] = h.fake.renew(subscriptionId);
    const before = await billingRows();
    const forged = await h.deliver(event, { secret: 'whsec_not_the_endpoint_secret' });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error).toMatchObject({
      code: 'invalid_input',
      details: { reason: 'invalid_signature' },
    });

    const { signature } = h.fake.sign(event, WEBHOOK_SECRET);
    const tampered = await h.t.app.inject({
      method: 'POST',
      url: '/api/v1/billing/webhook',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      payload: JSON.stringify({ ...(event as StripeEvent), type: 'customer.subscription.deleted' }, null, 2),
    });
    expect(tampered.statusCode).toBe(400);

    const nowSeconds = Math.floor(h.t.clock.now().getTime() / 1000);
    const stale = await h.deliver(event, { timestamp: nowSeconds - 301 });
    expect(stale.statusCode).toBe(400);
    expect(stale.json().error.details.reason).toBe('timestamp_outside_tolerance');

    const unsigned = await h.t.app.inject({
      method: 'POST',
      url: '/api/v1/billing/webhook',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(event),
    });
    expect(unsigned.statusCode).toBe(400);
    expect(await billingRows()).toEqual(before);

    // Within the tolerance it is accepted.
    expect((await h.deliver(event, { timestamp: nowSeconds - 299 })).statusCode).toBe(200);
  });

  it('acknowledges events of other types and of unknown customers without touching any organization', async () => {
    const before = (await billingRows()).accounts;
    const other = await h.deliver({
      id: 'evt_other_type',
      object: 'event',
      type: 'charge.refunded',
      created: 1,
      data: { object: { id: 'ch_1' } },
    });
    expect(other.json()).toEqual({ received: true, duplicate: false, outcome: 'ignored_type' });
    const stranger = await h.deliver({
      id: 'evt_stranger',
      object: 'event',
      type: 'customer.subscription.updated',
      created: 1,
      data: {
        object: {
          id: 'sub_stranger',
          object: 'subscription',
          customer: 'cus_stranger',
          status: 'active',
          metadata: {},
        },
      },
    });
    expect(stranger.json()).toEqual({ received: true, duplicate: false, outcome: 'unknown_customer' });
    // Metadata naming an organization that pays through another customer does not move it either.
    const hijack = await h.deliver({
      id: 'evt_hijack',
      object: 'event',
      type: 'customer.subscription.updated',
      created: 1,
      data: {
        object: {
          id: 'sub_x',
          object: 'subscription',
          customer: 'cus_attacker',
          status: 'active',
          metadata: { org_id: owner.organizationId },
        },
      },
    });
    expect(hijack.json().outcome).toBe('unknown_customer');
    expect((await billingRows()).accounts).toEqual(before);
  });

  it('maps a Stripe API failure to upstream_failed with Stripe’s request id', async () => {
    const org = await signUp(h.t.app, 'stripe-down');
    h.fake.server.failNext(
      {
        status: 500,
        headers: { 'request-id': 'req_fake_500' },
        json: { error: { type: 'api_error', message: 'Something went wrong' } },
      },
      3,
    );
    const res = await h.t.app.inject(
      as(org, { method: 'POST', url: '/api/v1/billing/checkout', payload: { plan: 'starter' } }),
    );
    expect(res.statusCode).toBe(502);
    expect(res.json().error).toMatchObject({
      code: 'upstream_failed',
      details: { stripe: { type: 'api_error', requestId: 'req_fake_500', status: 500 } },
    });
  });
});
