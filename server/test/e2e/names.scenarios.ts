/**
 * Names and numbers people read, in Chromium against the demo (a reviewer's findings):
 * the audit log and the approvals name people (email on hover), rules and clients instead of ids and
 * link targets to their pages; the portal's monthly report shows counts in full so a 1% change is
 * visible, and the portal campaign page says "Leads", not OUTCOME_LEADS; the overview's anomaly
 * alerts carry money with its currency and a headline naming the metric the cause is about; the
 * Analytics agent writes whole counts ("1,088 conversions"); the Connections form starts on a
 * platform whose OAuth app is configured and marks the others with the variables to set.
 * Registered by dashboard.e2e.test.ts.
 */
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_PORTAL_PASSWORD } from '../../src/main/demo.ts';
import {
  apiCall as call,
  type E2eServer,
  fitsWidth,
  inView,
  loginToken,
  shoot,
  signedInPage,
} from './harness.ts';

async function filterAudit(page: Page, action: string) {
  const form = page.getByRole('form', { name: 'Audit filters' });
  await form.getByLabel('Action').fill(action);
  await form.getByRole('button', { name: 'Filter', exact: true }).click();
}

export function nameScenarios(env: () => { server: E2eServer; context: BrowserContext }) {
  describe('names and numbers in Chromium', () => {
    it('the audit log and approvals name people, rules and clients, and link targets to their pages', async () => {
      const { server, context } = env();
      const token = await loginToken(server.url);
      const rules = await call<{ items: Array<{ id: string; name: string }> }>(
        server.url,
        token,
        'GET',
        '/api/v1/rules',
      );
      const rule = rules.items[0];
      if (!rule) throw new Error('the demo has no rule');
      await call(server.url, token, 'POST', `/api/v1/rules/${rule.id}/run`);
      // A person's proposal: over the 20% guardrail, it waits for approval.
      // One with a campaign budget (the Meta account another scenario connects keeps its budgets on
      // ad sets, and may list first).
      const campaigns = await call<{ items: Array<{ id: string; dailyBudgetMicros: number | null }> }>(
        server.url,
        token,
        'GET',
        '/api/v1/campaigns?limit=200',
      );
      await call(server.url, token, 'POST', '/api/v1/actions', {
        kind: 'budget_change',
        campaignId: campaigns.items.find((c) => (c.dailyBudgetMicros ?? 0) > 0)?.id,
        percent: 60,
      });

      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/audit`);
      await filterAudit(page, 'rules.ran');
      const entries = page.getByRole('table', { name: 'Audit entries' });
      const ran = entries.locator('tbody tr').first();
      await ran.getByText('rules.ran').waitFor();
      // The actor: the person's name, their email and id on hover.
      const actor = ran.getByTestId('audit-actor');
      await actor.getByText('Demo Owner').waitFor();
      expect(await actor.locator('[title*="demo@omnify.local"]').count()).toBe(1);
      expect(await actor.textContent()).not.toMatch(/usr_/);
      // The target: the rule by name, linked to it, the id on hover.
      const ruleLink = ran.getByTestId('audit-target').getByRole('link');
      expect((await ruleLink.textContent())?.trim()).toBe(rule.name);
      expect(await ruleLink.getAttribute('href')).toBe(`/rules?rule=${rule.id}`);
      expect(await ruleLink.locator('[title]').getAttribute('title')).toContain(rule.id);

      // Clients by name, linked to their page.
      await filterAudit(page, 'clients.created');
      const client = entries.getByTestId('audit-target').getByRole('link', { name: 'Bright Smile Dental' });
      await client.waitFor();
      expect(await client.getAttribute('href')).toMatch(/^\/clients\/cli_/);

      // A campaign a rule changed: by name, linked to its page.
      await filterAudit(page, 'actions.applied');
      const campaignTarget = entries
        .getByTestId('audit-target')
        .filter({ hasText: 'campaign' })
        .getByRole('link')
        .first();
      if ((await campaignTarget.count()) > 0) {
        expect(await campaignTarget.getAttribute('href')).toMatch(/^\/campaigns\/cmp_/);
        expect(await campaignTarget.textContent()).not.toMatch(/cmp_/);
      }

      // Approvals: "by user Demo Owner" (email on hover) and a rule by its name, never the ids.
      await page.goto(`${server.url}/approvals?status=all`);
      const sources = page.getByTestId('proposal-source');
      await sources.filter({ hasText: 'by user Demo Owner' }).first().waitFor();
      expect(
        await sources
          .filter({ hasText: 'by user Demo Owner' })
          .first()
          .locator('[title*="demo@omnify.local"]')
          .count(),
      ).toBe(1);
      const all = (await sources.allTextContents()).join(' | ');
      expect(all).not.toMatch(/usr_|rul_/);
      const byRule = sources.filter({ hasText: /^by rule/ });
      if ((await byRule.count()) > 0) {
        const link = byRule.first().getByRole('link');
        expect(await link.getAttribute('href')).toMatch(/^\/rules\?rule=rul_/);
        expect(rules.items.map((r) => r.name)).toContain((await link.textContent())?.trim());
      }
      await page.close();
    }, 120_000);

    it('the portal report shows counts in full and the campaign page names its objective', async () => {
      const { server, context } = env();
      const token = await loginToken(server.url);
      const clients = await call<{ items: Array<{ id: string; name: string }> }>(
        server.url,
        token,
        'GET',
        '/api/v1/clients',
      );
      const cid = clients.items.find((c) => c.name === 'Bright Smile Dental')?.id;
      const campaigns = await call<{ items: Array<{ id: string; objective: string | null }> }>(
        server.url,
        token,
        'GET',
        `/api/v1/campaigns?clientId=${cid}&limit=200`,
      );
      const leads = campaigns.items.find((c) => c.objective === 'OUTCOME_LEADS');
      if (!leads) throw new Error('Bright Smile Dental has no Meta leads campaign');

      const page = await context.newPage();
      await page.goto(`${server.url}/portal/bright-smile-dental/login`);
      await page.getByLabel('Email').fill('portal@brightsmile.example');
      await page.getByLabel('Password').fill(DEMO_PORTAL_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Campaign results' }).waitFor({ timeout: 30_000 });

      await page.goto(`${server.url}/portal/bright-smile-dental/reports`);
      const table = page.getByRole('table', { name: 'This month against the previous one' });
      const impressions = table.getByRole('row').filter({ hasText: 'Impressions' });
      await impressions.waitFor({ timeout: 30_000 });
      const [now, before, changeText] = (await impressions.locator('td').allTextContents()).slice(1);
      // In full, with separators: "1,998,287", never "2M".
      expect(now).toMatch(/^\d{1,3}(,\d{3})*$/);
      expect(before).toMatch(/^\d{1,3}(,\d{3})*$/);
      const change = Number(changeText?.replace(/[+%]/g, ''));
      if (Math.abs(change) >= 1) expect(now).not.toBe(before);

      await page.goto(`${server.url}/portal/bright-smile-dental/campaigns/${leads.id}`);
      await page.getByTestId('portal-campaign-name').waitFor({ timeout: 30_000 });
      const objective = page
        .locator('dt', { hasText: 'Objective' })
        .locator('xpath=following-sibling::dd[1]');
      expect((await objective.textContent())?.trim()).toBe('Leads');
      expect(await objective.locator('[title="OUTCOME_LEADS"]').count()).toBe(1);
      await page.close();
    }, 120_000);

    it("the overview's anomaly alerts show money with its currency and name the metric the cause is about", async () => {
      const { server, context } = env();
      const page = await signedInPage(context, server.url);
      const alerts = page.getByRole('list', { name: 'Alerts' });
      await alerts.waitFor({ timeout: 60_000 });
      const anomalies = alerts.getByRole('listitem').filter({ hasText: 'Anomaly' });
      await anomalies.first().waitFor({ timeout: 60_000 });
      const texts = await anomalies.allTextContents();
      // Amounts carry their currency: "Spend $1,975 vs $1,204 expected", "CPC $2.72 vs $1.82".
      expect(texts.join(' ')).toMatch(/(Spend|CPC|CPM) [$€£]\d/);
      for (const t of texts) {
        expect(t).not.toMatch(/(spend|cpc|cpm) \d/i);
        expect(t).not.toMatch(/\d\.\d{3,}/);
        // The headline names a metric the cause is about.
        if (t.includes('Cost surge')) expect(t).toMatch(/: (CPM|CPC) (up|down)/);
        if (t.includes('Spend spike')) expect(t).toMatch(/: Spend (up|down)/);
        if (t.includes('Ctr collapse')) expect(t).toMatch(/: CTR (up|down)/);
        if (t.includes('Tracking break')) expect(t).toMatch(/: Conversions (up|down)/);
      }
      await page.close();
    }, 120_000);

    it('the Analytics agent writes whole counts with separators', async () => {
      const { server, context } = env();
      const page = await signedInPage(context, server.url);
      await page.getByRole('link', { name: 'Agents' }).click();
      await page.getByRole('list', { name: 'Agents' }).getByRole('button', { name: 'Analytics' }).click();
      const client = page.getByLabel('Client for this run');
      if ((await client.count()) > 0) await client.selectOption({ label: 'Bright Smile Dental' });
      await page.getByRole('button', { name: 'Run agent' }).click();
      const out = page.locator('[data-testid="agent-output"][data-status="succeeded"]');
      await out.waitFor({ timeout: 90_000 });
      const text = (await out.textContent()) ?? '';
      expect(text).toMatch(/\d conversions/);
      expect(text).not.toMatch(/\d\.0 conversions/);
      expect(text).not.toMatch(/\d{4,}\.0\b/);
      await page.close();
    }, 180_000);

    it("a client's campaigns say which currency each column is in, and a campaign page says it converts", async () => {
      const { server, context } = env();
      const token = await loginToken(server.url);
      const campaigns = await call<{
        items: Array<{
          id: string;
          clientId: string | null;
          currency: string;
          dailyBudgetMicros: number | null;
        }>;
      }>(server.url, token, 'GET', '/api/v1/campaigns?limit=200');
      const metrics = await call<{ currency: string }>(
        server.url,
        token,
        'GET',
        '/api/v1/analytics/metrics?from=2026-01-01&to=2026-01-31',
      );
      const reporting = metrics.currency;
      // The demo keeps one client's ad accounts in another currency than the reporting one.
      const foreign = campaigns.items.find(
        (c) => c.currency !== reporting && c.clientId && c.dailyBudgetMicros,
      );
      if (!foreign?.clientId) throw new Error('the demo has no campaign in a foreign currency');
      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/clients/${foreign.clientId}`);
      const table = page.getByRole('table', { name: 'Campaigns' });
      await table.getByRole('row').nth(1).waitFor();
      const headers = await table.locator('thead th').allTextContents();
      expect(headers.join('|')).toContain(`Budget/day (${foreign.currency})`);
      expect(headers.join('|')).toContain(`Spend (${reporting})`);
      expect(headers.join('|')).toContain(`CPA (${reporting})`);
      // The campaign's header: its budget in the account's currency, and that the KPIs are converted.
      await page.goto(`${server.url}/campaigns/${foreign.id}`);
      await page.getByText(`figures below converted to ${reporting}`).waitFor();
      await page.getByText(`(${foreign.currency})`, { exact: false }).first().waitFor();
      // Across clients, budgets in several currencies sort by currency, then amount: never a pound
      // amount between two dollar amounts.
      await page.goto(`${server.url}/campaigns`);
      const all = page.getByRole('table', { name: 'Campaigns' });
      await all.getByRole('row').nth(1).waitFor();
      await all.getByRole('button', { name: /^Budget\/day/ }).click();
      const showAll = page.getByRole('button', { name: /Show all/ });
      if (await showAll.count()) await showAll.click();
      const budgetCol = (await all.locator('thead th').allTextContents()).findIndex((h) =>
        h.startsWith('Budget/day'),
      );
      const cells = await all.locator(`tbody tr td:nth-child(${budgetCol + 1})`).allTextContents();
      const symbols = cells.map((c) => c.replace(/[\d.,\s]/g, '')).filter(Boolean);
      const runs = symbols.filter((s, i) => i === 0 || s !== symbols[i - 1]);
      expect(new Set(runs).size).toBe(runs.length);
      expect(runs.length).toBeGreaterThan(1);
      await page.close();
    }, 120_000);

    it('the audit log names portal users and connections, and shows a session as "session"', async () => {
      const { server, context } = env();
      // A portal user signs in and out: the sign-out is audited with the portal user as actor.
      const portal = await context.newPage();
      await portal.goto(`${server.url}/portal/peak-fitness/login`);
      await portal.evaluate(() => localStorage.clear());
      await portal.goto(`${server.url}/portal/peak-fitness/login`);
      await portal.getByLabel('Email').fill('portal@peakfitness.example');
      await portal.getByLabel('Password').fill(DEMO_PORTAL_PASSWORD);
      await portal.getByRole('button', { name: 'Sign in' }).click();
      await portal.getByRole('button', { name: 'Sign out' }).click();
      await portal.getByLabel('Password').waitFor();
      await portal.close();

      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/audit`);
      const entries = page.getByRole('table', { name: 'Audit entries' });
      await filterAudit(page, 'portal.logged_out');
      const out = entries.locator('tbody tr').first();
      await out.getByText('portal.logged_out').waitFor();
      const actor = out.getByTestId('audit-actor');
      await actor.getByText('Peak Fitness team').waitFor();
      expect(await actor.textContent()).not.toMatch(/pou_/);
      expect(await actor.locator('[title*="portal@peakfitness.example"]').count()).toBe(1);

      // A connection by its name, linked to the Connections page.
      await filterAudit(page, 'sync.completed');
      const conn = entries.getByTestId('audit-target').first();
      await conn.getByRole('link').waitFor();
      expect(await conn.textContent()).not.toMatch(/con_/);

      // A sign-in's session: the word, the id on hover.
      await filterAudit(page, 'auth.logged_in');
      const session = entries.getByTestId('audit-target').first();
      await session.getByText('session').waitFor();
      expect(await session.textContent()).not.toMatch(/ses_/);
      expect(await session.getAttribute('title')).toMatch(/^ses_/);
      await page.close();
    }, 120_000);

    it("on a 390 px phone the Predictions page keeps Approve, Dismiss and each ad's fatigue state on screen", async () => {
      const { server, context } = env();
      const page = await signedInPage(context, server.url);
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${server.url}/predictions`);
      const onScreen = (l: Locator) => inView(page, l);
      // Earlier scenarios approve or dismiss some of this client's recommendations, not all.
      const approve = page.getByRole('button', { name: /^Approve recommendation for / }).first();
      await approve.waitFor({ timeout: 120_000 });
      const name = ((await approve.getAttribute('aria-label')) ?? '').replace(
        'Approve recommendation for ',
        '',
      );
      const card = page.getByTestId('recommendation').filter({ hasText: name }).first();
      expect(await onScreen(approve)).toBe(true);
      expect(await onScreen(card.getByRole('button', { name: `Dismiss recommendation for ${name}` }))).toBe(
        true,
      );
      // The figures are labelled in the card, the table's header row being hidden on a phone.
      await card.getByText('Recommended spend').waitFor();
      const fatigue = page.getByRole('table', { name: 'Ads at fatigue risk' });
      const first = fatigue.locator('tbody tr').first();
      await first.waitFor({ timeout: 120_000 });
      // State, with the refresh date under it (its own column and the odds step aside on a phone).
      const by = first.getByText(/^by /);
      await by.waitFor();
      expect(await onScreen(by)).toBe(true);
      expect(await fitsWidth(page)).toBe(true);
      await page.close();
    }, 300_000);

    it('the forecast names its models in words and an ad says why it is (not) fatigued in plain words', async () => {
      const { server, context } = env();
      const token = await loginToken(server.url);
      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/predictions`);
      const card = page.locator('section').filter({
        has: page.getByRole('heading', { name: 'Forecast, next 30 days' }),
      });
      await card.getByText('chosen by rolling-origin backtest').waitFor({ timeout: 120_000 });
      // The model in words; the API's name (mean(…), snaive@7, …) on hover.
      const model = card.locator('[data-model]');
      const technical = (await model.getAttribute('data-model')) ?? '';
      expect(await model.getAttribute('title')).toBe(technical);
      const words = (await model.textContent()) ?? '';
      expect(words).not.toMatch(/[()@]|snaive|mean/);
      if (technical.startsWith('mean('))
        expect(words).toMatch(new RegExp(`^Average of ${technical.split(',').length} models: `));
      // The words are the server's (its model registry), not the page's own reading of the name.
      const clientId = new URL(page.url()).searchParams.get('clientId');
      const forecast = await call<{ model: string; modelDescription: { text: string } }>(
        server.url,
        token,
        'POST',
        '/api/v1/oracle/forecasts',
        clientId
          ? { entityType: 'client', entityId: clientId, metric: 'spend', horizon: 30 }
          : { entityType: 'organization', metric: 'spend', horizon: 30 },
      );
      expect(forecast.model).toBe(technical);
      expect(words).toBe(forecast.modelDescription.text);
      await shoot(page, 'predictions-forecast-model');

      // An ad's fatigue, for each class the demo has: a sentence, the compact rule on hover.
      const fatigue = await call<{
        items: Array<{
          adId: string;
          class: string;
          rule: string;
          reason: string;
          riskFactors: Array<{ detail: string; text: string }>;
        }>;
      }>(server.url, token, 'GET', '/api/v1/oracle/fatigue');
      const byClass = new Map(fatigue.items.map((f) => [f.class, f]));
      expect(byClass.size).toBeGreaterThan(1);
      for (const f of byClass.values()) {
        await page.goto(`${server.url}/ads/${f.adId}`);
        const reason = page.getByTestId('fatigue-reason');
        await reason.waitFor({ timeout: 60_000 });
        const text = (await reason.textContent()) ?? '';
        expect(text, f.class).not.toMatch(/P\(|[<≤≥]|of baseline/);
        expect(text, f.class).toMatch(
          /chance of fatigue within|Click-through rate|No impressions|not delivering/,
        );
        expect(await reason.getAttribute('title')).toBe(f.rule);
        // The server's sentences, as the API gives them to every other client.
        expect(text, f.class).toBe(f.reason);
        const factors = reason.locator('xpath=following-sibling::li');
        expect(await factors.allTextContents()).toEqual(f.riskFactors.map((r) => `• ${r.text}`));
        for (const [i, r] of f.riskFactors.entries())
          expect(await factors.nth(i).getAttribute('title')).toBe(r.detail);
        await shoot(page, `ad-fatigue-${f.class}`);
      }
      await page.close();
    }, 300_000);

    it('the rule editor names metrics as people write them and the retention fields line up', async () => {
      const { server, context } = env();
      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/rules`);
      await page.getByRole('button', { name: 'New rule' }).click();
      const metric = page.getByLabel('Metric').first();
      await metric.waitFor();
      const options = await metric.locator('option').allTextContents();
      expect(options).toEqual(
        expect.arrayContaining(['Spend', 'Revenue', 'Conversions', 'ROAS', 'CPA', 'CTR']),
      );
      expect(options).not.toContain('SPEND');
      // Settings → Retention: the three day fields start at the same height.
      await page.goto(`${server.url}/settings/retention`);
      const fields = page.locator('form input[type="number"]');
      await fields.first().waitFor();
      const tops = await Promise.all((await fields.all()).map(async (f) => (await f.boundingBox())?.y));
      expect(tops.length).toBe(3);
      expect(new Set(tops).size).toBe(1);
      await page.close();
    }, 120_000);

    it('the Connections form starts on a configured platform and marks the others', async () => {
      const { server, context } = env();
      const page = await signedInPage(context, server.url);
      await page.getByRole('link', { name: 'Connections' }).click();
      const form = page.getByRole('form', { name: 'Connect a platform' });
      const select = form.getByLabel('Platform');
      // The e2e server configures Meta's OAuth app only: Google Ads, first in the list, is not.
      await form.getByRole('option', { name: 'Google Ads (not configured)' }).waitFor({ state: 'attached' });
      expect(await select.inputValue()).toBe('meta');
      await form.getByRole('button', { name: 'Connect Meta', exact: true }).waitFor();
      await select.selectOption('google_ads');
      await expect(form.getByTestId('platform-not-configured').textContent()).resolves.toContain(
        'OMNIFY_GOOGLE_ADS_CLIENT_ID',
      );
      expect(await form.getByRole('button', { name: 'Connect Google Ads', exact: true }).isDisabled()).toBe(
        true,
      );
      await page.close();
    }, 120_000);
  });
}
