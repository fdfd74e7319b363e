/**
 * The pages mailed links lead to, in Chromium against the `omnify demo` process, whose mail goes to
 * a local SMTP server (harness.ts): a forgotten password is reset from the link in the mail, an
 * invited colleague joins from the link in the invitation (by creating an account), and a new agency
 * is created from the sign-in page. Registered by dashboard.e2e.test.ts.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO, type E2eServer, signIn } from './harness.ts';

const unique = (label: string) => `${label}-${Date.now().toString(36)}@e2e.test`;

async function signedOut(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/login`);
  await page.evaluate(() => localStorage.clear());
  await page.goto(`${url}/login`);
  return page;
}

/** The first link in the newest mail to `to` whose text matches `path`, waiting for it to arrive. */
async function linkInMail(server: E2eServer, to: string, path: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const mail = [...server.mail.received].reverse().find((m) => m.envelope.to.includes(to));
    const link = mail?.text?.match(new RegExp(`https?://\\S+${path}\\?token=[\\w-]+`))?.[0];
    if (link) return link;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} with a ${path} link`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function api<T>(url: string, path: string, init: { token?: string; body?: unknown } = {}) {
  const res = await fetch(`${url}${path}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

export function accountScenarios(env: () => { server: E2eServer; context: BrowserContext }) {
  describe('account pages from mailed links', () => {
    it('resets a forgotten password from the link in the mail, and the new password signs in', async () => {
      const { server, context } = env();
      const email = unique('reset');
      const registered = await api(server.url, '/api/v1/auth/register', {
        body: { email, password: 'first-password', name: 'Rita Reset', organizationName: 'Reset Agency' },
      });
      expect(registered.status).toBe(201);

      const page = await signedOut(context, server.url);
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await page.getByText('a link to choose a new password is on its way').waitFor();

      const link = await linkInMail(server, email, '/reset-password');
      expect(link.startsWith(server.url)).toBe(true);
      await page.goto(link);
      await page.getByLabel('New password').fill('short');
      await page.getByRole('button', { name: 'Set password' }).click();
      // The browser refuses fewer than 8 characters before the API is asked.
      expect(
        await page.getByLabel('New password').evaluate((e) => (e as HTMLInputElement).validity.valid),
      ).toBe(false);
      await page.getByLabel('New password').fill('second-password');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByText('Your password is changed').waitFor();

      // The link works once.
      await page.goto(link);
      await page.getByLabel('New password').fill('third-password');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByRole('link', { name: 'Ask for a new link' }).waitFor();

      expect(
        (await api(server.url, '/api/v1/auth/login', { body: { email, password: 'first-password' } })).status,
      ).toBe(401);
      await signIn(page, server.url, { email, password: 'second-password' });
      await page.close();
    }, 120_000);

    it('an invited colleague joins from the link in the invitation mail by creating an account', async () => {
      const { server, context } = env();
      const email = unique('invitee');
      const page = await signedOut(context, server.url);
      await signIn(page, server.url);
      await page.goto(`${server.url}/settings/team`);
      const form = page
        .locator('form')
        .filter({ has: page.getByRole('button', { name: 'Send invitation' }) });
      await form.getByLabel('Email').fill(email);
      await form.getByLabel('Role').selectOption('viewer');
      await form.getByRole('button', { name: 'Send invitation' }).click();
      const shown = (await page.getByTestId('invitation-link').textContent())?.trim() ?? '';
      const link = await linkInMail(server, email, '/accept-invitation');
      // The page shows the same link the mail carries, for a server that cannot send mail.
      expect(shown).toBe(link);

      await page.evaluate(() => localStorage.clear());
      // A link cut short when copied says so, before anyone types anything.
      await page.goto(link.slice(0, link.indexOf('token=') + 'token='.length + 5));
      await page.getByText('This link is incomplete').waitFor();
      await page.goto(link);
      // The page names the organization and role the link offers, and knows the address.
      await page.getByRole('heading', { name: 'Join Northwind Digital (demo) on Omnify' }).waitFor();
      await page.getByText('Create your account to join as a viewer').waitFor();
      expect(await page.getByLabel('Email').inputValue()).toBe(email);
      await page.getByLabel('Your name').fill('Ivy Invitee');
      await page.getByLabel('Password').fill('invitee-password');
      await page.getByRole('button', { name: 'Create account and join' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: 30_000 });

      // The new account is a member of the demo agency with the role it was invited with.
      const login = await api<{ tokens: { accessToken: string } }>(server.url, '/api/v1/auth/login', {
        body: { email, password: 'invitee-password' },
      });
      const me = await api<{ organizationId: string; role: string }>(server.url, '/api/v1/me', {
        token: login.body.tokens.accessToken,
      });
      expect(me.body.role).toBe('viewer');
      const owner = await api<{ tokens: { accessToken: string } }>(server.url, '/api/v1/auth/login', {
        body: DEMO,
      });
      const ownerMe = await api<{ organizationId: string }>(server.url, '/api/v1/me', {
        token: owner.body.tokens.accessToken,
      });
      expect(me.body.organizationId).toBe(ownerMe.body.organizationId);

      // The invitation is used: the link says so and offers no form; the API refuses a second account.
      await page.evaluate(() => localStorage.clear());
      await page.goto(link);
      await page.getByText('This invitation was already accepted').waitFor();
      expect(await page.getByRole('button', { name: 'Create account and join' }).count()).toBe(0);
      const again = await api(server.url, '/api/v1/auth/register', {
        body: {
          email: unique('second'),
          password: 'other-password',
          name: 'Someone Else',
          invitationToken: new URL(link).searchParams.get('token'),
        },
      });
      expect(again.status).toBe(400);
      await page.close();
    }, 120_000);

    it('creates a new agency from the sign-in page', async () => {
      const { server, context } = env();
      const email = unique('founder');
      const page = await signedOut(context, server.url);
      await page.getByRole('link', { name: 'Create an agency' }).click();
      await page.getByLabel('Your name').fill('Fay Founder');
      await page.getByLabel('Agency name').fill('Founders Media');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('founder-password');
      await page.getByRole('button', { name: 'Create agency' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: 30_000 });
      const login = await api<{ tokens: { accessToken: string } }>(server.url, '/api/v1/auth/login', {
        body: { email, password: 'founder-password' },
      });
      const me = await api<{
        organizationId: string;
        role: string;
        organizations: Array<{ id: string; name: string }>;
      }>(server.url, '/api/v1/me', { token: login.body.tokens.accessToken });
      expect(me.body.role).toBe('owner');
      expect(me.body.organizations.find((o) => o.id === me.body.organizationId)?.name).toBe('Founders Media');
      await page.close();
    }, 120_000);
  });
}
