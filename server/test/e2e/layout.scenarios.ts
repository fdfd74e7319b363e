/**
 * Layout at the two widths a reviewer checks: a 390 px phone (iPhone-size) for the client portal, and
 * a 1280 px desktop for the Audit, Write-backs and Predictions screens. What is asserted is what a
 * person sees: the page does not scroll sideways, and no text is cut off without a way to read it
 * (a cell cut with an ellipsis carries the whole value as its tooltip; nothing spills out of its box,
 * and at 1280 px no table hides columns behind a sideways scroll). Registered by dashboard.e2e.test.ts.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_PORTAL_PASSWORD } from '../../src/main/demo.ts';
import { type E2eServer, loginToken, signedInPage } from './harness.ts';

/**
 * What under `root` is cut off for its reader: a box whose content is wider than the box itself,
 * unless it is a visually hidden label (sr-only), an ellipsis whose tooltip holds the whole text, or,
 * with `scrollers: 'allowed'`, a container the reader can scroll sideways.
 */
async function cutOff(root: Locator, scrollers: 'allowed' | 'forbidden'): Promise<string[]> {
  return root.evaluate((el, allowScroll) => {
    const out: string[] = [];
    for (const e of [el, ...Array.from(el.querySelectorAll('*'))]) {
      // Not laid out, or a visually hidden label (sr-only: a 1 px box).
      if (!(e instanceof HTMLElement) || e.clientWidth <= 1) continue;
      if (e.scrollWidth <= e.clientWidth + 1) continue;
      const cs = getComputedStyle(e);
      const text = (e.textContent ?? '').trim();
      const what = `<${e.tagName.toLowerCase()}> "${text.slice(0, 70)}" (${e.scrollWidth} px in ${e.clientWidth} px)`;
      if (cs.overflowX === 'auto' || cs.overflowX === 'scroll') {
        if (!allowScroll) out.push(`scrolls sideways: ${what}`);
      } else if (cs.overflowX === 'hidden' || cs.overflowX === 'clip') {
        if (!(e.getAttribute('title') ?? '').includes(text)) out.push(`cut without a tooltip: ${what}`);
      } else out.push(`spills out of its box: ${what}`);
    }
    return out;
  }, scrollers === 'allowed');
}

const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

/** The element lies within the viewport's width: on screen without scrolling sideways. */
async function inView(page: Page, l: Locator): Promise<boolean> {
  const box = await l.boundingBox();
  const width = page.viewportSize()?.width ?? 0;
  return box !== null && box.x >= 0 && box.x + box.width <= width + 0.5;
}

/** Signed in at 1280 × 800, the desktop width these checks are about. */
async function desktopPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await signedInPage(context, url);
  await page.setViewportSize({ width: 1280, height: 800 });
  return page;
}

