/**
 * The Predictions page as a reviewer reads it: creative fatigue says "Already fatigued" where the ad
 * already is (no chance of an onset next to a "Fatigued" badge), its headers say what the
 * percentages are, and its "N ads to refresh" counts the ads fatigued now or due within 14 days; a
 * client with nothing synced shows one neutral empty state pointing to Connections (no error boxes),
 * and the page opens on a client with data rather than on the newest one. Registered by
 * dashboard.e2e.test.ts.
 */
import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiClient, type E2eServer, loginToken, shoot, signedInPage } from './harness.ts';

interface FatigueItem {
  adId: string;
  adName: string;
  campaignId: string;
  clientId: string | null;
  class: string;
  p7: number;
  refreshBy: string;
  delivering: boolean;
  fatiguedNow: boolean;
  refreshSoon: boolean;
}
interface FatigueList {
  asOf: string;
  refreshSoon: {
    withinDays: number;
    until: string;
    count: number;
    fatiguedNow: number;
    notDelivering: number;
  };
  items: FatigueItem[];
}

/** A date as the page writes it (web/src/lib/format.ts's `date`: "Dec 11, 2026"). */
const shownDate = (iso: string | null) =>
  iso
    ? new Date(`${iso}T00:00:00Z`).toLocaleDateString('en-US', {
        month: 'short',
        day: 'numeric',
        year: 'numeric',
        timeZone: 'UTC',
      })
    : '—';

