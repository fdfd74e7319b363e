/**
 * A proposal whose write-back the reconciler could not settle (`unknown`) is shown as its own state
 * in Chromium: an "Outcome unknown" tab, an orange "outcome unknown" badge with a tooltip saying to
 * check the platform, and the reconciler's detail. The reconciler itself runs in
 * actions.reconcile.test.ts (it needs a platform call interrupted for longer than its timeout); here
 * its outcome is written into the demo's database the way it settles a proposal (status and error)
 * and a write-back (status, no snapshot, error), and the real API serves them to the pages: the
 * Approvals tab, and the Write-backs screen's status filter. Registered by dashboard.e2e.test.ts.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type E2eServer, loginToken, signIn } from './harness.ts';

export function writeStatusScenarios(env: () => { server: E2eServer; context: BrowserContext }) {
  describe('write-back outcome unknown', () => {
    it('shows a proposal with outcome unknown with its own badge, tooltip and what to check', async () => {
      const { server, context } = env();
      const token = await loginToken(server.url);
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const campaigns = (await (
        await fetch(`${server.url}/api/v1/campaigns?limit=200`, { headers: auth })
      ).json()) as { items: Array<{ id: string; name: string; clientId: string }> };
      const clients = (await (await fetch(`${server.url}/api/v1/clients`, { headers: auth })).json()) as {
        items: Array<{ id: string; name: string }>;
      };
      const maison = clients.items.find((c) => c.name === 'Maison Verte Immobilier')?.id;
      const campaign = campaigns.items.find((c) => c.clientId === maison);
      // A budget change far beyond the guardrail is stored blocked: nothing reaches the platform.
      const res = await fetch(`${server.url}/api/v1/actions`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ kind: 'budget_change', campaignId: campaign?.id, percent: 5000 }),
      });
      const { proposal } = (await res.json()) as { proposal: { id: string; status: string } };
      expect(proposal.status).toBe('blocked');
      // A direct write-back that sets the budget it already has (the demo's state does not change),
      // then settled `unknown` below as the reconciler settles an interrupted one.
      const budget = (await (
        await fetch(`${server.url}/api/v1/campaigns/${campaign?.id}`, { headers: auth })
      ).json()) as { dailyBudgetMicros: number | null };
      const wb = await fetch(`${server.url}/api/v1/write-backs`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          type: 'set_daily_budget',
          level: 'campaign',
          entityId: campaign?.id,
          dailyBudgetMicros: budget.dailyBudgetMicros ?? 5_000_000,
          idempotencyKey: 'e2e-write-back-unknown',
        }),
      });
      expect(wb.status).toBe(200);
      const { action } = (await wb.json()) as { action: { id: string } };
      const wbDetail =
        'Interrupted, and the platform now shows dailyBudgetMicros 6100000: neither the requested one nor the earlier one; check it on the platform';
      const detail =
        'Interrupted, and the platform now shows dailyBudgetMicros 7000000: neither the requested 9000000 nor the earlier 5000000; check it on the platform';
      const db = new Database(path.join(server.dataDir, 'omnify.sqlite'));
      try {
        db.pragma('busy_timeout = 5000');
        const changed = db
          .prepare("update proposals set status = 'unknown', error = ?, updated_at = ? where id = ?")
          .run(detail, new Date().toISOString(), proposal.id);
        expect(changed.changes).toBe(1);
        const settled = db
          .prepare(
            "update write_actions set status = 'unknown', before = null, after = null, applied_at = null, error = ? where id = ?",
          )
          .run(wbDetail, action.id);
        expect(settled.changes).toBe(1);
      } finally {
        db.close();
      }

      const page = await context.newPage();
      await page.goto(`${server.url}/login`);
      await page.evaluate(() => localStorage.clear());
      await signIn(page, server.url);
      await page.goto(`${server.url}/approvals`);
      await page.getByRole('tab', { name: 'Outcome unknown' }).click();
      const item = page.getByTestId('proposal').filter({ hasText: detail });
      await item.getByText('Could not confirm on the platform whether this change landed').waitFor();
      const badge = item.getByText(/^outcome unknown/);
      // Its own colour, not the grey every unlisted status falls back to.
      await expect(badge.evaluate((el) => el.className)).resolves.toContain('bg-orange-100');
      await badge.hover();
      await expect(page.getByRole('tooltip').textContent()).resolves.toContain('check it there');
      await item.getByRole('link', { name: 'Open the campaign in Omnify' }).waitFor();
      // No revert or approve offered for an outcome nobody knows.
      expect(await item.getByRole('button').count()).toBe(0);

      // The Write-backs screen, from the navigation: the unknown filter lists the interrupted one
      // with the same orange badge, the reconciler's detail and the campaign it was meant for.
      await page.getByRole('link', { name: 'Write-backs', exact: true }).click();
      const table = page.getByRole('table', { name: 'Write-backs' });
      await table.waitFor();
      const unknownPage = page.waitForResponse((r) => r.url().includes('/api/v1/write-backs?status=unknown'));
      await page.getByLabel('Status', { exact: true }).selectOption('unknown');
      expect((await unknownPage).status()).toBe(200);
      expect(new URL(page.url()).search).toBe('?status=unknown');
      const row = table.getByRole('row').filter({ hasText: wbDetail });
      await row.waitFor();
      await expect(row.getByText(/^outcome unknown/).evaluate((el) => el.className)).resolves.toContain(
        'bg-orange-100',
      );
      await expect(
        row.getByRole('link', { name: campaign?.name ?? '?', exact: true }).getAttribute('href'),
      ).resolves.toBe(`/campaigns/${campaign?.id}`);
      // No snapshot (the platform never answered): the budget it asked for, marked as asked.
      await row.getByText('(requested)').waitFor();
      await expect(row.locator('li', { hasText: 'Daily budget' }).textContent()).resolves.toMatch(
        /— → \S*\d/,
      );
      // Only unknown ones under this filter; the applied filter leaves it out.
      const bodyRows = table.locator('tbody tr');
      await expect(bodyRows.count()).resolves.toBe(
        await bodyRows.filter({ hasText: 'outcome unknown' }).count(),
      );
      const appliedPage = page.waitForResponse((r) => r.url().includes('/api/v1/write-backs?status=applied'));
      await page.getByLabel('Status', { exact: true }).selectOption('applied');
      await appliedPage;
      // Once the applied rows (or the empty state) are on screen, not while the list is loading.
      await table
        .locator('tbody tr')
        .filter({ hasText: /^(?!.*outcome unknown)/ })
        .first()
        .or(page.getByText('No applied write-backs'))
        .first()
        .waitFor();
      expect(await table.locator('tbody tr').filter({ hasText: 'outcome unknown' }).count()).toBe(0);
      expect(await page.getByText(wbDetail).count()).toBe(0);

      // Dismissing a budget recommendation writes nothing (it used to propose the change in order to
      // reject it, and guardrails that allow the change applied it at once).
      const writes: string[] = [];
      page.on('request', (r) => {
        if (r.method() === 'POST' && /\/api\/v1\/(actions|proposals)/.test(r.url())) writes.push(r.url());
      });
      await page.goto(`${server.url}/predictions`);
      const dismiss = page.getByRole('button', { name: /^Dismiss recommendation for / }).first();
      await dismiss.waitFor({ timeout: 60_000 });
      const name = ((await dismiss.getAttribute('aria-label')) ?? '').replace(
        'Dismiss recommendation for ',
        '',
      );
      const recommendation = page
        .getByRole('table', { name: 'Budget recommendations' })
        .locator('tbody tr', { hasText: name })
        .first();
      await dismiss.click();
      await recommendation.getByText('dismissed').waitFor();
      expect(writes).toEqual([]);
      // It stays set aside when the page is opened again (in this browser, for a week).
      await page.reload();
      await page
        .getByRole('table', { name: 'Budget recommendations' })
        .locator('tbody tr', { hasText: name })
        .first()
        .getByText('dismissed')
        .waitFor({ timeout: 60_000 });
      await page.close();
    }, 120_000);
  });
}
