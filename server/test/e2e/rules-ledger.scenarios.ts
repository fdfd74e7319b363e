/**
 * Two pages of the agency dashboard in Chromium. The rule editor: a rule made through the API with a
 * nested group (a previous-window comparison inside it, a budget action by amount plus a notify
 * action with its own emails) opens with its group shown, groups are added, filled to the 20-item
 * limit and removed, a leaf inside the group is edited and saved, and the API then returns the group
 * and every field of every leaf and action; a cron the server refuses shows the server's message;
 * a description saved in the editor is shown after a reload, and emptying it removes it.
 * The ledger: a budget change proposed and applied through the API, recorded by the ledger job's own
 * code (runLedger, as the nightly `ledger.score` does) on the demo's database, is opened from the
 * list and shown in full; an unknown id and another organization's entry say "not found".
 * Registered by dashboard.e2e.test.ts. With OMNIFY_E2E_SHOTS set to a folder, screenshots go there.
 */
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runLedger } from '../../src/modules/ledger/ledger.jobs.ts';
import { createLedger } from '../../src/modules/ledger/ledger.service.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { createStorage } from '../../src/storage/db.ts';
import { apiClient, type E2eServer, loginToken, shoot, signedInPage } from './harness.ts';

const groupedRule = {
  name: 'E2E grouped rule',
  enabled: false,
  scope: { level: 'campaign' },
  conditions: {
    match: 'all',
    conditions: [
      { metric: 'spend', window: { days: 7 }, op: '>', value: 50_000_000, unit: 'currency_micros' },
      {
        match: 'any',
        conditions: [
          { metric: 'roas', window: { days: 14 }, op: '<', value: 1.5, unit: 'ratio' },
          {
            metric: 'ctr',
            window: { days: 7 },
            op: '<',
            value: -20,
            unit: 'percent',
            compare: 'previous_window',
          },
        ],
      },
    ],
  },
  actions: [
    { type: 'budget', direction: 'decrease', amountMicros: 5_000_000 },
    { type: 'notify', emails: ['ops-e2e@example.com'], message: 'Spend up, ROAS or CTR down' },
  ],
  schedule: { cron: '0 8 * * *' },
  cooldownHours: 48,
};

