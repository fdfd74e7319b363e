/**
 * A proposal whose write-back the reconciler could not settle (`unknown`) is shown as its own state
 * in Chromium: an "Outcome unknown" tab, an orange "outcome unknown" badge with a tooltip saying to
 * check the platform, and the reconciler's detail. The reconciler itself runs in
 * actions.reconcile.test.ts (it needs a platform call interrupted for longer than its timeout); here
 * its outcome is written into the demo's database the way it settles a proposal (status and error),
 * and the real API serves it to the page. Registered by dashboard.e2e.test.ts.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO, type E2eServer, signIn } from './harness.ts';

async function agencyToken(url: string): Promise<string> {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(DEMO),
  });
  return ((await login.json()) as { tokens: { accessToken: string } }).tokens.accessToken;
}

export function writeStatusScenarios(env: () => { server: E2eServer; context: BrowserContext }) {
  describe('write-back outcome unknown', () => {
    it('shows a proposal with outcome unknown with its own badge, tooltip and what to check', async () => {
      const { server, context } = env();
      const token = await agencyToken(server.url);
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const campaigns = (await (
        await fetch(`${server.url}/api/v1/campaigns?limit=200`, { headers: auth })
      ).json()) as { items: Array<{ id: string; name: string; clientId: string }> };
      const clients = (await (await fetch(`${server.url}/api/v1/clients`, { headers: auth })).json()) as {
        items: Array<{ id: string; name: string }>;
      };
      const harbor = clients.items.find((c) => c.name === 'Harbor Home Loans')?.id;
      const campaign = campaigns.items.find((c) => c.clientId === harbor);
      // A budget change far beyond the guardrail is stored blocked: nothing reaches the platform.
      const res = await fetch(`${server.url}/api/v1/actions`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ kind: 'budget_change', campaignId: campaign?.id, percent: 5000 }),
      });
      const { proposal } = (await res.json()) as { proposal: { id: string; status: string } };
      expect(proposal.status).toBe('blocked');
      const detail =
        'Interrupted, and the platform now shows dailyBudgetMicros 7000000: neither the requested 9000000 nor the earlier 5000000; check it on the platform';
      const db = new Database(path.join(server.dataDir, 'omnify.sqlite'));
      try {
        db.pragma('busy_timeout = 5000');
        const changed = db
          .prepare("update proposals set status = 'unknown', error = ?, updated_at = ? where id = ?")
          .run(detail, new Date().toISOString(), proposal.id);
        expect(changed.changes).toBe(1);
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
      await page.close();
    }, 120_000);
  });
}
