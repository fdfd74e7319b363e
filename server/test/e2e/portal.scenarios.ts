/**
 * The white-label client portal in Chromium, against the same `omnify demo` process as the dashboard
 * scenarios (one demo seed per run): a client user signs in on the branded page, sees their agency's
 * branding and their own data, and cannot reach another client's campaign by editing the URL (the
 * page shows not-found and the API answered 404). Registered by dashboard.e2e.test.ts.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_PORTAL_PASSWORD } from '../../src/main/demo.ts';
import { DEMO, type E2eServer, shoot, signIn } from './harness.ts';

/** Bright Smile Dental's portal user, as `omnify demo` seeds and prints it. */
const client = {
  name: 'Bright Smile Dental',
  slug: 'bright-smile-dental',
  email: 'portal@brightsmile.example',
  password: DEMO_PORTAL_PASSWORD,
};

async function agencyJson<T>(url: string, path: string): Promise<T> {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(DEMO),
  });
  const token = ((await login.json()) as { tokens: { accessToken: string } }).tokens.accessToken;
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function portalSignIn(page: Page, url: string, who: { slug: string; email: string } = client) {
  await page.goto(`${url}/portal/${who.slug}/login`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(client.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Campaign results' }).waitFor({ timeout: 30_000 });
}

export function portalScenarios(env: () => { server: E2eServer; context: BrowserContext }) {
  describe('client portal in Chromium', () => {
    it('the sign-in page carries the agency branding and refuses a wrong password', async () => {
      const { server, context } = env();
      const page = await context.newPage();
      await page.goto(`${server.url}/portal/${client.slug}/login`);
      await page.getByText('Northwind Digital').first().waitFor({ timeout: 30_000 });
      const logo = page.getByAltText('Northwind Digital logo');
      expect(await logo.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
      const primary = await page.evaluate(() =>
        getComputedStyle(document.querySelector('[style*="--portal-primary"]') as Element).getPropertyValue(
          '--portal-primary',
        ),
      );
      expect(primary.trim()).toBe('#4338ca');
      await page.getByLabel('Email').fill(client.email);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Email or password is incorrect').waitFor({ timeout: 15_000 });
      await page.close();
    }, 120_000);

    it("a client user sees their own campaigns, and another client's campaign by URL is not found (API 404)", async () => {
      const { server, context } = env();
      const page = await context.newPage();
      await portalSignIn(page, server.url);
      await page.getByTestId('portal-kpis').getByText('Ad spend', { exact: true }).waitFor();
      const firstRow = page.getByRole('table').getByRole('row').nth(1);
      await firstRow.waitFor({ timeout: 15_000 });
      const firstCampaign = (await firstRow.locator('td').first().textContent())?.trim();
      await firstRow.click();
      const shown = page.getByTestId('portal-campaign-name');
      await shown.waitFor({ timeout: 15_000 });
      expect((await shown.textContent())?.trim()).toBe(firstCampaign);

      // Another client of the same agency, found with the agency's own API.
      const clients = await agencyJson<{ items: Array<{ id: string; name: string }> }>(
        server.url,
        '/api/v1/clients?limit=50',
      );
      const other = clients.items.find((c) => c.name !== client.name);
      expect(other).toBeDefined();
      const campaigns = await agencyJson<{ items: Array<{ id: string }> }>(
        server.url,
        `/api/v1/campaigns?clientId=${other?.id}&limit=5`,
      );
      const otherCampaign = campaigns.items[0]?.id ?? '';
      expect(otherCampaign).toMatch(/^cmp_/);

      const answered = page.waitForResponse((r) =>
        r.url().includes(`/api/v1/portal/campaigns/${otherCampaign}`),
      );
      await page.goto(`${server.url}/portal/${client.slug}/campaigns/${otherCampaign}`);
      const res = await answered;
      expect(res.status()).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
      await page.getByTestId('portal-not-found').waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('portal-campaign-name').count()).toBe(0);

      // The portal session is worthless on the agency API.
      const token = await page.evaluate(
        () => JSON.parse(localStorage.getItem('omnify.portal.session') ?? '{}').accessToken as string,
      );
      const agency = await fetch(`${server.url}/api/v1/campaigns`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(agency.status).toBe(401);
      await page.close();
    }, 180_000);

    it("the client's 30 days in the portal are the agency's 30 days for that client: same window, same spend", async () => {
      const { server, context } = env();
      const window = (u: string) => {
        const q = new URL(u).searchParams;
        return { from: q.get('from'), to: q.get('to') };
      };
      const portal = await context.newPage();
      const portalAsked = portal.waitForResponse((r) => r.url().includes('/api/v1/portal/overview'));
      await portalSignIn(portal, server.url);
      const portalRes = await portalAsked;
      const portalTotals = ((await portalRes.json()) as { totals: { spendMicros: number } }).totals;
      await portal.close();

      const clients = await agencyJson<{ items: Array<{ id: string; name: string }> }>(
        server.url,
        '/api/v1/clients?limit=50',
      );
      const id = clients.items.find((c) => c.name === client.name)?.id ?? '';
      const agency = await context.newPage();
      await agency.goto(`${server.url}/login`);
      await agency.evaluate(() => localStorage.clear());
      await signIn(agency, server.url);
      // The client page's 30-day tiles: /analytics/metrics for this client, no grouping.
      const agencyAsked = agency.waitForResponse((r) => {
        const u = new URL(r.url());
        return (
          u.pathname === '/api/v1/analytics/metrics' &&
          u.searchParams.get('clientId') === id &&
          !u.searchParams.has('groupBy')
        );
      });
      await agency.goto(`${server.url}/clients/${id}`);
      const agencyRes = await agencyAsked;
      expect(window(agencyRes.url())).toEqual(window(portalRes.url()));
      const agencyTotals = ((await agencyRes.json()) as { totals: { spendMicros: number } }).totals;
      expect(agencyTotals.spendMicros).toBeGreaterThan(0);
      expect(agencyTotals.spendMicros).toBe(portalTotals.spendMicros);
      await agency.close();
    }, 180_000);

    it('the daily chart joins the days with straight lines, no smoothed curve overshooting the values', async () => {
      const { server, context } = env();
      const page = await context.newPage();
      // Count the canvas's curve and line segments: ECharts draws a smoothed line with Bézier curves.
      await page.addInitScript(() => {
        const w = window as unknown as { __segments: { curves: number; lines: number } };
        w.__segments = { curves: 0, lines: 0 };
        for (const proto of [CanvasRenderingContext2D.prototype, Path2D.prototype]) {
          const curve = proto.bezierCurveTo;
          const line = proto.lineTo;
          proto.bezierCurveTo = function (...a: Parameters<typeof curve>) {
            w.__segments.curves += 1;
            return curve.apply(this, a);
          };
          proto.lineTo = function (...a: Parameters<typeof line>) {
            w.__segments.lines += 1;
            return line.apply(this, a);
          };
        }
      });
      await portalSignIn(page, server.url);
      const chart = page.getByRole('img', { name: 'Daily spend and conversion value' });
      await chart.waitFor({ timeout: 30_000 });
      await chart.scrollIntoViewIfNeeded();
      // The line is drawn (a day's segments, after the entry animation), and with no curve.
      const segments = () =>
        page.evaluate(
          () => (window as unknown as { __segments: { curves: number; lines: number } }).__segments,
        );
      await expect.poll(async () => (await segments()).lines, { timeout: 15_000 }).toBeGreaterThan(25);
      await page.waitForTimeout(1500);
      expect((await segments()).curves).toBe(0);
      await shoot(page, 'portal-daily-chart');
      await page.close();
    }, 120_000);

    it('Peak Fitness, billed in GBP, reads its portal in pounds, and its report flags partial months', async () => {
      const { server, context } = env();
      const clients = await agencyJson<{
        items: Array<{ name: string; currency: string; portalSlug: string }>;
      }>(server.url, '/api/v1/clients?limit=50');
      const peak = clients.items.find((c) => c.name.startsWith('Peak Fitness'));
      expect(peak?.currency).toBe('GBP');
      const page = await context.newPage();
      const asked = page.waitForResponse((r) => r.url().includes('/api/v1/portal/overview'));
      await portalSignIn(page, server.url, {
        slug: peak?.portalSlug ?? '',
        email: 'portal@peakfitness.example',
      });
      const overview = (await (await asked).json()) as { currency: string; totals: { spendMicros: number } };
      expect(overview.currency).toBe('GBP');
      await page.getByText('amounts in GBP').first().waitFor();
      await page
        .getByText(/£[0-9,]+/)
        .first()
        .waitFor();
      expect(await page.getByText(/\$[0-9,]+/).count()).toBe(0);

      const report = page.waitForResponse((r) => r.url().includes('/api/v1/portal/reports'));
      await page.goto(`${server.url}/portal/${peak?.portalSlug}/reports`);
      const body = (await (await report).json()) as {
        report: { currency: string; comparable: boolean; coverage: { previous: { partial: boolean } } };
      };
      expect(body.report.currency).toBe('GBP');
      await page.getByTestId('portal-report').waitFor({ timeout: 30_000 });
      await page.getByRole('heading', { name: 'Highlights' }).waitFor();
      // The demo's history starts partway through a month: when the report's months are cut short it
      // says so under the table and shows no percentage.
      if (!body.report.comparable) {
        await page.getByTestId('portal-report-coverage').waitFor();
        expect(
          await page.getByRole('table', { name: 'This month against the previous one' }).textContent(),
        ).not.toMatch(/[+-]\d+\.\d%/);
      }
      await page.close();
    }, 180_000);

    it('the monthly report prints without the navigation', async () => {
      const { server, context } = env();
      const page = await context.newPage();
      await portalSignIn(page, server.url);
      await page.goto(`${server.url}/portal/${client.slug}/reports`);
      await page.getByTestId('portal-report').waitFor({ timeout: 30_000 });
      await page.getByRole('heading', { name: 'Highlights' }).waitFor();
      await page.emulateMedia({ media: 'print' });
      expect(await page.getByRole('navigation', { name: 'Portal' }).isVisible()).toBe(false);
      expect(await page.getByRole('button', { name: 'Print / PDF' }).isVisible()).toBe(false);
      await page.close();
    }, 120_000);
  });
}
