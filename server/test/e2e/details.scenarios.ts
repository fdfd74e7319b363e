/**
 * Small things people reported, in Chromium against the demo: the audit log names the organization,
 * memberships and invitations (not their ids), opens an entry to show its before and after, and says
 * that its Action filter takes `area.*`; revoking an API key asks first; the Predictions page lists
 * clients by name; the campaign picker is a listbox the keyboard works (Down, Up, Enter, Escape);
 * client onboarding offers only clients' connections, and the API refuses one of no client in words
 * that say what to do. Registered by dashboard.e2e.test.ts. With OMNIFY_E2E_SHOTS set to a folder,
 * screenshots go there.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiClient, type E2eServer, loginToken, shoot, signedInPage } from './harness.ts';

async function filterAudit(page: Page, action: string) {
  const form = page.getByRole('form', { name: 'Audit filters' });
  await form.getByLabel('Action').fill(action);
  await form.getByRole('button', { name: 'Filter', exact: true }).click();
}

export function detailScenarios(env: () => { server: E2eServer; context: BrowserContext }) {
  describe('details people reported', () => {
    it('the audit log names the organization and memberships, opens an entry to its before and after, and says the Action filter takes area.*', async () => {
      const { server, context } = env();
      const call = apiClient(server.url, await loginToken(server.url));
      const org = await call<{ id: string; name: string }>('GET', '/api/v1/organization');
      // A member whose role changes: members.role_changed, on the membership, before → after.
      const email = `ada-auditee-${Date.now()}@example.test`;
      const inv = await call<{ id: string; token: string }>('POST', '/api/v1/invitations', {
        email,
        role: 'member',
      });
      const joined = await fetch(`${server.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email,
          password: 'auditee password',
          name: 'Ada Auditee',
          invitationToken: inv.token,
        }),
      });
      expect(joined.status).toBe(201);
      const userId = ((await joined.json()) as { user: { id: string } }).user.id;
      const members = await call<{ items: Array<{ id: string; userId: string }> }>('GET', '/api/v1/members');
      const membership = members.items.find((m) => m.userId === userId)?.id as string;
      await call('PATCH', `/api/v1/members/${membership}`, { role: 'viewer' });
      // A client renamed, then deleted: its entries keep naming it.
      const client = await call<{ id: string }>('POST', '/api/v1/clients', {
        name: 'Audit Detail Co',
        email: `audit-detail-${Date.now()}@example.test`,
      });
      await call('PATCH', `/api/v1/clients/${client.id}`, { name: 'Audit Detail Company' });
      await call('DELETE', `/api/v1/clients/${client.id}`);
      await call('DELETE', `/api/v1/members/${membership}`);

      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/audit`);
      const form = page.getByRole('form', { name: 'Audit filters' });
      // The Action field says it takes a prefix: its placeholder, the line it points to, suggestions.
      const action = form.getByLabel('Action');
      expect(await action.getAttribute('placeholder')).toContain('.*');
      const hint = page.locator(`#${await action.getAttribute('aria-describedby')}`);
      await expect(hint.textContent()).resolves.toMatch(/clients\.\* for every change to clients/);
      const entries = page.getByRole('table', { name: 'Audit entries' });
      await entries.locator('tbody tr').first().waitFor();
      const suggested = await page
        .locator(`datalist#${await action.getAttribute('list')} option`)
        .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(suggested).toEqual(expect.arrayContaining(['members.*', 'clients.*', 'members.role_changed']));

      // area.* lists every action of the area, and only those.
      await filterAudit(page, 'members.*');
      const removed = entries.locator('tbody tr').filter({ hasText: 'members.removed' }).first();
      await removed.waitFor();
      const shownActions = await entries.locator('tbody tr td:nth-child(4)').allTextContents();
      expect(shownActions.length).toBeGreaterThan(1);
      expect(shownActions.every((a) => a.startsWith('members.'))).toBe(true);
      // The membership by its person (removed since), never its id.
      for (const row of await entries.locator('tbody tr').filter({ hasText: 'members.' }).all()) {
        const target = row.getByTestId('audit-target');
        if (!((await target.textContent()) ?? '').startsWith('membership')) continue;
        expect(await target.textContent()).not.toMatch(/mem_/);
      }
      const changed = entries.locator('tbody tr').filter({ hasText: 'members.role_changed' }).first();
      await changed.getByTestId('audit-target').getByText('Ada Auditee').waitFor();
      await shoot(page, 'audit-membership-named');

      // The entry opens: before and after, side by side, and the person its metadata names.
      const seq = ((await changed.locator('td').first().textContent()) ?? '').trim();
      const toggle = changed.getByRole('button', { name: `Details of entry #${seq}` });
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      await toggle.click();
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      const detail = page.getByRole('region', { name: `Entry #${seq}` });
      const changes = detail.getByRole('table', { name: 'Changes' });
      const cells = await changes.locator('tbody tr').first().locator('th, td').allTextContents();
      expect(cells).toEqual(['role', 'member', 'viewer']);
      const details = detail.locator('dl[aria-label="Details"]');
      await expect(details.textContent()).resolves.toContain('Ada Auditee');
      // The id on hover, not in the text.
      expect(await details.locator(`[title="${userId}"]`).textContent()).toBe('Ada Auditee');
      expect(await details.textContent()).not.toContain(userId);
      await shoot(page, 'audit-entry-role-change');
      await toggle.click();
      await detail.waitFor({ state: 'detached' });

      // A client's rename: only the changed field is a row, the rest named as unchanged; the client
      // is gone, and its entries still name it.
      await filterAudit(page, 'clients.updated');
      const renamed = entries
        .locator('tbody tr')
        .filter({ has: page.getByTestId('audit-target').getByText('Audit Detail Company') })
        .first();
      await renamed.waitFor();
      const renamedSeq = ((await renamed.locator('td').first().textContent()) ?? '').trim();
      await renamed.getByRole('button', { name: `Details of entry #${renamedSeq}` }).click();
      const renameDetail = page.getByRole('region', { name: `Entry #${renamedSeq}` });
      const rows = renameDetail.getByRole('table', { name: 'Changes' }).locator('tbody tr');
      const changedFields = await rows.locator('th').allTextContents();
      expect(changedFields).toContain('name');
      expect(changedFields).not.toContain('email');
      const nameRow = rows.filter({ has: page.locator('th', { hasText: /^name$/ }) });
      expect(await nameRow.locator('td').allTextContents()).toEqual([
        'Audit Detail Co',
        'Audit Detail Company',
      ]);
      await renameDetail.getByText(/^Unchanged: .*email/).waitFor();
      await shoot(page, 'audit-entry-client-rename');

      // The organization by its name, linked to its settings.
      await filterAudit(page, 'organizations.*');
      const orgTarget = entries.getByTestId('audit-target').first();
      await orgTarget.getByText(org.name, { exact: true }).waitFor();
      expect(await orgTarget.textContent()).not.toMatch(/org_/);
      expect(await orgTarget.getByRole('link').getAttribute('href')).toBe('/settings/organization');
      await page.close();
    }, 180_000);

    it('revoking an API key asks first: Cancel keeps it, Revoke key revokes it', async () => {
      const { server, context } = env();
      const call = apiClient(server.url, await loginToken(server.url));
      const name = `Revoke me ${Date.now()}`;
      const key = await call<{ id: string; secret: string }>('POST', '/api/v1/api-keys', {
        name,
        scopes: ['campaigns:read'],
      });
      const works = () =>
        fetch(`${server.url}/api/v1/campaigns?limit=1`, { headers: { 'x-api-key': key.secret } }).then(
          (r) => r.status,
        );
      expect(await works()).toBe(200);
      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/settings/api-keys`);
      const revoke = page.getByRole('button', { name: `Revoke API key ${name}` });
      await revoke.click();
      const dialog = page.getByRole('alertdialog', { name: 'Revoke this API key?' });
      await dialog.waitFor();
      await expect(dialog.getByTestId('confirm-summary').textContent()).resolves.toContain(name);
      await expect(dialog.textContent()).resolves.toContain('stop working at once');
      await shoot(page, 'api-key-revoke-confirm');
      // Cancel: nothing happens.
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
      expect(await works()).toBe(200);
      // Escape cancels too.
      await revoke.click();
      await dialog.waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect(await works()).toBe(200);
      // Confirmed: the key is revoked, and the list says so.
      await revoke.click();
      await dialog.getByRole('button', { name: 'Revoke key' }).click();
      const row = page.getByRole('listitem').filter({ hasText: name });
      await row.getByText('revoked').waitFor();
      expect(await works()).toBe(401);
      await shoot(page, 'api-key-revoked');
      await page.close();
    }, 120_000);

    it('removing a member and revoking an invitation ask first: Cancel keeps them, confirming removes them', async () => {
      const { server, context } = env();
      const call = apiClient(server.url, await loginToken(server.url));
      const stamp = Date.now();
      const memberEmail = `leaving-${stamp}@example.com`;
      const invited = await call<{ token: string }>('POST', '/api/v1/invitations', {
        email: memberEmail,
        role: 'member',
      });
      const registered = await fetch(`${server.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: memberEmail,
          password: 'a long enough password',
          name: `Leaving Member ${stamp}`,
          invitationToken: invited.token,
        }),
      });
      expect(registered.status).toBe(201);
      const pendingEmail = `pending-${stamp}@example.com`;
      await call('POST', '/api/v1/invitations', { email: pendingEmail, role: 'viewer' });
      const memberEmails = async () =>
        (await call<{ items: Array<{ email: string }> }>('GET', '/api/v1/members')).items.map((m) => m.email);
      const invitationStatus = async () =>
        (
          await call<{ items: Array<{ email: string; status: string }> }>('GET', '/api/v1/invitations')
        ).items.find((i) => i.email === pendingEmail)?.status;

      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/settings/team`);
      const remove = page.getByRole('button', { name: `Remove Leaving Member ${stamp}` });
      await remove.click();
      const dialog = page.getByRole('alertdialog', { name: 'Remove this member?' });
      await expect(dialog.getByTestId('confirm-summary').textContent()).resolves.toContain(memberEmail);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
      expect(await memberEmails()).toContain(memberEmail);
      await remove.click();
      await dialog.getByRole('button', { name: 'Remove member' }).click();
      await remove.waitFor({ state: 'detached' });
      expect(await memberEmails()).not.toContain(memberEmail);

      const revoke = page.getByRole('button', { name: `Revoke the invitation of ${pendingEmail}` });
      await revoke.click();
      const asked = page.getByRole('alertdialog', { name: 'Revoke this invitation?' });
      await expect(asked.getByTestId('confirm-summary').textContent()).resolves.toContain(pendingEmail);
      await page.keyboard.press('Escape');
      await asked.waitFor({ state: 'detached' });
      expect(await invitationStatus()).toBe('pending');
      await revoke.click();
      await asked.getByRole('button', { name: 'Revoke invitation' }).click();
      await revoke.waitFor({ state: 'detached' });
      expect(await invitationStatus()).toBe('revoked');
      await page.close();
    }, 120_000);

    it('a client page shows its customers’ value from the CRM, or why it cannot', async () => {
      const { server, context } = env();
      const call = apiClient(server.url, await loginToken(server.url));
      const clients = await call<{ items: Array<{ id: string; name: string }> }>('GET', '/api/v1/clients');
      const bright = clients.items.find((c) => c.name === 'Bright Smile Dental')!;
      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/clients/${bright.id}`);
      // The demo's patients come back for recall visits: the models fit, the top contacts are listed.
      const card = page.getByTestId('clv');
      await card.waitFor();
      const top = card.getByRole('table', { name: 'Most valuable contacts' });
      await top.locator('tbody tr').first().waitFor();
      expect(await top.locator('tbody tr').count()).toBe(5);
      const api = await call<{
        totals: { expectedPurchases: number };
        contacts: Array<{ name: string | null; frequency: number; expectedPurchases: number }>;
      }>('GET', `/api/v1/oracle/clv?clientId=${bright.id}&horizonDays=90&limit=5`);
      await expect(card.getByTestId('clv-expected-purchases').textContent()).resolves.toBe(
        api.totals.expectedPurchases.toFixed(1),
      );
      // Row by row the API's five contacts, in its order: name, purchases so far, expected purchases, value.
      const rows = await top.locator('tbody tr').allTextContents();
      expect(api.contacts).toHaveLength(5);
      api.contacts.forEach((c, i) => {
        expect(rows[i]).toContain(c.name!);
        expect(rows[i]).toContain(c.expectedPurchases.toFixed(2));
        expect(rows[i]).toMatch(/\$[\d,.]+$/);
      });
      await shoot(page, 'client-customer-value');
      // A client without CRM deals: the API's reason, not an empty card or an error page.
      const stamp = Date.now();
      const fresh = await call<{ id: string }>('POST', '/api/v1/clients', {
        name: `No CRM ${stamp}`,
        email: `no-crm-${stamp}@example.test`,
      });
      await page.goto(`${server.url}/clients/${fresh.id}`);
      const none = page.getByTestId('clv-unavailable');
      await none.waitFor();
      await expect(none.textContent()).resolves.toMatch(/Not available for this client: .*won opportunities/);
      await page.close();
      await call('DELETE', `/api/v1/clients/${fresh.id}`);
    }, 120_000);

    it('the Predictions client selector lists clients by name, accented names among their letter', async () => {
      const { server, context } = env();
      const call = apiClient(server.url, await loginToken(server.url));
      // Newest first in the API's order; a plain code-point sort would put both after "Z…".
      const made: string[] = [];
      for (const name of ['Ångström Optics', 'aardvark Studio'])
        made.push(
          (
            await call<{ id: string }>('POST', '/api/v1/clients', {
              name,
              email: `sorted-${made.length}-${Date.now()}@example.test`,
            })
          ).id,
        );
      try {
        const page = await signedInPage(context, server.url);
        await page.goto(`${server.url}/predictions`);
        const select = page.getByRole('combobox', { name: 'Client' });
        await select.locator('option', { hasText: 'Ångström Optics' }).waitFor({ state: 'attached' });
        const shown = await select.locator('option').allTextContents();
        const api = await call<{ items: Array<{ name: string }> }>('GET', '/api/v1/clients?limit=200');
        expect(shown).toHaveLength(api.items.length);
        const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
        expect(shown).toEqual([...shown].sort(collator.compare));
        expect(shown[0]).toBe('aardvark Studio');
        expect(shown.indexOf('Ångström Optics')).toBeLessThan(shown.indexOf('Bright Smile Dental'));
        // For the screenshot only: the list drawn open (a native select's popup is not in one).
        await select.evaluate((el: HTMLSelectElement) => {
          el.size = Math.min(el.options.length, 10);
        });
        await shoot(page, 'predictions-clients-sorted');
        await page.close();
      } finally {
        for (const id of made) await call('DELETE', `/api/v1/clients/${id}`);
      }
    }, 180_000);

    it('the campaign picker is a listbox: Down and Up move, Enter chooses, Escape closes', async () => {
      const { server, context } = env();
      const call = apiClient(server.url, await loginToken(server.url));
      const campaigns = await call<{ items: Array<{ id: string; name: string }> }>(
        'GET',
        '/api/v1/campaigns?limit=200',
      );
      // A word that several campaigns share, to have more than one match.
      const words = new Map<string, number>();
      for (const c of campaigns.items)
        for (const w of new Set(c.name.toLowerCase().split(/[^a-z]+/)))
          if (w.length >= 4) words.set(w, (words.get(w) ?? 0) + 1);
      const word = [...words].filter(([, n]) => n >= 3 && n <= 20).sort((a, b) => b[1] - a[1])[0]?.[0];
      if (!word) throw new Error('no word shared by a few demo campaigns');

      const page = await signedInPage(context, server.url);
      await page.goto(`${server.url}/agents`);
      await page.getByRole('list', { name: 'Agents' }).getByRole('button', { name: 'Analytics' }).click();
      const box = page.getByRole('combobox', { name: 'Campaign' });
      await box.fill(word);
      const list = page.getByRole('listbox', { name: `Campaigns matching “${word}”` });
      await list.waitFor();
      expect(await box.getAttribute('aria-expanded')).toBe('true');
      expect(await box.getAttribute('aria-controls')).toBe(await list.getAttribute('id'));
      const options = list.getByRole('option');
      expect(await options.count()).toBeGreaterThan(1);
      // Nothing is active until the keyboard moves.
      expect(await box.getAttribute('aria-activedescendant')).toBeNull();
      expect(await list.locator('[aria-selected="true"]').count()).toBe(0);
      await box.press('ArrowDown');
      await box.press('ArrowDown');
      const second = options.nth(1);
      expect(await second.getAttribute('aria-selected')).toBe('true');
      expect(await box.getAttribute('aria-activedescendant')).toBe(await second.getAttribute('id'));
      await box.press('ArrowUp');
      const first = options.nth(0);
      expect(await first.getAttribute('aria-selected')).toBe('true');
      expect(await second.getAttribute('aria-selected')).toBe('false');
      expect(await box.getAttribute('aria-activedescendant')).toBe(await first.getAttribute('id'));
      // The focus stays in the search box all along.
      expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
      await shoot(page, 'campaign-picker-keyboard');
      // Escape closes the list; Down opens it again.
      await box.press('Escape');
      expect(await box.getAttribute('aria-expanded')).toBe('false');
      expect(await list.isHidden()).toBe(true);
      await box.press('ArrowDown');
      await list.waitFor();
      const name = ((await options.nth(0).locator('span span').first().textContent()) ?? '').trim();
      // Enter chooses it (and does not run the agent).
      const agents = await call<{ items: Array<{ id: string; name: string }> }>('GET', '/api/v1/agents');
      const analytics = agents.items.find((a) => a.name === 'Analytics')?.id;
      const runsOf = async () =>
        (await call<{ items: unknown[] }>('GET', `/api/v1/agents/${analytics}/runs?limit=100`)).items.length;
      const runsBefore = await runsOf();
      await box.press('Enter');
      const chosen = page.getByTestId('chosen-campaign');
      await chosen.getByText(name, { exact: true }).waitFor();
      expect(await runsOf()).toBe(runsBefore);
      await shoot(page, 'campaign-picker-chosen');
      await page.close();
    }, 120_000);

    it('client onboarding offers only clients’ connections, and the API refuses one of no client saying what to do', async () => {
      const { server, context } = env();
      const call = apiClient(server.url, await loginToken(server.url));
      const token = await loginToken(server.url);
      const connection = (
        await call<{ connection: { id: string; name: string } }>('POST', '/api/v1/connections', {
          platform: 'simulator',
          name: 'Agency sandbox (no client)',
          settings: { seed: 'e2e_no_client', clients: '1', days: '7', scale: '0.25' },
        })
      ).connection;
      const { workflow } = await call<{ workflow: { id: string; name: string } }>(
        'POST',
        '/api/v1/workflows',
        {
          templateId: 'client_onboarding',
          variables: { notifyEmail: 'onboarding-e2e@example.test' },
        },
      );
      try {
        // The API: 400 with what to do, before anything runs.
        const res = await fetch(`${server.url}/api/v1/workflows/${workflow.id}/runs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ input: { connectionId: connection.id, clientName: 'Nobody' } }),
        });
        expect(res.status).toBe(400);
        const error = (
          (await res.json()) as { error: { code: string; message: string; details: { reason: string } } }
        ).error;
        expect(error.code).toBe('invalid_input');
        expect(error.details.reason).toBe('connection_without_client');
        expect(error.message).toContain(`The connection "${connection.name}" belongs to no client`);
        expect(error.message).toContain('Connections page');
        expect(error.message).not.toMatch(/expected string|received null|Invalid parameters/);

        // The run form: the connection is listed, marked "no client", and cannot be chosen.
        const page = await signedInPage(context, server.url);
        await page.goto(`${server.url}/workflows`);
        const card = page.getByRole('region', { name: `Workflow ${workflow.name}` }).first();
        await card.getByRole('button', { name: 'Run now', exact: true }).click();
        const form = card.getByRole('form', { name: `Run ${workflow.name}` });
        const select = form.getByRole('combobox', { name: /^Connection/ });
        const option = select.locator('option', { hasText: connection.name });
        await option.waitFor({ state: 'attached' });
        expect(await option.textContent()).toContain('no client');
        expect(await option.isDisabled()).toBe(true);
        // A client's connection can be chosen.
        const enabled = select.locator('option:not([disabled])');
        expect(await enabled.count()).toBeGreaterThan(0);
        const note = form.getByTestId('connections-without-client');
        await expect(note.textContent()).resolves.toMatch(
          /cannot be chosen here: connect the client's account/,
        );
        expect(await note.getByRole('link', { name: 'Connections page' }).getAttribute('href')).toBe(
          '/connections',
        );
        // For the screenshot only: the list drawn open (a native select's popup is not in one).
        await select.evaluate((el: HTMLSelectElement) => {
          el.size = Math.min(el.options.length, 8);
        });
        await shoot(page, 'onboarding-connection-of-no-client');
        await page.close();
      } finally {
        await call('DELETE', `/api/v1/workflows/${workflow.id}`);
        await call('DELETE', `/api/v1/connections/${connection.id}`);
      }
    }, 180_000);
  });
}