export function rulesLedgerScenarios(env: () => { server: E2eServer; context: BrowserContext }) {
  describe('rule editor with condition groups', () => {
    it('shows a nested group, edits a leaf in it, and the group and every leaf field survive the save', async () => {
      const { server, context } = env();
      const api = apiClient(server.url, await loginToken(server.url));
      const created = await api<{ id: string }>('POST', '/api/v1/rules', groupedRule);

      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/rules?rule=${created.id}`);
      const form = page.getByRole('form', { name: 'Rule editor' });
      await form.waitFor();
      const groups = form.getByTestId('condition-group');
      await expect(groups.count()).resolves.toBe(1);
      const group = groups.first();
      await expect(group.getByLabel('Group match').inputValue()).resolves.toBe('any');
      const leaves = group.getByTestId('condition');
      await expect(leaves.count()).resolves.toBe(2);
      // The previous-window comparison is shown as such, in percent.
      await expect(leaves.nth(1).getByLabel('Compare').inputValue()).resolves.toBe('previous_window');
      await expect(leaves.nth(1).getByLabel('Unit').inputValue()).resolves.toBe('percent');
      await expect(leaves.nth(1).getByLabel('Threshold').inputValue()).resolves.toBe('-20');
      await shoot(page, 'rule-editor-group');

      // A new group: filled to the API's limit of 20 conditions, then removed again.
      await form.getByRole('button', { name: '+ Add group' }).click();
      await expect(groups.count()).resolves.toBe(2);
      const added = groups.nth(1);
      const addLeaf = added.getByRole('button', { name: '+ Add condition to group' });
      for (let i = 1; i < 20; i++) await addLeaf.click();
      await expect(added.getByTestId('condition').count()).resolves.toBe(20);
      await expect(addLeaf.isDisabled()).resolves.toBe(true);
      await added.getByRole('button', { name: 'Remove group' }).click();
      await expect(groups.count()).resolves.toBe(1);

      // Edit the first leaf inside the group: a 28-day window and a ROAS threshold of 2.5.
      await leaves.first().getByLabel('Window').selectOption('28');
      await leaves.first().getByLabel('Threshold').fill('2.5');
      // A cron that fires too often: the server's 400 message is shown, nothing saved.
      const cron = form.getByLabel('Schedule (cron, UTC)');
      await cron.fill('* * * * *');
      await form.getByRole('button', { name: 'Save rule' }).click();
      await expect(form.getByRole('alert').textContent()).resolves.toMatch(
        /fires more often than every 15 minutes/,
      );
      await shoot(page, 'rule-editor-400');
      const unchanged = await api<typeof groupedRule>('GET', `/api/v1/rules/${created.id}`);
      expect(unchanged.conditions).toEqual(groupedRule.conditions);

      await cron.fill('0 8 * * *');
      const saved = page.waitForResponse(
        (r) => r.url().endsWith(`/api/v1/rules/${created.id}`) && r.request().method() === 'PATCH',
      );
      await form.getByRole('button', { name: 'Save rule' }).click();
      expect((await saved).status()).toBe(200);
      await expect(form.getByRole('alert').count()).resolves.toBe(0);
      await shoot(page, 'rule-editor-saved');

      const after = await api<typeof groupedRule>('GET', `/api/v1/rules/${created.id}`);
      expect(after.conditions).toEqual({
        match: 'all',
        conditions: [
          groupedRule.conditions.conditions[0],
          {
            match: 'any',
            conditions: [
              { metric: 'roas', window: { days: 28 }, op: '<', value: 2.5, unit: 'ratio' },
              {
                metric: 'ctr',
                window: { days: 7 },
                op: '<',
                value: -20,
                unit: 'percent',
                compare: 'previous_window',
              },
            ],
          },
        ],
      });
      expect(after.actions).toEqual(groupedRule.actions);
      expect(after.cooldownHours).toBe(48);
      expect(after.enabled).toBe(false);

      // A description: saved, shown in the list and in the editor after a reload. Emptied again, it
      // is sent as null and removed.
      const description = 'Spend up while ROAS or CTR falls: trim the budget by 5 a day';
      await form.getByLabel('Description (optional)').fill(description);
      const patched = () =>
        page.waitForResponse(
          (r) => r.url().endsWith(`/api/v1/rules/${created.id}`) && r.request().method() === 'PATCH',
        );
      const described = patched();
      await form.getByRole('button', { name: 'Save rule' }).click();
      expect((await described).request().postDataJSON()).toMatchObject({ description });
      await page.reload();
      await form.waitFor();
      await expect(form.getByLabel('Description (optional)').inputValue()).resolves.toBe(description);
      await page.getByRole('list', { name: 'Rules' }).getByText(description).waitFor();
      expect(
        (await api<{ description: string | null }>('GET', `/api/v1/rules/${created.id}`)).description,
      ).toBe(description);
      await form.getByLabel('Description (optional)').fill('');
      const cleared = patched();
      await form.getByRole('button', { name: 'Save rule' }).click();
      const res = await cleared;
      expect(res.request().postDataJSON()).toMatchObject({ description: null });
      expect(res.status()).toBe(200);
      expect(
        (await api<{ description: string | null }>('GET', `/api/v1/rules/${created.id}`)).description,
      ).toBeNull();
      await page.close();
    }, 120_000);

    it('sizes a budget change in percent or as an amount a day, and turns the notification after it on and off', async () => {
      const { server, context } = env();
      const api = apiClient(server.url, await loginToken(server.url));
      const created = await api<{ id: string }>('POST', '/api/v1/rules', {
        ...groupedRule,
        name: 'E2E sized rule',
        actions: [{ type: 'pause' }],
      });
      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/rules?rule=${created.id}`);
      const form = page.getByRole('form', { name: 'Rule editor' });
      await form.waitFor();
      const save = async () => {
        const saved = page.waitForResponse(
          (r) => r.url().endsWith(`/api/v1/rules/${created.id}`) && r.request().method() === 'PATCH',
        );
        await form.getByRole('button', { name: 'Save rule' }).click();
        expect((await saved).status()).toBe(200);
        return api<typeof groupedRule>('GET', `/api/v1/rules/${created.id}`);
      };
      await form.getByLabel('Then').selectOption('budget-increase');
      await form.getByLabel('Budget change size').fill('15');
      await form.getByLabel('Also notify').check();
      await form.getByLabel('Notify these emails').fill('a-e2e@example.com, b-e2e@example.com');
      await shoot(page, 'rule-editor-sized');
      expect((await save()).actions).toEqual([
        { type: 'budget', direction: 'increase', percent: 15 },
        { type: 'notify', emails: ['a-e2e@example.com', 'b-e2e@example.com'] },
      ]);
      // An amount a day instead, and no notification.
      await form.getByLabel('Budget change unit').selectOption('amount');
      await form.getByLabel('Budget change size').fill('12.5');
      await form.getByLabel('Also notify').uncheck();
      expect((await save()).actions).toEqual([
        { type: 'budget', direction: 'increase', amountMicros: 12_500_000 },
      ]);
      // Turned on and off from the editor's header (this rule was created off).
      const enabled = async () =>
        (await api<{ enabled: boolean }>('GET', `/api/v1/rules/${created.id}`)).enabled;
      expect(await enabled()).toBe(false);
      // A switch (role and state), worked from the keyboard too.
      const toggle = page.getByRole('switch', { name: 'Rule on' });
      expect(await toggle.getAttribute('aria-checked')).toBe('false');
      await toggle.focus();
      await page.keyboard.press('Space');
      await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('true');
      expect(await enabled()).toBe(true);
      await toggle.click();
      await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');
      expect(await enabled()).toBe(false);
      await page.close();
    }, 120_000);

    it('Evaluate now on a notify-only rule says who was notified, not that changes were proposed', async () => {
      const { server, context } = env();
      const api = apiClient(server.url, await loginToken(server.url));
      const created = await api<{ id: string }>('POST', '/api/v1/rules', {
        name: 'E2E notify-only rule',
        enabled: false,
        scope: { level: 'campaign' },
        conditions: {
          match: 'all',
          conditions: [{ metric: 'spend', window: { days: 7 }, op: '>', value: 0, unit: 'currency_micros' }],
        },
        actions: [{ type: 'notify', emails: ['notify-e2e@example.com'], message: 'Spending' }],
        schedule: { cron: '0 8 * * *' },
      });
      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/rules?rule=${created.id}`);
      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Evaluate now', exact: true }).click();
      const notice = page.getByText('Notified notify-e2e@example.com');
      await notice.waitFor({ timeout: 60_000 });
      const text = (await notice.textContent()) ?? '';
      expect(text).toMatch(/\d+ matched/);
      expect(text).not.toContain('proposed');
      await page.close();
    }, 120_000);

    it('a new rule from the editor is saved switched off', async () => {
      const { server, context } = env();
      const api = apiClient(server.url, await loginToken(server.url));
      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/rules?rule=new`);
      const created = page.waitForResponse(
        (r) => r.url().endsWith('/api/v1/rules') && r.request().method() === 'POST',
      );
      await page.getByRole('button', { name: 'Save rule' }).click();
      const res = await created;
      expect(res.status()).toBe(201);
      const { id } = (await res.json()) as { id: string };
      expect((await api<{ enabled: boolean }>('GET', `/api/v1/rules/${id}`)).enabled).toBe(false);
      // The page says it was saved turned off, and offers Turn on as a button.
      const state = page.getByTestId('rule-state');
      await state.getByText('Rule saved, turned off.').waitFor();
      expect(await page.getByRole('switch', { name: 'Rule on' }).getAttribute('aria-checked')).toBe('false');
      await shoot(page, 'rule-saved-off');
      await state.getByRole('button', { name: 'Turn on', exact: true }).click();
      await state.getByText('Rule saved; it is on.').waitFor();
      expect((await api<{ enabled: boolean }>('GET', `/api/v1/rules/${id}`)).enabled).toBe(true);
      expect(await page.getByRole('switch', { name: 'Rule on' }).getAttribute('aria-checked')).toBe('true');
      await shoot(page, 'rule-saved-on');
      await api('DELETE', `/api/v1/rules/${id}`);
      await page.close();
    }, 120_000);
  });

  describe('ledger entry page', () => {
    it('opens an applied change from the ledger list, in full, and says not found for other ids', async () => {
      const { server, context } = env();
      const api = apiClient(server.url, await loginToken(server.url));
      const clients = await api<{ items: Array<{ id: string; name: string }> }>('GET', '/api/v1/clients');
      const peak = clients.items.find((c) => c.name === 'Peak Fitness');
      const campaigns = await api<{
        items: Array<{ id: string; name: string; clientId: string; dailyBudgetMicros: number }>;
      }>('GET', `/api/v1/campaigns?clientId=${peak?.id}&limit=200`);
      const campaign = campaigns.items.find((c) => c.dailyBudgetMicros > 0);
      if (!campaign) throw new Error('no Peak Fitness campaign with a budget');
      const { proposal } = await api<{ proposal: { id: string; status: string } }>(
        'POST',
        '/api/v1/actions',
        {
          kind: 'budget_change',
          campaignId: campaign.id,
          percent: 10,
        },
      );
      if (proposal.status === 'pending_approval')
        await api('POST', `/api/v1/actions/${proposal.id}/approve`, {});
      let applied = { status: proposal.status, appliedActionId: null as string | null };
      for (let i = 0; i < 60; i++) {
        applied = await api('GET', `/api/v1/actions/${proposal.id}`);
        if (applied.status === 'applied') break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(applied.status).toBe('applied');

      // The nightly ledger job's code, on the demo's database. The write-back is dated 20 days back
      // first, so that both horizons have days of data after it and the real estimator scores them
      // on the demo's metrics (which this change did not shape: the verdict is whatever they say).
      const storage = createStorage({ dialect: 'sqlite', file: path.join(server.dataDir, 'omnify.sqlite') });
      try {
        const back = new Date(Date.now() - 20 * 86_400_000).toISOString();
        const moved = await storage.db
          .updateTable('write_actions')
          .set({ applied_at: back })
          .where('id', '=', applied.appliedActionId ?? '')
          .executeTakeFirst();
        expect(Number(moved.numUpdatedRows)).toBe(1);
        const r = await runLedger({ storage, ledger: createLedger({ storage, clock: systemClock }) });
        expect(r.recorded).toBeGreaterThanOrEqual(1);
      } finally {
        await storage.close();
      }
      const list = await api<{
        items: Array<{
          id: string;
          proposalId: string | null;
          verdict: string;
          scores: Array<{ horizonDays: number; verdict: string; reason: string }>;
        }>;
      }>('GET', `/api/v1/ledger?entityId=${campaign.id}`);
      const entry = list.items.find((e) => e.proposalId === proposal.id);
      if (!entry) throw new Error('the applied change is not in the ledger');

      const page = await signedInPage(context, server.url);
      await page.getByRole('link', { name: 'Change ledger', exact: true }).click();
      await page.getByRole('heading', { name: 'Change ledger' }).waitFor();
      await page
        .getByRole('link', { name: /^Open ledger entry: / })
        .first()
        .waitFor();
      await shoot(page, 'ledger-list');
      await page
        .getByRole('link', { name: new RegExp(`^Open ledger entry: .*${campaign.id}$`) })
        .first()
        .click();
      await page.waitForURL(new RegExp(`/ledger/${entry.id}$`));
      await page
        .getByRole('heading', { name: `Budget change +10.0% on campaign ${campaign.name}`, exact: true })
        .waitFor();
      const facts = page.getByRole('definition');
      await facts.getByRole('link', { name: 'Peak Fitness' }).waitFor();
      await expect(
        page.getByRole('link', { name: `${campaign.name} ${campaign.id}`, exact: true }).getAttribute('href'),
      ).resolves.toBe(`/campaigns/${campaign.id}`);
      await page.getByRole('link', { name: proposal.id }).waitFor();
      await page.getByText(entry.id, { exact: true }).waitFor();
      const table = page.getByRole('table', { name: 'Before and after' });
      const budgetRow = table.getByRole('row').filter({ hasText: 'dailyBudgetMicros' });
      await budgetRow.waitFor();
      const cells = await budgetRow.getByRole('cell').allTextContents();
      const figure = (s: string | undefined) => Number((s ?? '').replace(/[^\d.]/g, ''));
      expect(figure(cells[2]) / figure(cells[1])).toBeCloseTo(1.1, 2);
      // Each horizon the server scored is shown with its verdict and reason.
      expect(entry.scores.map((x) => x.horizonDays)).toEqual([7, 14]);
      for (const score of entry.scores) {
        const card = page.getByRole('article', { name: `${score.horizonDays}-day score` });
        await card.getByText(score.reason, { exact: true }).waitFor();
        await expect(card.getByText(score.verdict, { exact: true }).count()).resolves.toBeGreaterThan(0);
      }
      await shoot(page, 'ledger-entry');

      // A made-up id, and this entry seen from another organization: not found, nothing shown.
      await page.goto(`${server.url}/ledger/led_doesnotexist`);
      await expect(page.getByRole('alert').textContent()).resolves.toContain('Ledger entry not found');
      await shoot(page, 'ledger-not-found');
      await page.close();

      const other = { email: 'ledger-other-e2e@example.com', password: 'other-agency-password' };
      const reg = await fetch(`${server.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...other, name: 'Otto Other', organizationName: 'Other Agency' }),
      });
      expect(reg.status).toBe(201);
      const outsider = await signedInPage(context, server.url, other);
      await outsider.goto(`${server.url}/ledger/${entry.id}`);
      await expect(outsider.getByRole('alert').textContent()).resolves.toContain('Ledger entry not found');
      expect(await outsider.getByText('Peak Fitness').count()).toBe(0);
      await outsider.close();
    }, 180_000);
  });

  describe('lists longer than one API page', () => {
    it('an agency with more rules than one page sees them all, and a link to the oldest opens it', async () => {
      // The Rules page asked for the first 100 rules: the 101st was missing from the list, and a
      // link to it (from the audit log, /rules?rule=…) opened nothing. The API pages by 200 at most.
      const { server, context } = env();
      const token = await loginToken(server.url);
      const api = apiClient(server.url, token);
      const ids: string[] = [];
      for (let i = 1; i <= 210; i++) {
        const n = String(i).padStart(3, '0');
        const r = await api<{ id: string }>('POST', '/api/v1/rules', {
          ...groupedRule,
          name: `Bulk rule ${n}`,
          actions: [groupedRule.actions[0]],
        });
        ids.push(r.id);
      }
      try {
        const page = await signedInPage(context, server.url);
        await page.goto(`${server.url}/rules?rule=${ids[0]}`);
        // The oldest rule (the API lists newest first) opens in the editor.
        const form = page.getByRole('form', { name: 'Rule editor' });
        await form.waitFor();
        await page.getByRole('heading', { name: 'Bulk rule 001' }).waitFor();
        const list = page.getByRole('list', { name: 'Rules' });
        await expect(list.getByText(/^Bulk rule \d{3}$/).count()).resolves.toBe(210);
        await page.close();
      } finally {
        for (const id of ids) {
          const res = await fetch(`${server.url}/api/v1/rules/${id}`, {
            method: 'DELETE',
            headers: { authorization: `Bearer ${token}` },
          });
          expect(res.status).toBe(204);
        }
      }
    }, 240_000);
  });
}
