/**
 * The web dashboard in a real browser (Debian's Chromium through playwright-core) against a real
 * `omnify demo` process: sign-in with and without the MFA step, roles, drill-down, approving a budget
 * recommendation, running an agent, and connecting a platform through its OAuth redirect flow.
 * Runs once, in the SQLite run of `npm test` (scripts/test.mjs leaves it out of the PostgreSQL run).
 * The client portal's scenarios (portal.scenarios.ts) and the agency's management of portal users
 * (portal-users.scenarios.ts) run in the same process and browser, as does the display of a
 * proposal whose write-back outcome is unknown (write-status.scenarios.ts), and the rule editor's
 * condition groups and the ledger entry page (rules-ledger.scenarios.ts), the pages mailed links
 * lead to (account.scenarios.ts), the workflows, agents and approvals pages
 * (automation.scenarios.ts), the Billing tab of Settings (billing.scenarios.ts, which starts a
 * second demo with billing on against the Stripe fake), the Predictions page's creative fatigue
 * and its empty state for a client with nothing synced (predictions.scenarios.ts), and small
 * details people reported: audit entries opened, API key revocation asked first, clients sorted, the
 * campaign picker's keys, onboarding's connections (details.scenarios.ts).
 */
import { generate } from 'otplib';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountScenarios } from './account.scenarios.ts';
import { automationScenarios } from './automation.scenarios.ts';
import { billingScenarios } from './billing.scenarios.ts';
import { detailScenarios } from './details.scenarios.ts';
import {
  apiCall,
  DEMO,
  type E2eServer,
  fitsWidth,
  launchBrowser,
  shoot,
  signIn,
  startE2eServer,
} from './harness.ts';
import { layoutScenarios } from './layout.scenarios.ts';
import { nameScenarios } from './names.scenarios.ts';
import { portalScenarios } from './portal.scenarios.ts';
import { portalUserScenarios } from './portal-users.scenarios.ts';
import { predictionsScenarios } from './predictions.scenarios.ts';
import { rulesLedgerScenarios } from './rules-ledger.scenarios.ts';
import { writeStatusScenarios } from './write-status.scenarios.ts';

let server: E2eServer;
let browser: { context: BrowserContext; close(): Promise<void> };
let ownerToken: string;

const apiAs = <T>(token: string, method: string, path: string, body?: unknown) =>
  apiCall<T>(server.url, token, method, path, body);

async function login(email: string, password: string): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return ((await res.json()) as { tokens: { accessToken: string } }).tokens.accessToken;
}

