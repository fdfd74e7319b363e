/**
 * End-to-end test of the white-label client portal in a real browser (playwright-core driving
 * Debian's Chromium) against `omnify demo`: a client user signs in on the branded login page, sees
 * their agency's branding and their own data, and cannot reach another client's campaign by editing
 * the URL (the page shows not-found and the API answered 404). Saves screenshots of the portal to
 * docs/screenshots/. Prints `N passed, N failed`.
 *
 *   node --import tsx web/e2e/portal.e2e.ts            (starts its own demo server on a free port)
 *   OMNIFY_E2E_URL=http://localhost:3000 node --import tsx web/e2e/portal.e2e.ts   (a running demo)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'docs/screenshots');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface PortalLogin {
  client: string;
  path: string;
  email: string;
  password: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts `omnify demo` and reads the URL and the portal logins it prints. */
async function startDemo(): Promise<{ url: string; logins: PortalLogin[]; proc: ChildProcess | null }> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'omnify-portal-e2e-'));
  const proc = spawn(
    process.execPath,
    [path.join(root, 'server/bin/omnify.js'), 'demo', '--port', String(port)],
    {
      env: { ...process.env, OMNIFY_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout?.on('data', (d) => {
    out += String(d);
  });
  proc.stderr?.on('data', (d) => {
    out += String(d);
  });
  const deadline = Date.now() + 600_000;
  while (!/Client portals[\s\S]*\n\s*\n/.test(out)) {
    if (proc.exitCode !== null) throw new Error(`omnify demo exited (${proc.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`omnify demo did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url: `http://localhost:${port}`, logins: parseLogins(out), proc };
}

function parseLogins(out: string): PortalLogin[] {
  const logins: PortalLogin[] = [];
  for (const m of out.matchAll(
    /^\s{2}(.+?)\s+https?:\/\/[^/\s]+(\/portal\/[a-z0-9-]+\/login)\s+(\S+) \/ (\S+)$/gm,
  ))
    logins.push({ client: (m[1] ?? '').trim(), path: m[2] ?? '', email: m[3] ?? '', password: m[4] ?? '' });
  return logins;
}

let passed = 0;
let failed = 0;
async function check(name: string, fn: () => Promise<void>) {
  try {
    await fn();
    passed++;
    console.log(`  ✓ ${name}`);
  } catch (e) {
    failed++;
    console.log(`  ✗ ${name}\n      ${(e as Error).message.split('\n').join('\n      ')}`);
  }
}
function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

async function agencyToken(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: process.env.OMNIFY_DEMO_EMAIL ?? 'demo@omnify.local',
      password: process.env.OMNIFY_DEMO_PASSWORD ?? 'omnify-demo',
    }),
  });
  const body = (await res.json()) as { tokens: { accessToken: string } };
  return body.tokens.accessToken;
}

/** A campaign id of another client of the same agency, read with the agency's own API. */
async function otherClientsCampaign(url: string, notClientName: string): Promise<string> {
  const auth = { authorization: `Bearer ${await agencyToken(url)}` };
  const clients = (await (await fetch(`${url}/api/v1/clients?limit=50`, { headers: auth })).json()) as {
    items: Array<{ id: string; name: string }>;
  };
  const other = clients.items.find((c) => c.name !== notClientName);
  assert(other, 'the demo has a second client');
  const campaigns = (await (
    await fetch(`${url}/api/v1/campaigns?clientId=${other.id}&limit=5`, { headers: auth })
  ).json()) as {
    items: Array<{ id: string }>;
  };
  const id = campaigns.items[0]?.id;
  assert(id, `${other.name} has campaigns`);
  return id;
}

