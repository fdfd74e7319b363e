/**
 * Three automation pages of the agency dashboard in Chromium, against the demo.
 * Workflows: a workflow is disabled (its Run now with it), enabled again, run (the run's steps open),
 * and deleted only once the confirmation is accepted; one is created from the campaign launch
 * template and run with a campaign picked by name (labels from the template's schema, not field
 * names); a change the API refuses (the workflow was deleted in another tab) shows the API's
 * message and code.
 * Agents: each of the seven agents runs with the input the page starts with (a client picked for the
 * client agent, an example goal for the workflow agent), and an input the API refuses shows the
 * field the API named with its message.
 * Approvals: a rule's proposal shows money in the campaign's currency (summary, reason, monthly
 * impact) and its dates, never micros or raw decimals; a workflow run waiting at an approval step
 * is listed (workflow, question, who started it) and approving it there lets the run go on.
 * Registered by dashboard.e2e.test.ts. With OMNIFY_E2E_SHOTS set to a folder, screenshots go there.
 */
import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type E2eServer, fitsWidth, loginToken, shoot, signedInPage } from './harness.ts';

function client(url: string, token: string) {
  return async <T>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${url}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (res.status === 204 ? null : await res.json()) as T };
  };
}

const moneyIn = (micros: number, currency: string) =>
  new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency,
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(micros / 1e6);

