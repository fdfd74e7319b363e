/**
 * An agency manages a client's portal users from the client page, in Chromium, against the same
 * `omnify demo` process as the dashboard scenarios: a form mistake is named before anything is sent,
 * the server's refusal (an address that already has access: 409) is shown with its message, an
 * invited person is listed as the API lists them, and revoking asks first and then ends their
 * access. Registered by dashboard.e2e.test.ts.
 */
import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type E2eServer, loginToken, signIn } from './harness.ts';

interface PortalUser {
  id: string;
  email: string;
  name: string;
  status: string;
}

async function get<T>(url: string, token: string, path: string): Promise<T> {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

export function portalUserScenarios(env: () => { server: E2eServer; context: BrowserContext }) {
  describe('portal users on the client page', () => {
    it('invites a portal user from the client page, lists them as the API does, and revokes after a confirmation', async () => {
      const { server, context } = env();
      const token = await loginToken(server.url);
      const clients = await get<{ items: Array<{ id: string; name: string }> }>(
        server.url,
        token,
        '/api/v1/clients',
      );
      const clientId = clients.items.find((c) => c.name === 'Peak Fitness')?.id ?? '';
      const email = `dana.${Date.now()}@peakfitness.example`;

      const page = await context.newPage();
      await page.goto(`${server.url}/login`);
      await page.evaluate(() => localStorage.clear());
      await signIn(page, server.url);
      await page.goto(`${server.url}/clients/${clientId}`);
      const form = page.getByRole('form', { name: 'Invite a portal user' });
      const table = page.getByRole('table', { name: 'Portal users' });
      await table.waitFor();

      // A malformed address is named next to its field and nothing reaches the server.
      await form.getByLabel('Name').fill('Dana Client');
      await form.getByLabel('Email').fill('dana-at-peakfitness');
      await form.getByRole('button', { name: 'Send invitation' }).click();
      await form.getByText('Enter a valid email address').waitFor();
      const before = await get<{ items: PortalUser[] }>(
        server.url,
        token,
        `/api/v1/clients/${clientId}/portal-users`,
      );
      expect(before.items.some((u) => u.email === 'dana-at-peakfitness')).toBe(false);

      // The demo's portal user is active: the server's 409 message is shown as it is.
      await form.getByLabel('Email').fill('portal@peakfitness.example');
      await form.getByRole('button', { name: 'Send invitation' }).click();
      await expect(form.getByRole('alert').textContent()).resolves.toContain(
        "portal@peakfitness.example already has access to this client's portal",
      );

      // A new person: invited, told where they will sign in, listed with the API's status.
      await form.getByLabel('Email').fill(email);
      await form.getByRole('button', { name: 'Send invitation' }).click();
      const result = page.getByTestId('portal-invite-result');
      await result.getByText(`Invitation emailed to ${email}`).waitFor();
      await expect(result.getByLabel('Portal sign-in address').inputValue()).resolves.toBe(
        `${server.url}/portal/peak-fitness/login`,
      );
      const row = table.locator('tbody tr').filter({ hasText: email });
      await row.getByText('Dana Client').waitFor();
      await row.getByText('invited').waitFor();
      const listed = await get<{ items: PortalUser[] }>(
        server.url,
        token,
        `/api/v1/clients/${clientId}/portal-users`,
      );
      expect(listed.items.find((u) => u.email === email)).toMatchObject({
        name: 'Dana Client',
        status: 'invited',
      });

      // Revoke asks first; Cancel changes nothing, confirming revokes.
      await row.getByRole('button', { name: `Revoke portal access of ${email}` }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
      await row.getByText('invited').waitFor();
      const kept = await get<{ items: PortalUser[] }>(
        server.url,
        token,
        `/api/v1/clients/${clientId}/portal-users`,
      );
      expect(kept.items.find((u) => u.email === email)?.status).toBe('invited');
      await row.getByRole('button', { name: `Revoke portal access of ${email}` }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke access' }).click();
      await row.getByText('revoked').waitFor();
      await row.getByRole('button', { name: `Send a new invitation link to ${email}` }).waitFor();
      const after = await get<{ items: PortalUser[] }>(
        server.url,
        token,
        `/api/v1/clients/${clientId}/portal-users`,
      );
      expect(after.items.find((u) => u.email === email)?.status).toBe('revoked');
      await page.close();
    }, 120_000);
  });
}
