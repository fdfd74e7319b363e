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
        items: Array<{ date: string; severity: string; severityReason: string; flaggedMetrics: string[] }>;
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
      await list.scrollIntoViewIfNeeded();
      await shoot(page, 'predictions-anomaly-severity');
      await page.close();
    }, 180_000);

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