async function freshPage(): Promise<Page> {
  // Each scenario starts signed out: no session left in localStorage by the previous one.
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/login`);
  await page.evaluate(() => localStorage.clear());
  await page.goto(`${server.url}/login`);
  return page;
}

async function clientId(name: string): Promise<string> {
  const r = await apiAs<{ items: Array<{ id: string; name: string }> }>(ownerToken, 'GET', '/api/v1/clients');
  const c = r.items.find((x) => x.name === name);
  if (!c) throw new Error(`no client ${name}`);
  return c.id;
}

describe('web dashboard in Chromium', () => {
  beforeAll(async () => {
    server = await startE2eServer();
    browser = await launchBrowser();
    ownerToken = await login(DEMO.email, DEMO.password);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  }, 60_000);

  it('serves the app at / and sends a signed-out visitor to the sign-in page', async () => {
    const page = await freshPage();
    await page.goto(`${server.url}/campaigns`);
    await page.getByRole('heading', { name: 'Sign in to Omnify' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    // A wrong password is refused with a message, and no session is stored.
    await page.getByLabel('Email').fill(DEMO.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('incorrect');
    // The right one lands on the page first asked for.
    await page.getByLabel('Password').fill(DEMO.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
    await page.close();
  }, 120_000);

  it('enrols in MFA by scanning a QR code, then signs in with the MFA step (recovery code) and shows the overview with KPIs', async () => {
    const email = 'mfa-e2e@example.com';
    const password = 'correct horse battery';
    const reg = await fetch(`${server.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, name: 'Mia Factor', organizationName: 'MFA Agency' }),
    });
    expect(reg.status).toBe(201);

    // Enrolment in Settings → Security: a QR code of the otpauth:// URI to scan, and the same key
    // as text (with a copy button) for typing in by hand.
    const setup = await freshPage();
    await signIn(setup, server.url, { email, password });
    await setup.goto(`${server.url}/settings/security`);
    await setup.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    const qr = setup.getByRole('img', { name: 'QR code to scan with your authenticator app' });
    await qr.waitFor();
    const src = (await qr.getAttribute('src')) ?? '';
    expect(src).toMatch(/^data:image\/svg\+xml/);
    // A QR code drawn as an SVG path of dark modules, shown at a scannable size.
    expect(decodeURIComponent(src)).toMatch(/<path[^>]+d="M/);
    const box = await qr.boundingBox();
    expect(box?.width).toBeGreaterThanOrEqual(150);
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const uri = new URL(
      (await setup
        .getByRole('link', { name: 'Open in an authenticator app on this device' })
        .getAttribute('href')) ?? '',
    );
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toContain(email);
    const secret = ((await setup.getByTestId('totp-secret').textContent()) ?? '').trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    expect(uri.searchParams.get('secret')).toBe(secret);
    await setup.getByRole('button', { name: 'Copy key' }).waitFor();
    // On a 390 px phone the code and the key fit the screen: nothing scrolls sideways.
    await shoot(setup, 'mfa-enrol');
    await setup.setViewportSize({ width: 390, height: 844 });
    expect(await fitsWidth(setup)).toBe(true);
    await shoot(setup, 'mfa-enrol-390');
    await setup.setViewportSize({ width: 1280, height: 860 });
    // The key shown is the one the server checks: a code from it turns MFA on and shows recovery codes.
    await setup.getByLabel('Code').fill(await generate({ secret }));
    await setup.getByRole('button', { name: 'Confirm' }).click();
    const codesNotice = setup.getByText('Recovery codes — store them now');
    await codesNotice.waitFor();
    const recoveryCodes = (
      await setup.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents()
    ).map((c) => c.trim());
    expect(recoveryCodes).toHaveLength(10);
    await setup.getByText(/^On\. 10 recovery codes left\.$/).waitFor();
    await setup.close();

    const page = await freshPage();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Authentication code').waitFor();
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill('0000-not-a-code');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('not valid');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('recovery code');
    // A recovery code pasted into the 6-digit field is sent as a recovery code (not refused as
    // too long for a TOTP); something that is neither says which field to use, without a request.
    await page.getByRole('button', { name: 'Use an authenticator code instead' }).click();
    await page.getByLabel('Authentication code').fill('12345');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('An authenticator code is 6 digits').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Use a recovery code instead');
    await page.getByLabel('Authentication code').fill(` ${recoveryCodes[0] ?? ''} `);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    // A new agency has no data: the overview says so instead of failing.
    await page.getByText('All clear').waitFor();
    await expect(page.getByTestId('org-switcher').textContent()).resolves.toContain('MFA Agency');
    await page.close();

    // The demo owner sees the demo agency's KPIs with their period-over-period change.
    const demo = await freshPage();
    await signIn(demo, server.url);
    const kpis = demo.getByTestId('kpis');
    await kpis.getByText(/[▲▼]/).first().waitFor();
    const text = await kpis.textContent();
    expect(text).toMatch(/Spend\$[\d.,]+K?/);
    expect(text).toMatch(/ROAS[\d.]+×/);
    // The overview adds CPA to the tiles a client, campaign or ad page shows.
    expect(text).toMatch(/CPA\$[\d.,]+/);
    await demo.close();
  }, 120_000);

  it('drills down from a client to a campaign to an ad with its creative, chart and fatigue', async () => {
    const page = await freshPage();
    await signIn(page, server.url);
    await page.getByRole('link', { name: 'Clients' }).click();
    const clients = page.getByRole('table', { name: 'Clients' });
    await clients.getByText('Bright Smile Dental', { exact: true }).click();
    await page.getByRole('heading', { name: 'Bright Smile Dental' }).waitFor();
    await page.getByRole('img', { name: 'Daily spend and conversions' }).waitFor();

    // Sort campaigns by name (keyboard: the header button), then open the first with Enter.
    const campaigns = page.getByRole('table', { name: 'Campaigns' });
    await campaigns.locator('tbody tr').first().waitFor();
    const firstName =
      (await campaigns
        .locator('tbody tr')
        .first()
        .locator('td')
        .first()
        .locator('p')
        .first()
        .textContent()) ?? '';
    await campaigns.locator('tbody tr').first().focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: firstName.trim() }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/campaigns\/cmp_/);
    await page.getByRole('img', { name: 'Daily spend and conversions' }).waitFor();

    const ads = page.getByRole('table', { name: 'Ads' });
    await ads.locator('tbody tr').first().click();
    await page.getByRole('figure', { name: 'Creative preview' }).waitFor();
    await page.getByRole('heading', { name: 'Creative fatigue' }).waitFor();
    await page.getByText('Within 7 days').waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/ads\/ad_/);
    await page.getByRole('img', { name: 'Daily spend and conversions of this ad' }).waitFor();

    // Another organization's campaign, or a made-up id, is "not found", never someone's data.
    await page.goto(`${server.url}/campaigns/cmp_00000000000000000000000000`);
    await page.getByRole('alert').waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/not found|No campaign/i);
    await page.close();
  }, 120_000);

  it('approves a budget recommendation: the campaign budget changes on the platform and in the ledger of proposals', async () => {
    const cid = await clientId('Bright Smile Dental');
    const page = await freshPage();
    await signIn(page, server.url);
    await page.goto(`${server.url}/predictions?clientId=${cid}`);
    const first = page
      .getByTestId('recommendation')
      .filter({ has: page.getByRole('button', { name: /^Approve/ }) })
      .first();
    await first.waitFor({ timeout: 90_000 });
    const campaignName = ((await first.locator('td').first().locator('a').textContent()) ?? '').trim();
    // Pinned by name: once approved, the row no longer matches the filter above.
    const row = page.getByTestId('recommendation').filter({ hasText: campaignName });
    // "Daily budget" shows the budget now and the budget Approve sets (the spend change applied to
    // the budget, which the campaign may underspend).
    const [budgetNow, budgetAfter] = ((await row.getByTestId('budget-change').textContent()) ?? '')
      .split('→')
      .map((v) => v.replace(/[^\d.]/g, ''));
    // Approve changes a live budget: it asks first, restating the campaign, its budget from → to and
    // that it applies on the platform now; Escape leaves the budget as it is.
    await row.getByRole('button', { name: /^Approve/ }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Approve this budget change?' });
    await dialog.waitFor();
    const summary = (await dialog.getByTestId('confirm-summary').textContent()) ?? '';
    expect(summary).toContain(campaignName);
    expect(summary.replace(/[^\d.→]/g, '')).toContain(`${budgetNow}→${budgetAfter}`);
    expect(await dialog.getByTestId('confirm-effect').textContent()).toContain('on the ad platform now');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    const untouched = await apiAs<{ items: Array<{ name: string; dailyBudgetMicros: number }> }>(
      ownerToken,
      'GET',
      `/api/v1/campaigns?clientId=${cid}&limit=200`,
    );
    expect(
      ((untouched.items.find((c) => c.name === campaignName)?.dailyBudgetMicros ?? 0) / 1e6).toFixed(2),
    ).toBe(budgetNow);
    expect(await row.getByRole('button', { name: /^Approve/ }).count()).toBe(1);
    await row.getByRole('button', { name: /^Approve/ }).click();
    await dialog.getByRole('button', { name: 'Approve and apply' }).click();
    await row.getByText('applied').waitFor({ timeout: 60_000 });

    const proposals = await apiAs<{
      items: Array<{
        status: string;
        entityId: string;
        before: { dailyBudgetMicros: number };
        after: { dailyBudgetMicros: number };
      }>;
    }>(ownerToken, 'GET', '/api/v1/actions?status=applied');
    const campaigns = await apiAs<{ items: Array<{ id: string; name: string; dailyBudgetMicros: number }> }>(
      ownerToken,
      'GET',
      `/api/v1/campaigns?clientId=${cid}&limit=200`,
    );
    const campaign = campaigns.items.find((c) => c.name === campaignName);
    const applied = proposals.items.find((p) => p.entityId === campaign?.id);
    expect(applied?.status).toBe('applied');
    expect(campaign?.dailyBudgetMicros).toBe(applied?.after.dailyBudgetMicros);
    expect(budgetAfter).toBe(((applied?.after.dailyBudgetMicros ?? 0) / 1e6).toFixed(2));
    expect(budgetNow).toBe(((applied?.before.dailyBudgetMicros ?? 0) / 1e6).toFixed(2));
    // Opened again, the campaign is not offered the same move on top of its new budget: it is held
    // until its spend shows the change.
    await page.reload();
    const after = page.getByTestId('recommendation').filter({ hasText: campaignName });
    await after.getByText('budget changed').waitFor({ timeout: 90_000 });
    expect(await after.getByRole('button', { name: /^Approve/ }).count()).toBe(0);
    await page.close();
  }, 180_000);

  it('saves a change to the agency name in Settings → Branding while the uploaded logo stays, and says a refused logo URL in words', async () => {
    const before = await apiAs<{ agencyName: string; logoSource: string | null; logoUrl: string }>(
      ownerToken,
      'GET',
      '/api/v1/branding',
    );
    // The demo's logo is an uploaded one, which the API returns as a data: URI.
    expect(before.logoSource).toBe('upload');
    const page = await freshPage();
    await signIn(page, server.url);
    try {
      await page.goto(`${server.url}/settings/branding`);
      const name = page.getByLabel('Agency name');
      await expect.poll(() => name.inputValue(), { timeout: 30_000 }).toBe(before.agencyName);
      // The uploaded logo is not offered as a URL to edit.
      await page.getByTestId('logo-uploaded').waitFor();
      expect(await page.getByLabel('Logo URL').inputValue()).toBe('');
      await name.fill(`${before.agencyName} Studio`);
      await page.getByRole('button', { name: 'Save branding' }).click();
      await page.getByText('Branding saved.').waitFor({ timeout: 15_000 });
      const after = await apiAs<{ agencyName: string; logoSource: string | null; logoUrl: string }>(
        ownerToken,
        'GET',
        '/api/v1/branding',
      );
      expect(after.agencyName).toBe(`${before.agencyName} Studio`);
      expect(after.logoSource).toBe('upload');
      expect(after.logoUrl).toBe(before.logoUrl);
      // A logo URL the API refuses (not http(s)) is explained by the field's label, not as body.logoUrl.
      await page.getByLabel('Logo URL').fill('ftp://files.example/logo.svg');
      await page.getByRole('button', { name: 'Save branding' }).click();
      const refused = page.getByText(/^Logo URL: enter a web address starting with https:\/\//);
      await refused.waitFor({ timeout: 15_000 });
      expect(await page.getByText('body.logoUrl').count()).toBe(0);
    } finally {
      // The portal scenarios expect the demo's own name.
      await apiAs(ownerToken, 'PUT', '/api/v1/branding', { agencyName: before.agencyName });
      await page.close();
    }
  }, 120_000);

  it('explains budget recommendations: fitted and marginal ROAS per campaign and what the split maximises, in the client’s own currency', async () => {
    // Peak Fitness bills in GBP: its client record, its accounts and its recommendations say so.
    const clients = await apiAs<{ items: Array<{ id: string; name: string; currency: string }> }>(
      ownerToken,
      'GET',
      '/api/v1/clients',
    );
    const peak = clients.items.find((c) => c.name === 'Peak Fitness');
    expect(peak?.currency).toBe('GBP');
    const cid = peak?.id ?? '';
    type Row = {
      entityId: string;
      name: string;
      changePct: number;
      recentChange: unknown;
      observedRoas: number | null;
      fittedRoas: number | null;
      marginalRoasAtCurrent: number | null;
      marginalRoasAtRecommended: number | null;
    };
    const alloc = await apiAs<{
      currency: string;
      from: string;
      to: string;
      totals: { marginalRoas: number | null };
      summary: { objective: string; headline: string; marginalBelowBreakEven: boolean | null };
      allocations: Row[];
    }>(ownerToken, 'POST', '/api/v1/oracle/allocations', {
      clientId: cid,
      level: 'campaign',
      objective: 'revenue',
    });
    expect(alloc.currency).toBe('GBP');
    const page = await freshPage();
    await signIn(page, server.url);
    await page.goto(`${server.url}/predictions?clientId=${cid}`);
    const explained = page.getByTestId('allocation-explained');
    await explained.waitFor({ timeout: 120_000 });
    // The card's headline and objective are the server's words, in pounds.
    await page.getByText(alloc.summary.headline, { exact: true }).waitFor();
    expect(alloc.summary.headline).toMatch(/£/);
    expect(await explained.textContent()).toContain(alloc.summary.objective);
    if (alloc.summary.marginalBelowBreakEven)
      await explained.getByText(`marginal ROAS ${(alloc.totals.marginalRoas ?? 0).toFixed(2)}×`).waitFor();
    // Reported ROAS is over the history the curves were fitted on (the API's from/to), not a fixed 26 weeks.
    const days = (Date.parse(alloc.to) - Date.parse(alloc.from)) / 86_400_000 + 1;
    const since = new Date(`${alloc.from}T00:00:00Z`).toLocaleDateString('en-US', {
      month: 'short',
      day: 'numeric',
      year: 'numeric',
      timeZone: 'UTC',
    });
    expect(await explained.getByTestId('allocation-span').textContent()).toBe(
      days >= 14 ? `the ${Math.round(days / 7)} weeks since ${since}` : `the ${days} days since ${since}`,
    );
    await page
      .getByRole('columnheader', {
        name: `Reported ROAS (${days >= 14 ? `${Math.round(days / 7)} wk` : `${days} d`})`,
      })
      .waitFor();
    // Each listed campaign shows its reported and fitted ROAS and its marginal ROAS now → recommended.
    const rows = page.getByTestId('recommendation');
    await rows.first().waitFor();
    const shown = alloc.allocations.filter(
      (a) => a.fittedRoas !== null && (Math.abs(a.changePct) >= 1 || a.recentChange),
    );
    expect(shown.length).toBeGreaterThan(0);
    for (const a of shown) {
      const row = rows.filter({ has: page.getByRole('link', { name: a.name, exact: true }) });
      expect(await row.getByTestId('observed-roas').textContent()).toContain(
        `${a.observedRoas?.toFixed(2)}×`,
      );
      expect(await row.getByTestId('fitted-roas').textContent()).toContain(`${a.fittedRoas?.toFixed(2)}×`);
      expect((await row.getByTestId('marginal-roas').textContent())?.replace(/\s+/g, ' ')).toContain(
        `${a.marginalRoasAtCurrent?.toFixed(2)}× → ${a.marginalRoasAtRecommended?.toFixed(2)}×`,
      );
    }
    await shoot(page, 'budget-recommendations-explained');
    await page.close();
  }, 180_000);

  it('runs an agent and shows its output and steps', async () => {
    const page = await freshPage();
    await signIn(page, server.url);
    await page.getByRole('link', { name: 'Agents' }).click();
    await page
      .getByRole('list', { name: 'Agents' })
      .getByRole('button', { name: 'Creative Intelligence' })
      .click();
    await page.getByLabel('Client for this run').selectOption({ label: 'Peak Fitness' });
    await page.getByRole('button', { name: 'Run agent' }).click();
    const out = page.locator('[data-testid="agent-output"][data-status="succeeded"]');
    await out.waitFor({ timeout: 90_000 });
    await out.getByText('Steps').waitFor();
    await expect(out.textContent()).resolves.toMatch(/list_ads/);
    // The run is in the history, as the API reports it.
    const agents = await apiAs<{ items: Array<{ id: string; kind: string }> }>(
      ownerToken,
      'GET',
      '/api/v1/agents',
    );
    const ci = agents.items.find((a) => a.kind === 'creative_intelligence');
    const runs = await apiAs<{ items: Array<{ status: string; input: { clientId?: string } }> }>(
      ownerToken,
      'GET',
      `/api/v1/agents/${ci?.id}/runs`,
    );
    expect(runs.items[0]).toMatchObject({
      status: 'succeeded',
      input: { clientId: await clientId('Peak Fitness') },
    });
    await page.close();
  }, 180_000);

  it('connects Meta through the OAuth redirect flow and syncs it with progress', async () => {
    const page = await freshPage();
    await signIn(page, server.url);
    let listReads = 0;
    let syncReads = 0;
    page.on('request', (r) => {
      if (r.method() === 'GET' && new URL(r.url()).pathname === '/api/v1/connections') listReads++;
    });
    page.on('response', (r) => {
      if (/\/api\/v1\/connections\/[^/]+\/syncs$/.test(new URL(r.url()).pathname)) syncReads++;
    });
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByTestId('connection').first().waitFor();
    const shown = await page.getByTestId('connection').count();
    await expect.poll(() => syncReads).toBeGreaterThanOrEqual(shown);
    // One read of the list per visit: each row's finished sync used to read it again. (Only a
    // later read can make this fail; the pause gives one the time to happen.)
    await page.waitForTimeout(1000);
    expect(listReads).toBeLessThanOrEqual(1);
    const form = page.getByRole('form', { name: 'Connect a platform' });
    await form.getByLabel('Platform').selectOption('meta');
    await form.getByLabel('Client').selectOption({ label: 'Peak Fitness' });
    await form.getByLabel('Name (optional)').fill('Peak Fitness Meta (e2e)');
    await form.getByRole('button', { name: 'Connect Meta' }).click();
    // Consent screen → callback → back on Connections with the new connection highlighted.
    await page.waitForURL(/\/connections\?connected=con_/);
    await page.getByText('Connected. Start its first sync').waitFor();
    const item = page.getByTestId('connection').filter({ hasText: 'Peak Fitness Meta (e2e)' });
    await item.getByRole('button', { name: 'Start first sync' }).click();
    await item.getByTestId('sync-status').getByText('succeeded').waitFor({ timeout: 120_000 });
    const rows = Number(
      ((await item.getByTestId('sync-status').textContent()) ?? '')
        .match(/([\d,]+) rows/)?.[1]
        ?.replace(/,/g, ''),
    );
    expect(rows).toBeGreaterThan(0);
    // The finished sync refreshed the connection: it has synced now.
    await item.getByRole('button', { name: 'Sync now', exact: true }).waitFor();
    expect(server.meta.log.some((r) => r.path.includes('oauth/access_token'))).toBe(true);
    await page.close();
  }, 240_000);

  it('says a sync is already running when Sync now meets one started elsewhere (409), with its progress', async () => {
    const page = await freshPage();
    await signIn(page, server.url);
    await page.getByRole('link', { name: 'Connections' }).click();
    const conns = await apiAs<{
      items: Array<{ id: string; name: string; platform: string; lastSyncAt: string | null }>;
    }>(ownerToken, 'GET', '/api/v1/connections');
    const sim = conns.items.find((c) => c.platform === 'simulator' && c.lastSyncAt);
    expect(sim).toBeDefined();
    const item = page
      .getByTestId('connection')
      .filter({ hasText: sim?.name as string })
      .first();
    const button = item.getByRole('button', { name: 'Sync now', exact: true });
    await button.waitFor();
    // Someone else (another tab, the API) starts a long backfill after the page was drawn.
    const other = await fetch(`${server.url}/api/v1/connections/${sim?.id}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'backfill', days: 365 }),
    });
    expect(other.status).toBe(202);
    const run = (await other.json()) as { id: string };
    await button.click();
    const notice = item.getByRole('status').filter({ hasText: 'Already syncing' });
    await notice.waitFor();
    await expect(notice.textContent()).resolves.toContain(run.id);
    await expect(notice.textContent()).resolves.toMatch(/backfill sync of this connection is already/);
    // The running run is shown (the button is gone until it ends).
    await item
      .getByTestId('sync-status')
      .getByText(/^backfill · /)
      .waitFor();
    await page.close();
  }, 180_000);

  it('hides write actions from a viewer', async () => {
    const inv = await apiAs<{ token: string }>(ownerToken, 'POST', '/api/v1/invitations', {
      email: 'viewer-e2e@example.com',
      role: 'viewer',
    });
    await fetch(`${server.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'viewer-e2e@example.com',
        password: 'viewer-password',
        name: 'Vera Viewer',
        invitationToken: inv.token,
      }),
    });
    const page = await freshPage();
    await signIn(page, server.url, { email: 'viewer-e2e@example.com', password: 'viewer-password' });
    await expect(page.getByTestId('org-switcher').textContent()).resolves.toContain('viewer');
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('table', { name: 'Campaigns' }).locator('tbody tr').first().click();
    await page.getByRole('heading', { name: 'Details' }).waitFor();
    expect(await page.getByRole('button', { name: /^(Pause|Enable|Propose budget)$/ }).count()).toBe(0);
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('heading', { name: 'Connected accounts' }).waitFor();
    expect(await page.getByRole('form', { name: 'Connect a platform' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Sync now|Start first sync/ }).count()).toBe(0);
    await page.close();
  }, 120_000);

  // The client portal's scenarios share this demo process and browser.
  portalScenarios(() => ({ server, context: browser.context }));
  portalUserScenarios(() => ({ server, context: browser.context }));
  writeStatusScenarios(() => ({ server, context: browser.context }));
  rulesLedgerScenarios(() => ({ server, context: browser.context }));
  accountScenarios(() => ({ server, context: browser.context }));
  layoutScenarios(() => ({ server, context: browser.context }));
  automationScenarios(() => ({ server, context: browser.context }));
  nameScenarios(() => ({ server, context: browser.context }));
  billingScenarios(() => ({ server, context: browser.context }));
  predictionsScenarios(() => ({ server, context: browser.context }));
  detailScenarios(() => ({ server, context: browser.context }));
});