async function signIn(page: Page, url: string, login: PortalLogin) {
  await page.goto(`${url}${login.path}`);
  await page.getByLabel('Email').fill(login.email);
  await page.getByLabel('Password').fill(login.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Campaign results' }).waitFor({ timeout: 30_000 });
}

async function main() {
  const given = process.env.OMNIFY_E2E_URL;
  const demo = given ? { url: given, logins: [] as PortalLogin[], proc: null } : await startDemo();
  const logins = demo.logins.length
    ? demo.logins
    : [
        {
          client: 'Bright Smile Dental',
          path: '/portal/bright-smile-dental/login',
          email: 'portal@brightsmile.example',
          password: 'omnify-portal',
        },
      ];
  const login = logins.find((l) => l.client === 'Bright Smile Dental') ?? logins[0];
  assert(login, 'omnify demo printed no portal logins');
  const url = demo.url;
  mkdirSync(shots, { recursive: true });
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    console.log(`client portal e2e against ${url} as ${login.email}`);

    await check('the login page is branded with the agency before sign-in', async () => {
      await page.goto(`${url}${login.path}`);
      await page.getByText('Northwind Digital').first().waitFor({ timeout: 30_000 });
      const logo = page.getByAltText('Northwind Digital logo');
      assert(await logo.isVisible(), 'the agency logo is shown');
      assert(
        (await logo.getAttribute('src'))?.startsWith('data:image/svg+xml'),
        'the uploaded logo is served inline',
      );
      const primary = await page.evaluate(() =>
        getComputedStyle(document.querySelector('[style*="--portal-primary"]') as Element).getPropertyValue(
          '--portal-primary',
        ),
      );
      assert(primary.trim() === '#4338ca', `the agency's primary colour is applied (got ${primary})`);
      assert(await page.getByText(`${login.client} · campaign results`).isVisible(), 'the client is named');
      await page.screenshot({ path: path.join(shots, 'portal-login.png') });
    });

    await check('a wrong password is refused with a message', async () => {
      await page.getByLabel('Email').fill(login.email);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Email or password is incorrect').waitFor({ timeout: 15_000 });
    });

    let firstCampaign = '';
    await check('the client user signs in and sees their own KPIs, chart and campaigns', async () => {
      await signIn(page, url, login);
      await page.getByTestId('portal-kpis').getByText('Ad spend', { exact: true }).waitFor();
      await page.locator('canvas').first().waitFor({ timeout: 15_000 });
      await page.getByRole('table').getByRole('row').nth(1).waitFor({ timeout: 15_000 });
      const rows = await page.getByRole('table').getByRole('row').count();
      assert(rows > 1, 'the campaigns table has rows');
      assert(
        await page.getByText(login.client, { exact: true }).first().isVisible(),
        'the client name is shown',
      );
      await page.waitForTimeout(600); // chart animation settles before the screenshot
      await page.screenshot({ path: path.join(shots, 'portal-dashboard.png'), fullPage: true });
      firstCampaign = (
        await page.getByRole('table').getByRole('row').nth(1).locator('td').first().innerText()
      ).trim();
    });

    await check('a campaign opens with its daily figures', async () => {
      await page.getByRole('table').getByRole('row').nth(1).click();
      const name = page.getByTestId('portal-campaign-name');
      await name.waitFor({ timeout: 15_000 });
      assert((await name.innerText()).trim() === firstCampaign, `the campaign page shows ${firstCampaign}`);
      assert(page.url().includes('/campaigns/cmp_'), 'the address names the campaign');
    });

    await check(
      "another client's campaign by editing the URL: not-found page, and the API answered 404",
      async () => {
        const other = await otherClientsCampaign(url, login.client);
        const slug = login.path.split('/')[2];
        const answered = page.waitForResponse((r) => r.url().includes(`/api/v1/portal/campaigns/${other}`));
        await page.goto(`${url}/portal/${slug}/campaigns/${other}`);
        const res = await answered;
        assert(res.status() === 404, `the API answered ${res.status()}`);
        const body = (await res.json()) as { error?: { code?: string } };
        assert(body.error?.code === 'not_found', 'with the not_found code');
        await page.getByTestId('portal-not-found').waitFor({ timeout: 15_000 });
        assert(
          await page.getByText('This campaign was not found').isVisible(),
          'the not-found page is shown',
        );
        assert(!(await page.getByTestId('portal-campaign-name').count()), 'no campaign data is shown');
      },
    );

    await check('the agency dashboard does not accept the portal session', async () => {
      const token = await page.evaluate(
        () => JSON.parse(localStorage.getItem('omnify.portal.session') ?? '{}').accessToken,
      );
      const res = await fetch(`${url}/api/v1/campaigns`, { headers: { authorization: `Bearer ${token}` } });
      assert(res.status === 401, `GET /api/v1/campaigns with the portal token answered ${res.status}`);
    });

    await check('the monthly report prints without navigation', async () => {
      const slug = login.path.split('/')[2];
      await page.goto(`${url}/portal/${slug}/reports`);
      await page.getByTestId('portal-report').waitFor({ timeout: 30_000 });
      await page.getByRole('heading', { name: 'Highlights' }).waitFor();
      await page.emulateMedia({ media: 'print' });
      assert(
        !(await page.getByRole('navigation', { name: 'Portal' }).isVisible()),
        'navigation hidden in print',
      );
      assert(
        !(await page.getByRole('button', { name: 'Print / PDF' }).isVisible()),
        'print button hidden in print',
      );
      await page.waitForTimeout(600);
      await page.screenshot({ path: path.join(shots, 'portal-report.png'), fullPage: true });
      await page.emulateMedia({ media: 'screen' });
    });

    await check('on a phone the dashboard fits the screen width', async () => {
      const phone = await browser?.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
      });
      assert(phone, 'a phone context');
      const p = await phone.newPage();
      await signIn(p, url, login);
      await p.getByRole('table').getByRole('row').nth(1).waitFor({ timeout: 15_000 });
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
      await p.waitForTimeout(600);
      await p.screenshot({ path: path.join(shots, 'portal-phone.png') });
      await phone.close();
    });
  } finally {
    await browser?.close();
    demo.proc?.kill('SIGTERM');
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
