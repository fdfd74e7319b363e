/**
 * `npm run screenshots`: starts the demo with the production build, signs in, and saves the main
 * pages at 1280 px (and the overview on a 390 px phone) under docs/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchBrowser, signIn, startE2eServer } from './harness.ts';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/screenshots');
mkdirSync(out, { recursive: true });

/** Waits until no skeleton placeholder or loading label is left (charts and tables drawn). */
async function settled(page: Page) {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(
    () => document.querySelectorAll('.animate-pulse, .animate-spin').length === 0,
    null,
    {
      timeout: 60_000,
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
  await shoot('agents', '/agents');
  await shoot('approvals', '/approvals');
  await shoot('rules', '/rules');
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
} finally {
  await server.stop();
}
