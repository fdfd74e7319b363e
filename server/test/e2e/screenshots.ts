/**
 * `npm run screenshots`: starts the demo with the production build, signs in, and saves the main
 * pages at 1280 px (and the overview on a 390 px phone), then the client portal, under
 * docs/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { DEMO_PORTAL_PASSWORD } from '../../src/main/demo.ts';
import { launchBrowser, signIn, startE2eServer } from './harness.ts';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/screenshots');
mkdirSync(out, { recursive: true });

/** Waits until no skeleton placeholder or loading label is left (charts and tables drawn). */
async function settled(page: Page) {
  // Model fits (forecasts, allocation) take a while on a busy machine: wait for the page, not a clock.
  await page.waitForLoadState('networkidle', { timeout: 120_000 }).catch(() => {});
  await page.waitForFunction(
    () => document.querySelectorAll('.animate-pulse, .animate-spin').length === 0,
    null,
    {
      timeout: 180_000,
    },
  );
  await page.waitForTimeout(600);
}

// OMNIFY_E2E_URL points at a demo that is already running (signed in as the demo owner).
const server = process.env.OMNIFY_E2E_URL
  ? { url: process.env.OMNIFY_E2E_URL, stop: async () => {} }
  : await startE2eServer();
const only = process.argv.slice(2);
try {
  const desktop = await launchBrowser({ width: 1280, height: 860 });
  const page = await desktop.context.newPage();
  const shoot = async (name: string, url: string, full = true) => {
    if (only.length && !only.includes(name)) return;
    await page.goto(`${server.url}${url}`);
    await settled(page);
    await page.screenshot({ path: path.join(out, `${name}.png`), fullPage: full });
    console.log(`docs/screenshots/${name}.png`);
  };
  await page.goto(`${server.url}/login`);
  if (!only.length || only.includes('login')) await page.screenshot({ path: path.join(out, 'login.png') });
  await signIn(page, server.url);
  await shoot('overview', '/');
  await shoot('clients', '/clients');
  // Drill-down: the first client, its biggest campaign, that campaign's biggest ad.
  await page.goto(`${server.url}/clients`);
  await settled(page);
  await page.getByRole('table', { name: 'Clients' }).locator('tbody tr').first().click();
  await settled(page);
  const clientUrl = new URL(page.url()).pathname;
  await shoot('client', clientUrl);
  await page.getByRole('table', { name: 'Campaigns' }).locator('tbody tr').first().click();
  await settled(page);
  const campaignUrl = new URL(page.url()).pathname;
  await shoot('campaign', campaignUrl);
  await page.getByRole('table', { name: 'Ads' }).locator('tbody tr').first().click();
  await settled(page);
  await shoot('ad', new URL(page.url()).pathname);
  await shoot('campaigns', '/campaigns', false);
  await shoot('predictions', '/predictions');

  // Pages that show what people did: run an agent, propose a change that needs approval, save and
  // backtest a rule, start a workflow from a template — through the UI and the API, as a user would.
  await page.goto(`${server.url}/agents`);
  await page
    .getByRole('list', { name: 'Agents' })
    .getByRole('button', { name: 'Creative Intelligence' })
    .click();
  await page.getByLabel('Client for this run').selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Run agent' }).click();
  await page.locator('[data-testid="agent-output"][data-status="succeeded"]').waitFor({ timeout: 120_000 });
  await settled(page);
  if (!only.length || only.includes('agents')) {
    await page.screenshot({ path: path.join(out, 'agents.png'), fullPage: true });
    console.log('docs/screenshots/agents.png');
  }
  await page.evaluate(async (campaignId) => {
    const token = JSON.parse(localStorage.getItem('omnify.session') ?? '{}').accessToken;
    await fetch('/api/v1/actions', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'budget_change',
        campaignId,
        percent: 35,
        reason: 'ROAS 40% above target for 14 days: scale the winner',
      }),
    });
  }, campaignUrl.split('/').pop());
  await shoot('approvals', '/approvals');
  await page.goto(`${server.url}/rules?rule=new`);
  await page.getByRole('button', { name: 'Save rule' }).click();
  await page.getByRole('button', { name: 'Run backtest' }).click();
  await page.getByText('Days with matches').waitFor({ timeout: 120_000 });
  await settled(page);
  if (!only.length || only.includes('rules')) {
    await page.screenshot({ path: path.join(out, 'rules.png'), fullPage: true });
    console.log('docs/screenshots/rules.png');
  }
  await page.goto(`${server.url}/workflows`);
  await settled(page);
  const useTemplate = page.getByRole('button', { name: 'Use template' }).first();
  if (await useTemplate.count()) {
    await useTemplate.click();
    const runNow = page.getByRole('button', { name: 'Run now' }).first();
    // A template whose variables need real values stays a template (the page shows why).
    if (
      await runNow.waitFor({ timeout: 15_000 }).then(
        () => true,
        () => false,
      )
    ) {
      await runNow.click();
      await page.waitForTimeout(3000);
    }
  }
  await shoot('workflows', '/workflows');
  await shoot('ledger', '/ledger');
  await shoot('connections', '/connections');
  await shoot('audit', '/audit', false);
  await shoot('settings', '/settings');
  await desktop.close();

  const phone = await launchBrowser({ width: 390, height: 844 });
  const p2 = await phone.context.newPage();
  await signIn(p2, server.url);
  await settled(p2);
  if (!only.length || only.includes('phone-overview')) {
    await p2.screenshot({ path: path.join(out, 'phone-overview.png'), fullPage: true });
    console.log('docs/screenshots/phone-overview.png');
  }
  if (!only.length || only.includes('phone-campaign')) {
    await p2.goto(`${server.url}${campaignUrl}`);
    await settled(p2);
    await p2.screenshot({ path: path.join(out, 'phone-campaign.png'), fullPage: true });
    console.log('docs/screenshots/phone-campaign.png');
  }
  await phone.close();

  // The white-label client portal: Bright Smile Dental's user, as the demo seeds it.
  const portal = await launchBrowser({ width: 1280, height: 860 });
  const pp = await portal.context.newPage();
  const portalShot = async (name: string, target: Page, full = true) => {
    if (only.length && !only.includes(name)) return;
    await settled(target);
    await target.screenshot({ path: path.join(out, `${name}.png`), fullPage: full });
    console.log(`docs/screenshots/${name}.png`);
  };
  const portalSignIn = async (target: Page) => {
    await target.goto(`${server.url}/portal/bright-smile-dental/login`);
    await target.getByLabel('Email').fill('portal@brightsmile.example');
    await target.getByLabel('Password').fill(DEMO_PORTAL_PASSWORD);
    await target.getByRole('button', { name: 'Sign in' }).click();
    await target.getByRole('heading', { name: 'Campaign results' }).waitFor({ timeout: 60_000 });
  };
  await pp.goto(`${server.url}/portal/bright-smile-dental/login`);
  await portalShot('portal-login', pp, false);
  await portalSignIn(pp);
  await portalShot('portal-dashboard', pp);
  await pp.goto(`${server.url}/portal/bright-smile-dental/reports`);
  await portalShot('portal-report', pp);
  await portal.close();
  const portalPhone = await launchBrowser({ width: 390, height: 844 });
  const pp2 = await portalPhone.context.newPage();
  await portalSignIn(pp2);
  await portalShot('portal-phone', pp2, false);
  await portalPhone.close();
} finally {
  await server.stop();
}
