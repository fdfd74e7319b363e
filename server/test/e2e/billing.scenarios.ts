/**
 * The Billing tab of Settings in the browser. On the shared demo (self-hosted, no Stripe key) it says
 * billing is off and which limits apply. A second `omnify demo` runs with billing on against the local
 * Stripe fake (test/fakes/stripe), which here also serves a stand-in for Stripe's hosted Checkout page
 * (pay, or go back) and delivers the signed webhooks Stripe would send before sending the browser to
 * the success URL. Covered: the trial with its days left, usage bars against the plan, the plans with
 * their limits; Checkout cancelled and completed (the return notices, the subscription shown); the
 * customer portal; a second tab's Subscribe after the subscription exists (409, portal offered); a
 * downgrade below usage shown over the limit; an admin (billing:read, not billing:manage) sees no
 * buttons and a viewer (no billing:read) no tab. Screenshots at 1280 px and 390 px go to /tmp.
 * Registered by dashboard.e2e.test.ts.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPlans } from '../../src/config.ts';
import { PRICES, WEBHOOK_SECRET } from '../../src/modules/billing/billing.testing.ts';
import { type StripeFake, startStripeFake } from '../fakes/stripe/fake.ts';
import type { StripeEvent } from '../fakes/stripe/objects.ts';
import {
  apiCall as apiAs,
  type E2eServer,
  fitsWidth,
  loginToken,
  signedInPage,
  startE2eServer,
} from './harness.ts';

const SOLO_PRICE = 'price_solo_monthly';
/** The default plans plus a small one to downgrade to (below the demo's usage). Key order is display order. */
const PLANS_JSON = JSON.stringify({
  solo: {
    name: 'Solo',
    limits: { users: 1, clients: 2, adAccounts: 2, agentRunsPerMonth: 100, apiCallsPerMonth: 1000 },
  },
  ...Object.fromEntries(defaultPlans.map((p) => [p.id, { name: p.name, limits: p.limits }])),
});

interface Usage {
  status: string;
  plan: { id: string; name: string } | null;
  usage: Record<string, { used: number; allowed: number | null; overLimit: boolean }>;
}

