/**
 * For billing tests: an API with billing on, its Stripe SDK pointed at the local Stripe fake (through
 * OMNIFY_STRIPE_API_BASE_URL), sharing the app's manual clock; webhook deliveries signed with the
 * real algorithm; and `subscribe`, which goes through Checkout and delivers what Stripe would send.
 */
import type { LightMyRequestResponse } from 'fastify';
import { type StripeFake, startStripeFake } from '../../../test/fakes/stripe/fake.ts';
import type { StripeEvent } from '../../../test/fakes/stripe/objects.ts';
import { as, createTestApp, type Signed, type TestApp } from '../../../test/helpers/app.ts';

export const WEBHOOK_SECRET = 'whsec_omnify_local_test_secret';
export const PRICES = {
  starter: 'price_starter_monthly',
  professional: 'price_professional_monthly',
  enterprise: 'price_enterprise_monthly',
};

/** Small limits so boundaries are quick to reach. */
export const SMALL_PLANS = JSON.stringify({
  starter: {
    name: 'Starter',
    limits: { users: 2, clients: 3, adAccounts: 2, agentRunsPerMonth: 3, apiCallsPerMonth: 5 },
  },
  professional: {
    name: 'Professional',
    limits: { users: 5, clients: 5, adAccounts: 10, agentRunsPerMonth: 100, apiCallsPerMonth: 1000 },
  },
  enterprise: {
    name: 'Enterprise',
    limits: { users: null, clients: null, adAccounts: null, agentRunsPerMonth: null, apiCallsPerMonth: null },
  },
});

export interface BillingHarness {
  t: TestApp;
  fake: StripeFake;
  deliver(event: unknown, opts?: { secret?: string; timestamp?: number }): Promise<LightMyRequestResponse>;
  deliverAll(events: StripeEvent[]): Promise<void>;
  /** Signs `who` in again (after the clock moved past the access token's life); updates `who` in place. */
  signInAgain(who: Signed): Promise<void>;
  /** Checkout for `plan`, completed at the fake, every resulting event delivered; returns the subscription id. */
  subscribe(who: Signed, plan: string): Promise<string>;
  close(): Promise<void>;
}

export async function startBillingHarness(
  opts: { env?: Record<string, string>; clockStart?: Date } = {},
): Promise<BillingHarness> {
  let now: () => Date = () => new Date();
  const fake = await startStripeFake({
    prices: [
      { id: PRICES.starter, unitAmount: 4_900, currency: 'usd' },
      { id: PRICES.professional, unitAmount: 19_900, currency: 'usd' },
      { id: PRICES.enterprise, unitAmount: 99_900, currency: 'usd' },
    ],
    now: () => now(),
  });
  const t = await createTestApp({
    clockStart: opts.clockStart ?? new Date('2026-11-02T10:00:00Z'),
    env: {
      STRIPE_SECRET_KEY: fake.secretKey,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      OMNIFY_STRIPE_API_BASE_URL: fake.url,
      OMNIFY_STRIPE_PRICE_STARTER: PRICES.starter,
      OMNIFY_STRIPE_PRICE_PROFESSIONAL: PRICES.professional,
      OMNIFY_STRIPE_PRICE_ENTERPRISE: PRICES.enterprise,
      ...opts.env,
    },
  });
  now = () => t.clock.now();

  const deliver: BillingHarness['deliver'] = (event, o = {}) => {
    const { payload, signature } = fake.sign(event, o.secret ?? WEBHOOK_SECRET, o);
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/billing/webhook',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      payload,
    });
  };
  const deliverAll = async (events: StripeEvent[]) => {
    for (const e of events) {
      const res = await deliver(e);
      if (res.statusCode !== 200)
        throw new Error(`delivery of ${e.type} failed: ${res.statusCode} ${res.body}`);
    }
  };
  return {
    t,
    fake,
    deliver,
    deliverAll,
    async signInAgain(who) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: who.email, password: who.password },
        headers: { 'x-organization-id': who.organizationId },
      });
      if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
      who.token = res.json().tokens.accessToken;
      who.headers = { authorization: `Bearer ${who.token}`, 'x-organization-id': who.organizationId };
    },
    async subscribe(who, plan) {
      const res = await t.app.inject(
        as(who, { method: 'POST', url: '/api/v1/billing/checkout', payload: { plan } }),
      );
      if (res.statusCode !== 200) throw new Error(`checkout failed: ${res.statusCode} ${res.body}`);
      const { subscription, events } = fake.completeCheckout(res.json().sessionId);
      await deliverAll(events);
      return subscription.id;
    },
    async close() {
      await t.close();
      await fake.close();
    },
  };
}