export function predictionsScenarios(env: () => { server: E2eServer; context: BrowserContext }) {
  describe('predictions page', () => {
    it('creative fatigue: "Already fatigued" instead of an onset chance, headers that say what the percentages are, and a refresh count that means what it says', async () => {
      const { server, context } = env();
      const call = apiClient(server.url, await loginToken(server.url));
      const all = await call<FatigueList>('GET', '/api/v1/oracle/fatigue');
      // The client with the most ads fatigued now (the demo has some), to read its page.
      const fatiguedBy = new Map<string, number>();
      for (const f of all.items)
        if (f.fatiguedNow && f.clientId) fatiguedBy.set(f.clientId, (fatiguedBy.get(f.clientId) ?? 0) + 1);
      const clientId = [...fatiguedBy].sort((a, b) => b[1] - a[1])[0]?.[0];
      expect(clientId, 'a demo client with a fatigued ad').toBeTruthy();
      const list = await call<FatigueList>('GET', `/api/v1/oracle/fatigue?clientId=${clientId}`);
      const soon = list.items.filter((f) => f.refreshSoon);
      expect(list.refreshSoon.count).toBe(soon.length);
      // Nothing counted is an early warning whose refresh date is beyond the 14 days, or an ad
      // without impressions in the last 7 days (paused or stopped: nothing to refresh).
      expect(soon.every((f) => f.fatiguedNow || f.refreshBy <= list.refreshSoon.until)).toBe(true);
      expect(soon.every((f) => f.delivering)).toBe(true);

      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/predictions?clientId=${clientId}`);
      const table = page.getByRole('table', { name: 'Ads at fatigue risk' });
      await table.locator('tbody tr').first().waitFor({ timeout: 120_000 });
      const summary = page.getByTestId('fatigue-summary');
      const text = (await summary.textContent()) ?? '';
      expect(text).toContain(
        `${list.refreshSoon.count} ${list.refreshSoon.count === 1 ? 'ad' : 'ads'} to refresh by `,
      );
      expect(text).toContain(`${list.refreshSoon.fatiguedNow} fatigued now`);
      expect(text).toContain(
        `${list.refreshSoon.count - list.refreshSoon.fatiguedNow} with a refresh date within 14 days`,
      );
      const later = list.items.filter((f) => !f.refreshSoon && f.delivering && f.class === 'early_warning');
      if (later.length > 0) expect(text).toContain(`${later.length} more on early warning, due later`);
      if (list.refreshSoon.notDelivering > 0)
        expect(text).toContain(
          `${list.refreshSoon.notDelivering} not delivering in the last 7 days, left out`,
        );
      // The headers say what the percentages are (the chance of an onset; on hover, in full).
      const h7 = table.getByRole('columnheader', { name: /Starts within 7 days/ });
      await h7.waitFor();
      expect(await h7.getAttribute('title')).toMatch(/chance that fatigue sets in within 7 days/);
      await table.getByRole('columnheader', { name: /Within 14 days/ }).waitFor();
      // Each row shown: "Already fatigued" for an ad fatigued now (no percentage), chances otherwise.
      const fatiguedNames = new Map<string, Set<boolean>>();
      for (const f of list.items)
        fatiguedNames.set(f.adName, (fatiguedNames.get(f.adName) ?? new Set()).add(f.fatiguedNow));
      const rows = table.locator('tbody tr');
      let already = 0;
      let chances = 0;
      for (let i = 0; i < (await rows.count()); i++) {
        const row = (await rows.nth(i).textContent()) ?? '';
        const name = [...fatiguedNames.keys()].find((n) => row.startsWith(n));
        // A name two ads share, one fatigued and one not, says nothing about its row.
        const states = name === undefined ? undefined : fatiguedNames.get(name);
        if (states?.size !== 1) continue;
        if (states.has(true)) {
          expect(row, row).toContain('Already fatigued');
          expect(row, row).not.toMatch(/\d+%/);
          already++;
        } else {
          expect(row, row).not.toContain('Already fatigued');
          expect(row, row).toMatch(/\d+%.*\d+%/);
          chances++;
        }
      }
      expect(already + chances).toBeGreaterThan(0);
      // Only ads that deliver are listed: none shown is a paused or stopped one.
      const listedCount = list.items.filter(
        (f) => f.refreshSoon || (f.delivering && f.class === 'early_warning'),
      ).length;
      if (listedCount > 8) await page.getByRole('button', { name: /Show all \d+ rows/ }).waitFor();
      await shoot(page, 'predictions-fatigue');

      // The ad's own page: "Already fatigued" in place of the 7- and 14-day chances.
      const fatigued = list.items.filter((f) => f.fatiguedNow);
      const ad = fatigued[0] as FatigueItem;
      await page.goto(`${server.url}/ads/${ad.adId}`);
      const onset = page.getByTestId('fatigue-onset');
      await onset.waitFor({ timeout: 60_000 });
      expect(await onset.textContent()).toBe('Chance fatigue starts within 7 daysAlready fatigued');
      await shoot(page, 'ad-fatigued-now');
      // The campaign page counts its ads to refresh with the same definition and words (the API's
      // refreshSoon), not fatigued plus every early warning.
      const inCampaign = await call<FatigueList>('GET', `/api/v1/oracle/fatigue?campaignId=${ad.campaignId}`);
      const c = inCampaign.refreshSoon;
      expect(c.count).toBe(inCampaign.items.filter((f) => f.refreshSoon).length);
      await page.goto(`${server.url}/campaigns/${ad.campaignId}`);
      const refresh = page.getByTestId('ads-to-refresh');
      await refresh.getByText(/fatigued now/).waitFor({ timeout: 60_000 });
      const due = c.count - c.fatiguedNow;
      expect(await refresh.textContent()).toBe(
        `Ads to refresh${c.count} ${c.count === 1 ? 'ad' : 'ads'}${c.count > 0 ? ` by ${shownDate(c.until)}` : ''}${c.fatiguedNow} fatigued now${due > 0 ? `, ${due} due within ${c.withinDays} days` : ''}`,
      );
      await shoot(page, 'campaign-ads-to-refresh');
      // The overview's alerts count the whole agency's ads to refresh with the server's figure and the
      // same words, not fatigued plus every early warning counted in the browser.
      expect(all.refreshSoon.count).toBeGreaterThan(0);
      await page.goto(`${server.url}/`);
      const alertsCard = page
        .locator('section')
        .filter({ has: page.getByRole('heading', { name: 'Alerts' }) });
      const toRefresh = alertsCard.getByRole('link', { name: /ads? to refresh/ });
      await toRefresh.waitFor({ timeout: 60_000 });
      expect(((await toRefresh.textContent()) ?? '').trim()).toBe(
        `${all.refreshSoon.count} ${all.refreshSoon.count === 1 ? 'ad' : 'ads'} to refresh →`,
      );
      expect(await alertsCard.getByText(/at fatigue risk/).count()).toBe(0);
      // An ad not delivering says so; an ad not fatigued yet keeps its chance of the onset.
      const paused = all.items.find((f) => !f.delivering);
      if (paused) {
        await page.goto(`${server.url}/ads/${paused.adId}`);
        await page.getByTestId('fatigue-onset').getByText('Not delivering').waitFor({ timeout: 60_000 });
      }
      const notYet = list.items.find((f) => !f.fatiguedNow && f.delivering);
      if (notYet) {
        await page.goto(`${server.url}/ads/${notYet.adId}`);
        await page.getByTestId('fatigue-onset').waitFor({ timeout: 60_000 });
        expect(await page.getByTestId('fatigue-onset').textContent()).toMatch(
          /^Chance fatigue starts within 7 days\d+%$/,
        );
      }
      await page.close();
    }, 300_000);

    it("anomalies say why their severity: the metric that set it, its surprise and its move's bands", async () => {
      const { server, context } = env();
      const call = apiClient(server.url, await loginToken(server.url));
      const clients = await call<{ items: Array<{ id: string; name: string }> }>('GET', '/api/v1/clients');
      const clientId = clients.items.find((c) => c.name === 'Bright Smile Dental')?.id ?? '';
      // The same scan the page runs (the stored findings of these inputs).
      const { items } = await call<{
        items: Array<{
          date: string;
          severity: string;
          severityReason: string;
          severityMetric: string | null;
          flaggedMetrics: string[];
        }>;
      }>('POST', '/api/v1/oracle/anomalies', { entityType: 'client', entityId: clientId });
      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/predictions?clientId=${clientId}`);
      expect(items.length, 'the demo client has anomalies').toBeGreaterThan(0);
      const shown = [...items].sort((a, b) => b.date.localeCompare(a.date)).slice(0, 6);
      const list = page.getByRole('list', { name: 'Anomalies' });
      await list.waitFor({ timeout: 60_000 });
      const reasons = await list.getByTestId('severity-reason').allTextContents();
      expect(reasons).toEqual(shown.map((a) => a.severityReason));
      for (const a of shown) {
        const sev = a.severity.charAt(0).toUpperCase() + a.severity.slice(1);
        // A flagged day names its metric and both bands; a cause-only day says no metric crossed.
        expect(a.severityReason).toMatch(
          a.flaggedMetrics.length
            ? new RegExp(`^${sev}: set by \\S+, surprise \\d\\.\\d\\d \\((low|medium|high|critical)\\)`)
            : /^Low: no metric crossed/,
        );
      }
      // The metric that set the severity is in the detail line, with the same move as the reason
      // (rounded once, toward zero: not "+66%" above and "move +65%" below).
      const label: Record<string, string> = { ctr: 'CTR', cpc: 'CPC', cpm: 'CPM' };
      const rows = list.getByRole('listitem');
      for (const [i, a] of shown.entries()) {
        if (!a.severityMetric) continue;
        const text = (await rows.nth(i).textContent()) ?? '';
        const name =
          label[a.severityMetric] ?? a.severityMetric[0]?.toUpperCase() + a.severityMetric.slice(1);
        const move = /move ([+-]?\d+)%/.exec(a.severityReason)?.[1];
        expect(text, text).toMatch(new RegExp(`${name} [^·]* expected`));
        if (move !== undefined) {
          const n = Number(move);
          expect(text, text).toContain(`expected (${n > 0 ? '+' : ''}${n}%)`);
          const headline = new RegExp(`${name} (up|down) (\\d+)%`).exec(text);
          if (headline) expect(Number(headline[2])).toBe(Math.abs(n));
        }
      }
      // Not silently the newest six: the card says how many there are and shows all on request.
      if (items.length > 6) {
        expect(await page.getByTestId('anomaly-count').textContent()).toBe(`Latest 6 of ${items.length}`);
        await page.getByRole('button', { name: `Show all ${items.length} anomalies` }).click();
        await expect(list.getByRole('listitem').count()).resolves.toBe(items.length);
        expect(await page.getByTestId('anomaly-count').textContent()).toBe(`All ${items.length}`);
        await page.getByRole('button', { name: 'Show the latest 6' }).click();
      }
      await list.scrollIntoViewIfNeeded();
      await shoot(page, 'predictions-anomaly-severity');
      await page.close();
    }, 180_000);

    it('charts keep one tick format per money axis, the fatigue chart spaces refresh dates by time, fatigue rows name their campaign and class, and other currencies are labelled', async () => {
      const { server, context } = env();
      const call = apiClient(server.url, await loginToken(server.url));
      const page = await signedInPage(context, server.url);
      // What each canvas draws: its texts (axis ticks, legend) and its rectangles (bars).
      await page.addInitScript(() => {
        type Drawn = { texts: string[]; rects: Array<[number, number, number, number]> };
        const of = (c: HTMLCanvasElement) => {
          const el = c as HTMLCanvasElement & { __drawn?: Drawn };
          el.__drawn ??= { texts: [], rects: [] };
          return el.__drawn;
        };
        const proto = CanvasRenderingContext2D.prototype;
        const fillText = proto.fillText;
        proto.fillText = function (this: CanvasRenderingContext2D, ...a: Parameters<typeof fillText>) {
          of(this.canvas).texts.push(String(a[0]));
          return fillText.apply(this, a);
        };
        const rect = proto.rect;
        proto.rect = function (this: CanvasRenderingContext2D, ...a: Parameters<typeof rect>) {
          of(this.canvas).rects.push([a[0], a[1], a[2], a[3]]);
          return rect.apply(this, a);
        };
      });
      const drawn = (label: string) =>
        page.getByRole('img', { name: label }).evaluate((el) => {
          const c = el.querySelector('canvas') as
            | (HTMLCanvasElement & { __drawn?: { texts: string[]; rects: number[][] } })
            | null;
          return c?.__drawn ?? { texts: [], rects: [] };
        });
      // Money ticks of one axis: all with cents or none ("$7,000" with "$0.00" was both).
      const moneyTicks = (texts: string[]) => [...new Set(texts.filter((t) => /^-?[$€£]\d/.test(t)))];
      const oneFormat = (ticks: string[]) => {
        expect(ticks.length, ticks.join(' ')).toBeGreaterThan(1);
        const cents = ticks.filter((t) => /\.\d\d$/.test(t));
        expect([0, ticks.length], ticks.join(' ')).toContain(cents.length);
      };

      // The overview's spend and revenue chart.
      await page.goto(`${server.url}/`);
      const overviewChart = page
        .getByRole('img')
        .filter({ has: page.locator('canvas') })
        .first();
      await overviewChart.waitFor({ timeout: 60_000 });
      const overviewLabel = (await overviewChart.getAttribute('aria-label')) ?? '';
      await expect
        .poll(async () => moneyTicks((await drawn(overviewLabel)).texts).length, { timeout: 30_000 })
        .toBeGreaterThan(1);
      oneFormat(moneyTicks((await drawn(overviewLabel)).texts));
      await shoot(page, 'overview-chart-ticks');

      // Predictions for the euro client: the forecast's axis, then the fatigue timeline.
      const clients = await call<{
        items: Array<{ id: string; name: string; currency: string; monthlyBudgetMicros: number | null }>;
      }>('GET', '/api/v1/clients');
      const maison = clients.items.find((c) => c.currency === 'EUR');
      expect(maison, 'the EUR demo client').toBeTruthy();
      await page.goto(`${server.url}/predictions?clientId=${maison?.id}`);
      const forecastLabel = 'Spend forecast with intervals';
      await page.getByRole('img', { name: forecastLabel }).waitFor({ timeout: 120_000 });
      await expect
        .poll(async () => moneyTicks((await drawn(forecastLabel)).texts).length, { timeout: 120_000 })
        .toBeGreaterThan(1);
      oneFormat(moneyTicks((await drawn(forecastLabel)).texts));

      // Fatigue: bars placed by date (a 5-day gap is wider than a 1-day gap), not evenly.
      const list = await call<FatigueList>('GET', `/api/v1/oracle/fatigue?clientId=${maison?.id}`);
      const atRisk = list.items.filter((f) => f.refreshSoon || (f.delivering && f.class === 'early_warning'));
      const table = page.getByRole('table', { name: 'Ads at fatigue risk' });
      await table.locator('tbody tr').first().waitFor({ timeout: 120_000 });
      const days = [...new Set(atRisk.map((f) => f.refreshBy ?? list.asOf))].sort();
      // Maison Verte's demo ads fall due on several dates: the spacing below is checked, not skipped.
      expect(days.length).toBeGreaterThanOrEqual(3);
      {
        const timeline = page.getByRole('img', { name: 'Ads to refresh per refresh date' });
        await timeline.scrollIntoViewIfNeeded();
        const centers = async () =>
          [
            ...new Set(
              (await drawn('Ads to refresh per refresh date')).rects
                .filter(([, y, w, h]) => (w ?? 0) > 0 && (w ?? 0) <= 22.5 && (y ?? 0) > 30 && (h ?? 0) !== 0)
                .map(([x, , w]) => Math.round((x ?? 0) + (w ?? 0) / 2)),
            ),
          ].sort((a, b) => a - b);
        await expect.poll(async () => (await centers()).length, { timeout: 30_000 }).toBe(days.length);
        const xs = await centers();
        const t = days.map((d) => Date.parse(`${d}T00:00:00Z`));
        const span = (t.at(-1) as number) - (t[0] as number);
        const width = (xs.at(-1) as number) - (xs[0] as number);
        for (const [i, ti] of t.entries())
          expect(
            Math.abs(((xs[i] as number) - (xs[0] as number)) / width - (ti - (t[0] as number)) / span),
            days.join(' '),
          ).toBeLessThan(0.03);
      }
      // Each row names its campaign under the ad (two ads may share a name), and no "Exhausted".
      const campaigns = await call<{ items: Array<{ id: string; name: string }> }>(
        'GET',
        `/api/v1/campaigns?clientId=${maison?.id}&limit=100`,
      );
      const campaignNames = new Set(campaigns.items.map((c) => c.name));
      const under = await table.getByTestId('fatigue-campaign').allTextContents();
      expect(under.length).toBeGreaterThan(0);
      for (const u of under) expect(campaignNames.has(u.split(' · ')[0] ?? ''), u).toBe(true);
      expect(await page.getByText('Exhausted', { exact: true }).count()).toBe(0);
      const badge = table.locator('tbody tr').first().locator('[title^="Class "]').first();
      expect(await badge.getAttribute('title')).toMatch(
        /^Class (healthy|early_warning|fatigued|dead|insufficient_data): /,
      );
      await page.getByRole('img', { name: 'Ads to refresh per refresh date' }).scrollIntoViewIfNeeded();
      await shoot(page, 'predictions-fatigue-time-axis');

      // A GBP client's ad, shown in the reporting currency: the header says it was converted.
      const peak = clients.items.find((c) => c.currency === 'GBP');
      const peakAd = (await call<FatigueList>('GET', `/api/v1/oracle/fatigue?clientId=${peak?.id}`)).items[0];
      expect(peakAd, 'an ad of the GBP client').toBeTruthy();
      await page.goto(`${server.url}/ads/${peakAd?.adId}`);
      await page.getByText(/account in GBP, figures below converted to USD/).waitFor({ timeout: 60_000 });
      await shoot(page, 'ad-gbp-converted');

      // Clients: budgets with their own currency code, the other money columns in the reporting one.
      await page.goto(`${server.url}/clients`);
      const clientsTable = page.getByRole('table', { name: 'Clients' });
      await clientsTable.locator('tbody tr').first().waitFor({ timeout: 60_000 });
      await clientsTable.getByRole('columnheader', { name: /Spend \(USD\)/ }).waitFor();
      const budgetCells = await clientsTable.getByTestId('client-budget').allTextContents();
      expect(budgetCells).toHaveLength(clients.items.length);
      for (const c of clients.items.filter((x) => x.monthlyBudgetMicros !== null))
        expect(
          budgetCells.some((b) => b.trim().endsWith(c.currency)),
          budgetCells.join(' | '),
        ).toBe(true);
      await shoot(page, 'clients-budget-currency');
      await page.close();
    }, 400_000);

    it('a client with nothing synced shows one neutral empty state linking to Connections, and the page opens on a client with data', async () => {
      const { server, context } = env();
      const call = apiClient(server.url, await loginToken(server.url));
      // Newest client, so the first in the list; nothing is connected or synced for it.
      const created = await call<{ id: string; name: string }>('POST', '/api/v1/clients', {
        name: 'Nothing Synced Ltd',
        email: `nothing-synced-${Date.now()}@example.test`,
      });
      try {
        const clients = await call<{ items: Array<{ id: string }> }>('GET', '/api/v1/clients');
        expect(clients.items[0]?.id).toBe(created.id);
        // The API says why, with its own code (not a 5xx, not the generic invalid_input).
        const res = await fetch(`${server.url}/api/v1/oracle/forecasts`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${await loginToken(server.url)}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ entityType: 'client', entityId: created.id, metric: 'spend' }),
        });
        expect(res.status).toBe(422);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('no_data');

        const page = await signedInPage(context, server.url);
        // The overview's alerts scan every client for anomalies (none stored yet on a fresh server):
        // the one without data answers 422 no_data, which must not turn the alerts into an error.
        await page.goto(`${server.url}/`);
        const alerts = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Alerts' }) });
        await alerts.waitFor({ timeout: 60_000 });
        await page.waitForLoadState('networkidle');
        expect(await alerts.getByRole('alert').count()).toBe(0);
        // Its client page: no error box either.
        await page.goto(`${server.url}/clients/${created.id}`);
        await page.getByRole('heading', { name: 'Nothing Synced Ltd' }).waitFor({ timeout: 60_000 });
        await page.waitForLoadState('networkidle');
        expect(await page.getByRole('alert').count()).toBe(0);
        await shoot(page, 'client-no-data');
        // Without a client in the address, the page opens on a client with data, not the new one.
        await page.goto(`${server.url}/predictions`);
        await page.waitForURL(/clientId=/, { timeout: 60_000 });
        const opened = new URL(page.url()).searchParams.get('clientId');
        expect(opened).not.toBe(created.id);
        await page.getByRole('table', { name: 'Ads at fatigue risk' }).waitFor({ timeout: 120_000 });

        await page.goto(`${server.url}/predictions?clientId=${created.id}`);
        await page.getByText('No synced data for Nothing Synced Ltd yet').waitFor({ timeout: 60_000 });
        const link = page.getByRole('link', { name: 'Connect its ad accounts' });
        expect(await link.getAttribute('href')).toBe('/connections');
        // The scorecard (organization-wide) may still load; give the page a moment, then no error box.
        await page.getByRole('heading', { name: 'Forecast scorecard' }).waitFor();
        await page.waitForLoadState('networkidle');
        expect(await page.getByRole('alert').count()).toBe(0);
        await expect(page.getByText(/Try again/).count()).resolves.toBe(0);
        await shoot(page, 'predictions-no-data');
        await link.click();
        await page.waitForURL(/\/connections$/);
        await page.close();
      } finally {
        await call('DELETE', `/api/v1/clients/${created.id}`);
      }
    }, 300_000);
  });
}