export function layoutScenarios(env: () => { server: E2eServer; context: BrowserContext }) {
  describe('layout on a phone and at 1280 px', () => {
    it('the client portal fits a 390 px phone: report and dashboard without sideways scrolling', async () => {
      const { server, context } = env();
      const page = await context.newPage();
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${server.url}/portal/bright-smile-dental/login`);
      await page.getByLabel('Email').fill('portal@brightsmile.example');
      await page.getByLabel('Password').fill(DEMO_PORTAL_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Campaign results' }).waitFor({ timeout: 30_000 });

      // The dashboard: campaigns with spend, conversions and ROAS on screen, the name wrapping.
      const campaigns = page.getByRole('table', { name: 'Campaigns' });
      await campaigns.locator('tbody tr').first().waitFor({ timeout: 30_000 });
      expect(await pageWidth(page)).toBeLessThanOrEqual(390);
      expect(await cutOff(page.locator('main'), 'forbidden')).toEqual([]);
      for (const h of ['Campaign', 'Spend', 'Conversions', 'ROAS'])
        expect(await inView(page, campaigns.getByRole('columnheader', { name: h }))).toBe(true);

      // The monthly report.
      await page.getByRole('link', { name: 'Reports' }).click();
      const report = page.getByTestId('portal-report');
      await report.waitFor({ timeout: 30_000 });
      await page.getByRole('img', { name: 'Daily spend and conversion value in the month' }).waitFor();
      expect(await pageWidth(page)).toBeLessThanOrEqual(390);
      expect(await cutOff(report, 'forbidden')).toEqual([]);
      // Key content is on screen: the month's change per metric, the top campaigns' spend and ROAS,
      // the chart and the print button.
      const comparison = page.getByRole('table', { name: 'This month against the previous one' });
      const spendRow = comparison.getByRole('row').filter({ hasText: 'Ad spend' });
      expect(await inView(page, comparison.getByRole('columnheader', { name: 'Change' }))).toBe(true);
      expect(await inView(page, spendRow.getByRole('cell').last())).toBe(true);
      expect(await spendRow.getByRole('cell').last().textContent()).toMatch(/^[+\-−]?\d/);
      const top = page.getByRole('table', { name: 'Top campaigns by spend' }).getByRole('row');
      expect(await top.count()).toBeGreaterThan(0);
      for (const row of await top.all()) {
        expect(await inView(page, row.getByRole('cell').nth(1))).toBe(true);
        expect(await inView(page, row.getByRole('cell').nth(2))).toBe(true);
      }
      expect(
        await inView(page, page.getByRole('img', { name: 'Daily spend and conversion value in the month' })),
      ).toBe(true);
      expect(await inView(page, page.getByRole('button', { name: 'Print / PDF' }))).toBe(true);
      await page.close();
    }, 180_000);

    it('at 1280 px the Audit log shows every column, long ids cut with the whole id as tooltip', async () => {
      const { server, context } = env();
      const page = await desktopPage(context, server.url);
      await page.getByRole('link', { name: 'Audit log' }).click();
      const table = page.getByRole('table', { name: 'Audit entries' });
      await table.locator('tbody tr').first().waitFor({ timeout: 30_000 });
      await page.getByTestId('chain-status').getByText('Chain verified').waitFor();
      expect(await pageWidth(page)).toBeLessThanOrEqual(1280);
      expect(await cutOff(page.locator('main'), 'forbidden')).toEqual([]);
      for (const h of ['When', 'Action', 'Target', 'From'])
        expect(await inView(page, table.getByRole('columnheader', { name: h }))).toBe(true);
      // A target's id is reachable whole: as text, or as the tooltip of the cut one.
      const id = table.locator('tbody tr td:nth-child(5) [title]').first();
      await expect(id.getAttribute('title')).resolves.toMatch(/^[a-z]+_[0-9a-z]{20,}$/);
      // The filter form's buttons stay inside the card.
      expect(await inView(page, page.getByRole('button', { name: 'Clear', exact: true }))).toBe(true);
      await page.close();
    }, 120_000);

    it('at 1280 px the Write-backs table shows every column, with a long platform error wrapped', async () => {
      const { server, context } = env();
      const token = await loginToken(server.url);
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const campaigns = (await (
        await fetch(`${server.url}/api/v1/campaigns?limit=200`, { headers: auth })
      ).json()) as { items: Array<{ id: string; name: string; dailyBudgetMicros: number | null }> };
      // The longest name the demo has, the widest an Entity cell gets.
      const campaign = [...campaigns.items].sort((a, b) => b.name.length - a.name.length)[0];
      // It sets the budget the campaign already has: the demo's state does not change.
      const res = await fetch(`${server.url}/api/v1/write-backs`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          type: 'set_daily_budget',
          level: 'campaign',
          entityId: campaign?.id,
          dailyBudgetMicros: campaign?.dailyBudgetMicros ?? 5_000_000,
          idempotencyKey: 'e2e-layout-write-back',
        }),
      });
      expect(res.status).toBe(200);
      const { action } = (await res.json()) as { action: { id: string } };
      // Settled as a refused call is (status failed, no snapshot, the platform's message).
      const error =
        'meta_api_error: (#100) Invalid parameter: daily_budget must be at least 100 cents in the currency of this ad account';
      const db = new Database(path.join(server.dataDir, 'omnify.sqlite'));
      try {
        db.pragma('busy_timeout = 5000');
        const r = db
          .prepare(
            "update write_actions set status = 'failed', before = null, after = null, applied_at = null, error = ? where id = ?",
          )
          .run(error, action.id);
        expect(r.changes).toBe(1);
      } finally {
        db.close();
      }

      const page = await desktopPage(context, server.url);
      await page.getByRole('link', { name: 'Write-backs', exact: true }).click();
      const table = page.getByRole('table', { name: 'Write-backs' });
      const row = table.getByRole('row').filter({ hasText: error });
      await row.getByRole('link', { name: campaign?.name ?? '?', exact: true }).waitFor({ timeout: 30_000 });
      await row.getByText('(requested)').waitFor();
      expect(await pageWidth(page)).toBeLessThanOrEqual(1280);
      expect(await cutOff(page.locator('main'), 'forbidden')).toEqual([]);
      for (const h of ['When', 'Status', 'Entity', 'Field: old → new', 'Recorded in'])
        expect(await inView(page, table.getByRole('columnheader', { name: h }))).toBe(true);
      for (const cell of await row.getByRole('cell').all()) expect(await inView(page, cell)).toBe(true);
      await page.close();
    }, 120_000);

    it('at 1280 px the Predictions forecast card keeps its model name inside, and cut ad names have tooltips', async () => {
      const { server, context } = env();
      const page = await desktopPage(context, server.url);
      await page.getByRole('link', { name: 'Predictions' }).click();
      const card = page.locator('section').filter({
        has: page.getByRole('heading', { name: 'Forecast, next 30 days' }),
      });
      // The forecasts' answers, to say what the card got when it shows no model.
      const answers: string[] = [];
      page.on('response', (r) => {
        if (r.url().endsWith('/api/v1/oracle/forecasts'))
          void r.text().then(
            (b) => answers.push(`${r.status()} ${b.slice(0, 300)}`),
            () => answers.push(`${r.status()}`),
          );
      });
      // Every metric's model (ROAS's is a ratio of two ensembles, the longest name).
      for (const metric of ['spend', 'revenue', 'conversions', 'roas']) {
        if (metric !== 'spend') {
          // Each metric is a new forecast: wait for its answer, not the previous metric's text.
          const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/oracle/forecasts'), {
            timeout: 120_000,
          });
          await card.getByLabel('Forecast metric').selectOption(metric);
          await answered;
        }
        await card
          .getByText('chosen by rolling-origin backtest')
          .waitFor({ timeout: 120_000 })
          .catch((e: Error) => {
            throw new Error(`${metric}: ${e.message}\nforecast answers: ${answers.join('\n')}`);
          });
        await card.getByRole('img', { name: /forecast with intervals/ }).waitFor();
        expect(await cutOff(card, 'forbidden'), metric).toEqual([]);
      }
      await page
        .getByRole('table', { name: 'Ads at fatigue risk' })
        .locator('tbody tr')
        .first()
        .waitFor({ timeout: 120_000 });
      // Recommendations, or none (earlier scenarios may have approved or dismissed this client's).
      await page
        .getByTestId('recommendation')
        .first()
        .or(page.getByText('No changes recommended'))
        .waitFor({ timeout: 120_000 });
      expect(await pageWidth(page)).toBeLessThanOrEqual(1280);
      expect(await cutOff(page.locator('main'), 'forbidden')).toEqual([]);
      await page.close();
    }, 300_000);
  });
}
