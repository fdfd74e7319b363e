/**
 * End-to-end harness: the real `omnify demo` process (SQLite, in-process queue, demo agency) on a free
 * port, serving the production build of the web dashboard, driven by Debian's Chromium through
 * playwright-core. A local fake of the Meta Marketing API (the one the connector contract tests use)
 * plus a stand-in for Meta's consent screen let the browser complete a real OAuth redirect flow, and
 * a local SMTP server receives the demo's mail (SMTP_URL), so mailed links can be followed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { ensureWebBuild } from '../../src/main/web-build.ts';
import { makeScenario } from '../../src/modules/connectors/connector.contract.ts';
import { META_API_VERSION } from '../../src/modules/connectors/meta/index.ts';
import { type MetaFake, startMetaFake } from '../fakes/meta/fake.ts';
import { type FakeSmtp, startFakeSmtp } from '../fakes/smtp.ts';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const DEMO = { email: 'demo@omnify.local', password: 'omnify-demo' };

export interface E2eServer {
  url: string;
  dataDir: string;
  meta: MetaFake;
  /** The SMTP server the demo sends its mail to (invitations, password resets, notifications). */
  mail: FakeSmtp;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Meta's consent screen: a person who clicks "Continue" is sent back to redirect_uri with a code
 * and the state. The Meta fake accepts the code `good-code` at its token endpoint.
 */
async function startConsentScreen(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const redirect = u.searchParams.get('redirect_uri');
    const state = u.searchParams.get('state');
    if (!u.pathname.endsWith('/dialog/oauth') || !redirect || !state) {
      res.writeHead(400).end('bad request');
      return;
    }
    const back = new URL(redirect);
    back.searchParams.set('code', 'good-code');
    back.searchParams.set('state', state);
    res.writeHead(302, { location: back.toString() }).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * Builds web/dist if needed, then starts `omnify demo` and resolves once it prints its URL. `env` adds
 * settings (billing.scenarios.ts starts a second demo with Stripe billing on against the Stripe fake).
 */
export async function startE2eServer(opts: { env?: Record<string, string> } = {}): Promise<E2eServer> {
  const built = ensureWebBuild(() => {});
  if (built === 'failed' || built === 'no-sources') throw new Error(`web build: ${built}`);
  const meta = await startMetaFake(makeScenario());
  const consent = await startConsentScreen();
  const mail = await startFakeSmtp();
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'omnify-e2e-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  // One box: SQLite and the in-process queue, whatever the surrounding test run uses.
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  Object.assign(env, {
    OMNIFY_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
    OMNIFY_META_CLIENT_ID: 'e2e-app',
    OMNIFY_META_CLIENT_SECRET: 'e2e-secret',
    OMNIFY_META_API_BASE_URL: meta.url,
    OMNIFY_META_AUTHORIZE_URL: `${consent.url}/${META_API_VERSION}/dialog/oauth`,
    OMNIFY_META_TOKEN_URL: `${meta.url}/${META_API_VERSION}/oauth/access_token`,
    // Every scenario signs in from 127.0.0.1: the per-IP sign-in limit (20 a minute) is not what
    // these tests are about, and a fast machine signs in more than 20 times in a minute.
    OMNIFY_LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    // Likewise the request limit (600 a minute per person): every scenario is the demo owner, and the
    // whole suite makes more requests a minute than one person does.
    OMNIFY_RATE_LIMIT_PER_MINUTE: '20000',
    SMTP_URL: mail.url(),
    MAIL_FROM: 'Omnify <omnify@e2e.test>',
    ...opts.env,
  });
  const child: ChildProcess = spawn(process.execPath, ['bin/omnify.js', 'demo', '--port', String(port)], {
    cwd: serverDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`demo did not start in 180 s:\n${output.slice(-3000)}`)),
      180_000,
    );
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes('Omnify is running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited with ${code}:\n${output.slice(-3000)}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    meta,
    mail,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      await meta.close();
      await consent.close();
      await mail.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const chromiumPath = process.env.OMNIFY_CHROMIUM ?? '/usr/bin/chromium';

/** A fresh Chromium profile per call (its own --user-data-dir), headless, nothing phoning home. */
export async function launchBrowser(viewport = { width: 1280, height: 860 }): Promise<{
  context: BrowserContext;
  close(): Promise<void>;
}> {
  if (!existsSync(chromiumPath))
    throw new Error(
      `Chromium not found at ${chromiumPath}: apt-get install -y chromium (or set OMNIFY_CHROMIUM)`,
    );
  const profile = mkdtempSync(path.join(tmpdir(), 'omnify-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the login form (and the MFA step when `mfaCode` is given). */
export async function signIn(
  page: Page,
  baseUrl: string,
  creds = DEMO,
  mfaCode?: () => string,
): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill(creds.email);
  await page.getByLabel('Password').fill(creds.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (mfaCode) {
    await page.getByLabel('Authentication code').fill(mfaCode());
    await page.getByRole('button', { name: 'Verify' }).click();
  }
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

/** An access token of `creds` (the demo owner by default), through the API's sign-in. */
export async function loginToken(baseUrl: string, creds = DEMO): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(creds),
  });
  return ((await res.json()) as { tokens: { accessToken: string } }).tokens.accessToken;
}

/** A new page signed in through the form, whatever session an earlier scenario left in the browser. */
export async function signedInPage(context: BrowserContext, baseUrl: string, creds = DEMO): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/login`);
  await page.evaluate(() => localStorage.clear());
  await signIn(page, baseUrl, creds);
  return page;
}

/** An API call with a bearer token: the JSON answer (null for 204), or an error naming the status and body. */
export async function apiCall<T>(
  baseUrl: string,
  token: string,
  method: string,
  p: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${baseUrl}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? null : await res.json()) as T;
}

/** `apiCall` bound to a server and a token. */
export function apiClient(baseUrl: string, token: string) {
  return <T>(method: string, p: string, body?: unknown) => apiCall<T>(baseUrl, token, method, p, body);
}

/** A full-page screenshot into $OMNIFY_E2E_SHOTS when it is set (nothing otherwise). */
export async function shoot(page: Page, name: string): Promise<void> {
  const dir = process.env.OMNIFY_E2E_SHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** The element lies within the viewport's width: on screen without scrolling sideways. */
export async function inView(page: Page, l: Locator): Promise<boolean> {
  const box = await l.boundingBox();
  const width = page.viewportSize()?.width ?? 0;
  return box !== null && box.x >= 0 && box.x + box.width <= width + 0.5;
}

/** No sideways scrolling: the page is no wider than the viewport. */
export const fitsWidth = (page: Page): Promise<boolean> =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