/** Invites `email` with `role` and registers them with the invitation. */
async function addMember(base: string, ownerToken: string, email: string, role: string, password: string) {
  const inv = await apiAs<{ token: string }>(base, ownerToken, 'POST', '/api/v1/invitations', {
    email,
    role,
  });
  const res = await fetch(`${base}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, name: `E2e ${role}`, invitationToken: inv.token }),
  });
  if (!res.ok) throw new Error(`register ${email}: ${res.status} ${await res.text()}`);
}

async function billingTab(page: Page, base: string) {
  await page.goto(`${base}/settings`);
  await page
    .getByRole('navigation', { name: 'Settings sections' })
    .getByRole('link', { name: 'Billing' })
    .click();
  await page.getByRole('heading', { name: 'Usage' }).waitFor();
}

export function billingScenarios(env: () => { server: E2eServer; context: BrowserContext }) {
  describe('billing tab', () => {
    it('self-hosted: says billing is off, shows unlimited limits and usage, offers no plans or payment', async () => {
      const { server, context } = env();
      const token = await loginToken(server.url);
      const u = await apiAs<Usage>(server.url, token, 'GET', '/api/v1/billing/usage');
      expect(u.status).toBe('self_hosted');
      const page = await signedInPage(context, server.url);
      await page.setViewportSize({ width: 1280, height: 860 });
      await billingTab(page, server.url);
      expect(new URL(page.url()).pathname).toBe('/settings/billing');
      await page.getByRole('heading', { name: 'Billing is off' }).waitFor();
      const off = page.getByTestId('billing-off');
      await expect(off.textContent()).resolves.toContain('everything is unlimited');
      await expect(off.textContent()).resolves.toContain('OMNIFY_LIMIT_CLIENTS');
      await expect(page.getByTestId('usage-clients').textContent()).resolves.toContain(
        `${u.usage.clients?.used} · unlimited`,
      );
      // Unlimited is no bar to fill.
      expect(await page.getByRole('progressbar').count()).toBe(0);
      expect(await page.getByRole('heading', { name: 'Plans' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /Subscribe|Choose|Manage payment/ }).count()).toBe(0);
      await page.screenshot({ path: '/tmp/billing-off.png', fullPage: true });
      await page.close();
    }, 120_000);

    describe('with Stripe billing on (the Stripe fake)', () => {
      let fake: StripeFake;
      let billed: E2eServer;
      let ownerToken: string;

      const deliver = async (events: StripeEvent[]) => {
        for (const e of events) {
          const { payload, signature } = fake.sign(e, WEBHOOK_SECRET);
          const res = await fetch(`${billed.url}/api/v1/billing/webhook`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'stripe-signature': signature },
            body: payload,
          });
          if (res.status !== 200) throw new Error(`webhook ${e.type}: ${res.status} ${await res.text()}`);
        }
      };
      const usage = () => apiAs<Usage>(billed.url, ownerToken, 'GET', '/api/v1/billing/usage');

      beforeAll(async () => {
        fake = await startStripeFake({
          prices: [
            { id: SOLO_PRICE, unitAmount: 1_900, currency: 'usd' },
            { id: PRICES.starter, unitAmount: 4_900, currency: 'usd' },
            { id: PRICES.professional, unitAmount: 19_900, currency: 'usd' },
            { id: PRICES.enterprise, unitAmount: 99_900, currency: 'usd' },
          ],
        });
        const html = { 'content-type': 'text/html' };
        // Stripe's hosted Checkout page, reduced to its two ways out: pay (Stripe completes the
        // session, sends its webhooks, then the browser to success_url) or go back (cancel_url).
        fake.server.route(
          'GET',
          '/c/pay/:id',
          (req) => {
            const s = fake.sessions.get(req.params.id ?? '');
            if (!s) return { status: 404, text: 'no such session' };
            return {
              headers: html,
              text: `<!doctype html><title>Checkout</title><h1>Pay Omnify</h1><a href="/c/pay/${s.id}/complete">Pay</a> <a href="${s.cancel_url}">Back</a>`,
            };
          },
          { counted: false },
        );
        fake.server.route(
          'GET',
          '/c/pay/:id/complete',
          async (req) => {
            const s = fake.sessions.get(req.params.id ?? '');
            if (!s) return { status: 404, text: 'no such session' };
            await deliver(fake.completeCheckout(s.id).events);
            return { status: 303, headers: { location: s.success_url } };
          },
          { counted: false },
        );
        // The customer portal, where the portal button lands.
        fake.server.route(
          'GET',
          '/p/session/:id',
          () => ({ headers: html, text: '<!doctype html><title>Billing portal</title><h1>Your plan</h1>' }),
          { counted: false },
        );
        billed = await startE2eServer({
          env: {
            STRIPE_SECRET_KEY: fake.secretKey,
            STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
            OMNIFY_STRIPE_API_BASE_URL: fake.url,
            OMNIFY_PLANS_JSON: PLANS_JSON,
            OMNIFY_STRIPE_PRICE_SOLO: SOLO_PRICE,
            OMNIFY_STRIPE_PRICE_STARTER: PRICES.starter,
            OMNIFY_STRIPE_PRICE_PROFESSIONAL: PRICES.professional,
            OMNIFY_STRIPE_PRICE_ENTERPRISE: PRICES.enterprise,
          },
        });
        ownerToken = await loginToken(billed.url);
        // While the trial's Starter plan has room (3 users).
        await addMember(billed.url, ownerToken, 'billing-admin@example.com', 'admin', 'admin-password-1');
        await addMember(billed.url, ownerToken, 'billing-viewer@example.com', 'viewer', 'viewer-password-1');
      }, 300_000);

      afterAll(async () => {
        await billed?.stop();
        await fake?.close();
      }, 60_000);

      it('owner: trial and usage bars, Checkout cancelled then completed, the portal, a stale Subscribe (409), a downgrade over the limit', async () => {
        const { context } = env();
        const before = await usage();
        expect(before).toMatchObject({ status: 'trialing', plan: { id: 'starter' } });
        const page = await signedInPage(context, billed.url);
        await page.setViewportSize({ width: 1280, height: 860 });
        await billingTab(page, billed.url);
        const plan = page.getByTestId('billing-plan');
        await expect(plan.textContent()).resolves.toMatch(/Starter.*trialing/);
        await expect(plan.textContent()).resolves.toContain('Free trial of Starter: 14 days left');
        // Usage as used / allowed bars, the numbers the API gives.
        const clients = before.usage.clients;
        const bar = page.getByTestId('usage-clients').getByRole('progressbar');
        await expect(bar.getAttribute('aria-valuenow')).resolves.toBe(String(clients?.used));
        await expect(bar.getAttribute('aria-valuemax')).resolves.toBe('10');
        await expect(page.getByTestId('usage-clients').textContent()).resolves.toContain(
          `${clients?.used} / 10`,
        );
        // The plans with their limits.
        const plans = page.getByRole('list', { name: 'Plans' });
        await expect(plans.getByTestId('plan').count()).resolves.toBe(4);
        await expect(plans.getByRole('listitem', { name: 'Professional' }).textContent()).resolves.toMatch(
          /Clients50/,
        );
        await expect(plans.getByRole('listitem', { name: 'Enterprise' }).textContent()).resolves.toMatch(
          /UsersUnlimited/,
        );
        // Nothing to manage in a portal before there is a billing account.
        expect(await page.getByRole('button', { name: 'Manage payment and plan' }).count()).toBe(0);

        // A second tab, opened now, will still offer Subscribe once the first has subscribed.
        const stale = await context.newPage();
        await stale.setViewportSize({ width: 1280, height: 860 });
        await stale.goto(`${billed.url}/settings/billing`);
        await stale.getByRole('button', { name: 'Subscribe to Enterprise' }).waitFor();

        // Subscribe → Stripe's Checkout page (the URL the server got from Stripe) → Back.
        await page.getByRole('button', { name: 'Subscribe to Professional' }).click();
        await page.waitForURL(`${fake.url}/c/pay/**`);
        const session = [...fake.sessions.values()].find((s) => page.url() === s.url);
        expect(session?._lineItems[0]?.price).toBe(PRICES.professional);
        expect(session?.success_url).toBe(`${billed.url}/settings/billing?checkout=success`);
        await page.getByRole('link', { name: 'Back' }).click();
        await page.waitForURL(`${billed.url}/settings/billing?checkout=canceled`);
        await page.getByText('Checkout cancelled').waitFor();
        await expect(plan.textContent()).resolves.toContain('Free trial of Starter');

        // Subscribe again and pay: back with the success notice and the subscription shown.
        await page.getByRole('button', { name: 'Subscribe to Professional' }).click();
        await page.waitForURL(`${fake.url}/c/pay/**`);
        await page.getByRole('link', { name: 'Pay' }).click();
        await page.waitForURL(`${billed.url}/settings/billing?checkout=success`);
        await page.getByText('Subscription updated. It may take a moment to show').waitFor();
        await plan.getByText('Subscribed to Professional').waitFor();
        await plans.getByRole('listitem', { name: 'Professional' }).getByText('Current plan').waitFor();
        expect(await page.getByRole('button', { name: /^Subscribe to/ }).count()).toBe(0);
        await expect(
          page.getByTestId('usage-clients').getByRole('progressbar').getAttribute('aria-valuemax'),
        ).resolves.toBe('50');

        // The portal: the button sends the browser to the portal session Stripe made.
        await page.getByRole('button', { name: 'Manage payment and plan' }).click();
        await page.waitForURL(`${fake.url}/p/session/**`);
        await page.getByRole('heading', { name: 'Your plan' }).waitFor();
        const portalCall = fake.server.log.filter((r) => r.path === '/v1/billing_portal/sessions').at(-1);
        expect((portalCall?.body as Record<string, string> | undefined)?.return_url).toBe(
          `${billed.url}/settings/billing`,
        );

        // The stale tab's Subscribe: already subscribed (409), so it offers the portal instead.
        await stale.getByRole('button', { name: 'Subscribe to Enterprise' }).click();
        await stale.getByText('already has a subscription').waitFor();
        await stale.getByRole('button', { name: 'Open the billing portal' }).click();
        await stale.waitForURL(`${fake.url}/p/session/**`);
        await stale.close();

        // A downgrade in the portal to a plan below usage: nothing removed, shown over the limit.
        const sub = [...fake.subscriptions.values()].at(-1);
        await deliver(fake.changePrice(sub?.id as string, SOLO_PRICE));
        const after = await usage();
        expect(after.plan?.id).toBe('solo');
        expect(after.usage.clients?.overLimit).toBe(true);
        await page.goto(`${billed.url}/settings/billing`);
        const over = page.getByTestId('usage-clients');
        await over.getByText(`Over the plan by ${(after.usage.clients?.used ?? 0) - 2}`).waitFor();
        await expect(over.getAttribute('data-over-limit')).resolves.toBe('true');
        await expect(over.textContent()).resolves.toContain(`${after.usage.clients?.used} / 2`);
        await page.screenshot({ path: '/tmp/billing.png', fullPage: true });
        await page.setViewportSize({ width: 390, height: 844 });
        await page.reload();
        await page.getByTestId('usage-clients').waitFor();
        expect(await fitsWidth(page)).toBe(true);
        // The tab bar scrolls sideways on a phone; the open tab (the last, Billing) is brought into view.
        const tab = page
          .getByRole('navigation', { name: 'Settings sections' })
          .getByRole('link', { name: 'Billing' });
        await expect
          .poll(async () => {
            const box = await tab.boundingBox();
            return !!box && box.x >= 0 && box.x + box.width <= 390;
          })
          .toBe(true);
        await page.screenshot({ path: '/tmp/billing-390.png', fullPage: true });
        await page.close();
      }, 240_000);

      it('an admin sees the plan and usage but no buttons; a viewer has no Billing tab', async () => {
        const { context } = env();
        const admin = await signedInPage(context, billed.url, {
          email: 'billing-admin@example.com',
          password: 'admin-password-1',
        });
        await billingTab(admin, billed.url);
        await admin.getByText('Only the organization owner can subscribe or change the plan').waitFor();
        await admin.getByRole('list', { name: 'Plans' }).getByTestId('plan').first().waitFor();
        expect(
          await admin.getByRole('button', { name: /Subscribe|Choose|Manage payment|portal/ }).count(),
        ).toBe(0);
        await admin.close();

        const viewer = await signedInPage(context, billed.url, {
          email: 'billing-viewer@example.com',
          password: 'viewer-password-1',
        });
        await viewer.goto(`${billed.url}/settings/billing`);
        const tabs = viewer.getByRole('navigation', { name: 'Settings sections' });
        await tabs.getByRole('link', { name: 'Security' }).waitFor();
        expect(await tabs.getByRole('link', { name: 'Billing' }).count()).toBe(0);
        expect(await viewer.getByRole('heading', { name: 'Usage' }).count()).toBe(0);
        await viewer.close();
      }, 120_000);
    });
  });
}