export function automationScenarios(env: () => { server: E2eServer; context: BrowserContext }) {
  describe('workflows page: disable, enable, delete', () => {
    it('disables and enables a workflow, runs it, and deletes it only after the confirmation', async () => {
      const { server, context } = env();
      const api = client(server.url, await loginToken(server.url));
      const created = await api<{ workflow: { id: string; name: string } }>('POST', '/api/v1/workflows', {
        templateId: 'monthly_reporting',
        variables: { notifyEmail: 'reports-e2e@example.com' },
      });
      expect(created.status).toBe(201);
      const id = created.body.workflow.id;
      const enabled = async () =>
        (await api<{ enabled: boolean }>('GET', `/api/v1/workflows/${id}`)).body.enabled;

      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/workflows`);
      // Newest first: the one just made is the first card of that name.
      const card = page.getByRole('region', { name: `Workflow ${created.body.workflow.name}` }).first();
      await card.getByRole('button', { name: 'Disable', exact: true }).click();
      await card.getByRole('button', { name: 'Enable', exact: true }).waitFor();
      expect(await enabled()).toBe(false);
      await card.getByText('disabled', { exact: true }).waitFor();
      expect(await card.getByRole('button', { name: 'Run now', exact: true }).isDisabled()).toBe(true);
      await shoot(page, 'workflow-disabled');

      await card.getByRole('button', { name: 'Enable', exact: true }).click();
      await card.getByRole('button', { name: 'Disable', exact: true }).waitFor();
      expect(await enabled()).toBe(true);
      // A manual run opens its step timeline at once.
      await card.getByRole('button', { name: 'Run now', exact: true }).click();
      await card.locator('button[aria-current="true"]').waitFor();
      const runs = await api<{ items: unknown[] }>('GET', `/api/v1/workflows/${id}/runs`);
      expect(runs.body.items).toHaveLength(1);

      // Dismissed: nothing is deleted. Accepted: gone from the API and the page.
      let asked = '';
      page.once('dialog', (d) => {
        asked = d.message();
        void d.dismiss();
      });
      await card.getByRole('button', { name: 'Delete', exact: true }).click();
      await expect.poll(() => asked).toContain('Delete the workflow');
      expect((await api('GET', `/api/v1/workflows/${id}`)).status).toBe(200);
      const before = await page.getByRole('region', { name: /^Workflow / }).count();
      page.once('dialog', (d) => void d.accept());
      await card.getByRole('button', { name: 'Delete', exact: true }).click();
      await expect.poll(() => page.getByRole('region', { name: /^Workflow / }).count()).toBe(before - 1);
      expect((await api('GET', `/api/v1/workflows/${id}`)).status).toBe(404);
      await page.close();
    }, 180_000);

    it('creates a workflow from the campaign launch template, picks the campaign by name, and runs it', async () => {
      const { server, context } = env();
      const api = client(server.url, await loginToken(server.url));
      const [campaigns, clients] = await Promise.all([
        api<{ items: Array<{ id: string; name: string; clientId: string | null }> }>(
          'GET',
          '/api/v1/campaigns?limit=200',
        ),
        api<{ items: Array<{ id: string; name: string }> }>('GET', '/api/v1/clients?limit=200'),
      ]);
      // A campaign whose name no other campaign shares, found by typing part of it.
      const target = campaigns.body.items.find(
        (c) => campaigns.body.items.filter((x) => x.name === c.name).length === 1,
      );
      if (!target) throw new Error('the demo has no campaign with a unique name');
      const clientName = clients.body.items.find((c) => c.id === target.clientId)?.name ?? 'No client';
      const before = new Set(
        (await api<{ items: Array<{ id: string }> }>('GET', '/api/v1/workflows?limit=200')).body.items.map(
          (w) => w.id,
        ),
      );

      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/workflows`);
      // Created from the template's card: its variable has a label and a hint, not its name.
      const template = page
        .getByRole('listitem')
        .filter({ has: page.getByText('Campaign launch', { exact: true }) });
      await template.getByRole('button', { name: 'Use template' }).click();
      const create = page.getByRole('form', { name: 'Create from Campaign launch' });
      await create.getByText('Who hears about the launch').waitFor();
      expect(await create.getByLabel('notifyEmail').count()).toBe(0);
      await create.getByLabel('Email for the launch notice').fill('launch-e2e@example.com');
      await shoot(page, 'workflow-template-form');
      await create.getByRole('button', { name: 'Create workflow' }).click();
      await create.waitFor({ state: 'detached' });
      const made = (
        await api<{ items: Array<{ id: string; name: string; templateId: string | null }> }>(
          'GET',
          '/api/v1/workflows?limit=200',
        )
      ).body.items.filter((w) => !before.has(w.id));
      expect(made.map((w) => w.templateId)).toEqual(['campaign_launch']);
      const wf = made[0] as { id: string; name: string };
      const id = wf.id;

      const card = page.getByRole('region', { name: `Workflow ${wf.name}` }).first();
      await card.getByRole('button', { name: 'Run now', exact: true }).click();
      const form = card.getByRole('form', { name: `Run ${wf.name}` });
      // Labels and hints from the template's run input schema, not the steps' internal names.
      await form.getByText('The campaign to launch').waitFor();
      expect(await form.getByLabel('campaignId').count()).toBe(0);
      const search = form.getByLabel('Campaign', { exact: true });
      const part = target.name.slice(0, Math.max(4, Math.ceil(target.name.length / 2))).toLowerCase();
      await search.fill(part);
      const match = form.getByRole('option').filter({ has: page.getByText(target.name, { exact: true }) });
      await match.waitFor();
      // Each match says whose campaign it is and on which platform.
      await expect(match.textContent()).resolves.toContain(clientName);
      await expect(match.textContent()).resolves.toMatch(/Google Ads|Meta|LinkedIn|Simulator/);
      await shoot(page, 'workflow-campaign-search');
      // On a 390 px phone long campaign names are cut, not pushing the form past the screen.
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await fitsWidth(page)).toBe(true);
      await shoot(page, 'workflow-campaign-search-390');
      await page.setViewportSize({ width: 1280, height: 860 });
      // Typed text is not a campaign: the form is not sent until one is chosen.
      await form.getByRole('button', { name: 'Start run' }).click();
      expect(await search.evaluate((el: HTMLInputElement) => el.validationMessage)).toBe(
        'Choose a campaign from the list',
      );
      expect(
        (await api<{ items: unknown[] }>('GET', `/api/v1/workflows/${id}/runs`)).body.items,
      ).toHaveLength(0);
      await match.click();
      const chosen = form.getByTestId('chosen-campaign');
      await chosen.getByText(target.name, { exact: true }).waitFor();
      await expect(chosen.textContent()).resolves.toContain(clientName);
      // The budget change starts at the template's default (0) and is a number in the run's input.
      const budget = form.getByLabel('Budget change at launch (%)');
      expect(await budget.inputValue()).toBe('0');
      await budget.fill('10');
      await shoot(page, 'workflow-run-form');
      await page.setViewportSize({ width: 390, height: 844 });
      // On a phone the form fits the screen: nothing scrolls sideways.
      expect(await fitsWidth(page)).toBe(true);
      await shoot(page, 'workflow-run-form-390');
      await page.setViewportSize({ width: 1280, height: 860 });
      await form.getByRole('button', { name: 'Start run' }).click();
      await card.locator('button[aria-current="true"]').waitFor();
      const runs = await api<{ items: Array<{ id: string; trigger: { payload: unknown } }> }>(
        'GET',
        `/api/v1/workflows/${id}/runs`,
      );
      expect(runs.body.items).toHaveLength(1);
      expect(runs.body.items[0]?.trigger.payload).toEqual({ campaignId: target.id, budgetChangePercent: 10 });
      // The run is in the card's history, and the launch waits for a person: the step says what it
      // asks, and Approve lets the run go on.
      await card.locator('button[aria-current="true"]').getByText('Manual').waitFor();
      const decision = card.getByTestId('step-decision');
      await decision.waitFor({ timeout: 60_000 });
      // The approver reads the campaign's name and the forecast as money, not its id and micros.
      await decision.getByText(`Launch campaign "${target.name}"?`, { exact: false }).waitFor();
      await expect(decision.textContent()).resolves.toMatch(
        /Forecast spend over the next 14 days: [^\d\s]{1,3}[\d,]+\.\d{2}\. Daily budget change at launch: 10%\./,
      );
      expect(await decision.textContent()).not.toContain(target.id);
      await decision.getByRole('button', { name: 'Approve step' }).click();
      const executionId = runs.body.items[0]?.id as string;
      await expect
        .poll(
          async () =>
            (
              await api<{ steps: Array<{ stepId: string; status: string }> }>(
                'GET',
                `/api/v1/workflows/executions/${executionId}`,
              )
            ).body.steps.find((st) => st.stepId === 'approve_launch')?.status,
          { timeout: 30_000 },
        )
        .toBe('succeeded');
      await api('DELETE', `/api/v1/workflows/${id}`);
      await page.close();
    }, 180_000);

    it("shows the API's message and code when a change is refused", async () => {
      const { server, context } = env();
      const api = client(server.url, await loginToken(server.url));
      const created = await api<{ workflow: { id: string } }>('POST', '/api/v1/workflows', {
        name: 'E2E stale workflow',
        steps: [
          { id: 'tell', type: 'notify', config: { to: ['ops-e2e@example.com'], subject: 'Hi', body: 'Hi' } },
        ],
      });
      expect(created.status).toBe(201);
      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/workflows`);
      const card = page.getByRole('region', { name: 'Workflow E2E stale workflow' });
      await card.getByRole('button', { name: 'Disable', exact: true }).waitFor();
      // Deleted elsewhere while this page is open: the next change is a 404 the page explains.
      expect((await api('DELETE', `/api/v1/workflows/${created.body.workflow.id}`)).status).toBe(204);
      await card.getByRole('button', { name: 'Disable', exact: true }).click();
      const alert = card.getByRole('alert');
      await alert.waitFor();
      await expect(alert.textContent()).resolves.toMatch(/not found.*not_found/i);
      await page.close();
    }, 120_000);
  });

  describe('agents page: default input and refused runs', () => {
    it('runs each of the seven agents with the input the page starts with', async () => {
      const { server, context } = env();
      const page = await signedInPage(context, server.url);
      const agents: Array<[string, string]> = [
        ['analytics', 'Analytics'],
        ['client_management', 'Client Management'],
        ['compliance', 'Compliance'],
        ['creative_intelligence', 'Creative Intelligence'],
        ['marketing_automation', 'Marketing Automation'],
        ['performance_optimization', 'Performance Optimization'],
        ['workflow_orchestration', 'Workflow Orchestration'],
      ];
      for (const [kind, name] of agents) {
        await page.goto(`${server.url}/agents?agent=${kind}`);
        await page.getByRole('heading', { name, exact: true }).waitFor();
        if (name === 'Client Management') {
          // One client per run: there is no "whole organization" choice, and a client is picked.
          const select = page.getByLabel('Client for this run');
          await expect.poll(() => select.inputValue()).toMatch(/^cli_/);
          expect(await select.locator('option', { hasText: 'Whole organization' }).count()).toBe(0);
        }
        if (name === 'Analytics') await shoot(page, 'agent-analytics-form');
        if (name === 'Workflow Orchestration')
          expect((await page.getByRole('textbox', { name: /^Goal/ }).inputValue()).length).toBeGreaterThan(3);
        await page.getByRole('button', { name: 'Run agent' }).click();
        const out = page.locator('[data-testid="agent-output"]');
        await out.waitFor({ timeout: 90_000 });
        await expect
          .poll(() => out.getAttribute('data-status'), { timeout: 90_000 })
          .toMatch(/succeeded|failed/);
        expect({ name, status: await out.getAttribute('data-status') }).toEqual({
          name,
          status: 'succeeded',
        });
        expect(await page.getByRole('alert').count()).toBe(0);
      }
      await page.close();
    }, 300_000);

    it('shows the field the API refused and its message', async () => {
      const { server, context } = env();
      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/agents?agent=compliance`);
      await page.getByRole('heading', { name: 'Compliance' }).waitFor();
      await page.getByLabel('Input (JSON)').fill('{"days": 0}');
      await page.getByRole('button', { name: 'Run agent' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      const problems = alert.getByRole('list', { name: 'Problems with the input' });
      await expect(problems.textContent()).resolves.toMatch(/days: Too small/);
      await expect(alert.textContent()).resolves.toContain('invalid_input');
      // Said once: the message repeats the first issue, so the list stands in for it.
      expect((await alert.textContent())?.match(/Too small/g)).toHaveLength(1);
      await shoot(page, 'agent-refused');
      await page.close();
    }, 120_000);
  });

  describe('approvals page: workflow runs waiting for approval', () => {
    it('lists a workflow run waiting at an approval step, and approving it there (confirmed, with a comment) lets the run go on', async () => {
      const { server, context } = env();
      const api = client(server.url, await loginToken(server.url));
      const me = await api<{ user: { name: string } }>('GET', '/api/v1/me');
      const created = await api<{ workflow: { id: string } }>('POST', '/api/v1/workflows', {
        name: 'E2E gated workflow',
        steps: [
          {
            id: 'sign_off',
            type: 'approval_wait',
            config: { message: 'Send the {{trigger.what}} to the client?' },
          },
          {
            id: 'check',
            type: 'condition',
            dependsOn: ['sign_off'],
            config: { op: 'truthy' },
            input: { left: '{{steps.sign_off.output.approved}}' },
          },
        ],
      });
      expect(created.status).toBe(201);
      const wfId = created.body.workflow.id;
      const started = await api<{ executionId: string }>('POST', `/api/v1/workflows/${wfId}/runs`, {
        input: { what: 'November report' },
      });
      expect(started.status).toBe(202);
      const execution = async () =>
        (await api<{ status: string }>('GET', `/api/v1/workflows/executions/${started.body.executionId}`))
          .body.status;
      await expect.poll(execution, { timeout: 30_000 }).toBe('waiting_approval');

      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/approvals`);
      const row = page.getByTestId('workflow-approval').filter({ hasText: 'E2E gated workflow' });
      await row.waitFor();
      // The workflow, the step's question, who started the run and when.
      await row.getByText('Send the November report to the client?').waitFor();
      await expect(row.getByTestId('workflow-approval-started').textContent()).resolves.toMatch(
        new RegExp(
          `^Run started by ${me.body.user.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · (just now|\\d+ min ago)$`,
        ),
      );
      await shoot(page, 'approvals-workflow-wait');
      // Approve asks first, like a proposal: the dialog restates the step's question and takes a comment.
      await row.getByRole('button', { name: 'Approve…', exact: true }).click();
      const dialog = page.getByRole('alertdialog');
      await expect(dialog.getByTestId('confirm-summary').textContent()).resolves.toBe(
        'Send the November report to the client?',
      );
      await dialog.getByText('E2E gated workflow', { exact: true }).waitFor();
      // Cancel leaves the run waiting.
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
      expect(await execution()).toBe('waiting_approval');
      await row.getByRole('button', { name: 'Approve…', exact: true }).click();
      await dialog.getByLabel('Comment (optional, kept with your approval)').fill('Checked the figures');
      await dialog.getByRole('button', { name: 'Approve and continue the run' }).click();
      await row.waitFor({ state: 'detached' });
      await expect.poll(execution, { timeout: 30_000 }).toBe('succeeded');
      const listed = await api<{ items: Array<{ executionId: string }> }>(
        'GET',
        '/api/v1/workflows/approvals',
      );
      expect(listed.body.items.map((i) => i.executionId)).not.toContain(started.body.executionId);
      // The comment is kept with the approval.
      const done = await api<{
        steps: Array<{ stepId: string; output: { approvals?: Array<{ comment: string | null }> } }>;
      }>('GET', `/api/v1/workflows/executions/${started.body.executionId}`);
      expect(done.body.steps.find((st) => st.stepId === 'sign_off')?.output.approvals).toMatchObject([
        { comment: 'Checked the figures' },
      ]);
      await api('DELETE', `/api/v1/workflows/${wfId}`);
      await page.close();
    }, 120_000);
  });

  describe('approvals page: formatted proposals', () => {
    it("shows a rule's proposal with money in the campaign's currency and its dates", async () => {
      const { server, context } = env();
      const api = client(server.url, await loginToken(server.url));
      const campaigns = await api<{
        items: Array<{ id: string; name: string; status: string; dailyBudgetMicros: number | null }>;
      }>('GET', '/api/v1/campaigns?limit=200');
      // A campaign no other scenario changes: the last active one with a budget.
      const campaign = campaigns.body.items
        .filter((c) => c.status === 'active' && c.dailyBudgetMicros)
        .at(-1);
      if (!campaign) throw new Error('no active campaign with a budget');
      const rule = await api<{ id: string }>('POST', '/api/v1/rules', {
        name: 'E2E formatted reason',
        enabled: false,
        scope: { level: 'campaign', entityIds: [campaign.id] },
        conditions: {
          match: 'all',
          conditions: [
            { metric: 'spend', window: { days: 7 }, op: '>=', value: 1_000_000, unit: 'currency_micros' },
          ],
        },
        // 60% is above the 20% a day allowed without approval: it waits in Approvals.
        actions: [{ type: 'budget', direction: 'increase', percent: 60 }],
        schedule: { cron: '0 8 * * *' },
        cooldownHours: 48,
      });
      expect(rule.status).toBe(201);
      const run = await api<{ entities: Array<{ actions: Array<{ proposalId: string | null }> }> }>(
        'POST',
        `/api/v1/rules/${rule.body.id}/run`,
      );
      const proposalId = run.body.entities[0]?.actions[0]?.proposalId;
      if (!proposalId) throw new Error(`the rule proposed nothing: ${JSON.stringify(run.body)}`);
      const p = (
        await api<{
          status: string;
          before: { dailyBudgetMicros: number };
          after: { dailyBudgetMicros: number };
          expectedImpact: { currency: string; monthlyBudgetDeltaMicros: number };
        }>('GET', `/api/v1/actions/${proposalId}`)
      ).body;
      expect(p.status).toBe('pending_approval');
      const cur = p.expectedImpact.currency;

      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/approvals`);
      const row = page.getByTestId('proposal').filter({ hasText: 'E2E formatted reason' });
      await row.waitFor();
      const text = (await row.textContent()) ?? '';
      await shoot(page, 'approvals-formatted');
      // The summary (written by the server) and the reason name amounts in the currency.
      expect(text).toContain(
        `Raise the daily budget of campaign "${campaign.name}" from ${moneyIn(p.before.dailyBudgetMicros, cur)} to ${moneyIn(p.after.dailyBudgetMicros, cur)}`,
      );
      const symbol = moneyIn(0, cur).replace(/[\d.,\s]/g, '');
      expect(text).toContain(`spend 7d = ${symbol}`);
      expect(text).toMatch(/spend 7d = \D*[\d,]+\.\d\d \(>= /);
      expect(text).toContain(`(>= ${moneyIn(1_000_000, cur)})`);
      // No micros, no unit names: ids (prefix_ and 26 characters) aside, no run of 7 digits.
      expect(text).not.toContain('currency_micros');
      expect(text.replace(/\b[a-z]{3}_[0-9a-z]{26}\b/g, '')).not.toMatch(/\d{7,}/);
      // The monthly impact comes from the structured fields, formatted by the page.
      await expect(row.getByTestId('impact').textContent()).resolves.toContain(' a month');
      expect(text).toMatch(/proposed [A-Z][a-z]{2} \d{1,2}, \d{2}:\d{2} (AM|PM) · expires /);

      // Approve asks first, restating the change; from the keyboard, Escape leaves it pending.
      const status = async () =>
        (
          await api<{ status: string; decisionComment: string | null }>(
            'GET',
            `/api/v1/actions/${proposalId}`,
          )
        ).body;
      const summary = `Raise the daily budget of campaign "${campaign.name}" from ${moneyIn(p.before.dailyBudgetMicros, cur)} to ${moneyIn(p.after.dailyBudgetMicros, cur)}`;
      await row.getByRole('button', { name: 'Approve…' }).focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('alertdialog', { name: 'Approve this change?' });
      await dialog.waitFor();
      expect(await dialog.getByTestId('confirm-summary').textContent()).toContain(summary);
      await dialog.getByText('Approving applies this change on the ad platform at once.').waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect((await status()).status).toBe('pending_approval');
      await row.getByRole('button', { name: 'Approve…' }).click();
      await dialog.getByLabel(/Comment/).fill('E2E: checked the budget');
      await shoot(page, 'approvals-confirm-approve');
      await dialog.getByRole('button', { name: 'Approve and apply' }).click();
      await expect.poll(async () => (await status()).status, { timeout: 60_000 }).toBe('applied');
      expect((await status()).decisionComment).toBe('E2E: checked the budget');
      const budget = async () =>
        (await api<{ dailyBudgetMicros: number }>('GET', `/api/v1/campaigns/${campaign.id}`)).body
          .dailyBudgetMicros;
      expect(await budget()).toBe(p.after.dailyBudgetMicros);

      // Revert asks too, and says it puts the campaign back on the platform.
      await page.goto(`${server.url}/approvals?status=applied`);
      const applied = page.getByTestId('proposal').filter({ hasText: 'E2E formatted reason' });
      await applied.getByRole('button', { name: 'Revert…' }).click();
      const undo = page.getByRole('alertdialog', { name: 'Revert this change?' });
      expect(await undo.getByTestId('confirm-summary').textContent()).toContain(summary);
      await undo.getByText('Reverting puts the campaign back as it was before this change').waitFor();
      await shoot(page, 'approvals-confirm-revert');
      await undo.getByRole('button', { name: 'Cancel' }).click();
      expect((await status()).status).toBe('applied');
      await applied.getByRole('button', { name: 'Revert…' }).click();
      await undo.getByLabel(/Reason/).fill('E2E: the client kept the old budget');
      await undo.getByRole('button', { name: 'Revert on the platform' }).click();
      await expect.poll(async () => (await status()).status, { timeout: 60_000 }).toBe('reverted');
      expect(await budget()).toBe(p.before.dailyBudgetMicros);
      // The reason is read in the audit log.
      const trail = await api<{ items: Array<{ metadata: { comment?: string } }> }>(
        'GET',
        `/api/v1/audit?action=proposals.reverted&targetId=${proposalId}`,
      );
      expect(trail.body.items[0]?.metadata.comment).toBe('E2E: the client kept the old budget');
      await page.close();
    }, 120_000);

    it("shows a pause's spend as the server words it: its 7-day average up to the day it ends on", async () => {
      const { server, context } = env();
      const api = client(server.url, await loginToken(server.url));
      const ads = await api<{ items: Array<{ id: string; name: string; status: string }> }>(
        'GET',
        '/api/v1/ads?limit=200',
      );
      // An active ad near the end of the list (a pause of one ad changes no other scenario's campaign).
      const ad = ads.body.items.filter((a) => a.status === 'active').at(-1);
      if (!ad) throw new Error('no active ad');
      const made = await api<{
        proposal: { id: string; status: string; expectedImpact: { summary: string } };
      }>('POST', '/api/v1/actions', { kind: 'pause', adId: ad.id, reason: 'E2E pause average' });
      expect(made.status).toBe(201);
      const { proposal } = made.body;
      // The server names the last day of the 7 (a date), and the page shows that, not its own words.
      expect(proposal.expectedImpact.summary).toMatch(/\(its 7-day average up to \d{4}-\d{2}-\d{2}\)/);
      try {
        const page = await signedInPage(context, server.url);
        await page.goto(`${server.url}/approvals?status=all`);
        const row = page.getByTestId('proposal').filter({ hasText: 'E2E pause average' }).first();
        await row.waitFor({ timeout: 60_000 });
        const text = (await row.textContent()) ?? '';
        const summary = proposal.expectedImpact.summary;
        expect(text).toContain(summary.charAt(0).toUpperCase() + summary.slice(1));
        // Said once, with its date: no second, dateless "(its 7-day average)" on the impact line.
        expect(text.match(/7-day average/g)?.length).toBe(1);
        expect(await row.getByTestId('impact').textContent()).toMatch(/^Spend [-−]\D*[\d,.]+ a day/);
        await shoot(page, 'approvals-pause-average');
        await page.close();
      } finally {
        // Leave the ad as it was for the other scenarios.
        if (proposal.status === 'applied') await api('POST', `/api/v1/actions/${proposal.id}/revert`, {});
        else if (proposal.status === 'pending_approval')
          await api('POST', `/api/v1/actions/${proposal.id}/reject`, {});
      }
    }, 120_000);
  });
}
