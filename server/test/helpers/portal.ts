/** Client-portal fixtures for route tests: a client with synced campaigns, and a signed-in portal user. */
import type { Signed, TestApp } from './app.ts';
import { uniqueEmail } from './app.ts';

export interface ClientWithData {
  clientId: string;
  slug: string;
  campaignIds: string[];
}

export interface PortalSigned {
  portalUserId: string;
  clientId: string;
  organizationId: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
  headers: Record<string, string>;
}

/**
 * A new client of `who`'s organization with a synced simulator connection of its own: 14 days
 * ending 2026-11-20 unless `opts.days` says otherwise; `opts.currency` is the client's billing
 * currency and `opts.industry` the simulator's (which sets its ad accounts' currency).
 */
export async function clientWithData(
  t: TestApp,
  who: Signed,
  seed: string,
  name?: string,
  opts: { currency?: string; industry?: string; days?: number } = {},
): Promise<ClientWithData> {
  const days = opts.days ?? 14;
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/clients',
    headers: who.headers,
    payload: {
      name: name ?? `Client ${seed}`,
      email: uniqueEmail(`client-${seed}`),
      ...(opts.currency ? { currency: opts.currency } : {}),
    },
  });
  if (created.statusCode !== 201) throw new Error(`client failed: ${created.statusCode} ${created.body}`);
  const clientId: string = created.json().id;
  const conn = await t.app.inject({
    method: 'POST',
    url: '/api/v1/connections',
    headers: who.headers,
    payload: {
      platform: 'simulator',
      clientId,
      settings: {
        seed,
        clients: '1',
        days: String(days),
        endDate: '2026-11-20',
        scale: '0.25',
        ...(opts.industry ? { industry: opts.industry } : {}),
      },
    },
  });
  if (conn.statusCode !== 201) throw new Error(`connect failed: ${conn.statusCode} ${conn.body}`);
  const sync = await t.app.inject({
    method: 'POST',
    url: `/api/v1/connections/${conn.json().connection.id}/sync`,
    headers: who.headers,
    payload: { kind: 'backfill', days },
  });
  if (sync.statusCode !== 202) throw new Error(`sync failed: ${sync.statusCode} ${sync.body}`);
  const run = await t.services.sync.execute(who.organizationId, sync.json().id);
  if (run.status !== 'succeeded') throw new Error(`sync did not succeed: ${JSON.stringify(run.errors)}`);
  const campaigns = await t.storage.db
    .selectFrom('campaigns')
    .select('id')
    .where('organization_id', '=', who.organizationId)
    .where('client_id', '=', clientId)
    .orderBy('id')
    .execute();
  return { clientId, slug: created.json().portalSlug, campaignIds: campaigns.map((c) => c.id) };
}

/** Invites a portal user to `clientId`, accepts the mailed invitation and returns their session. */
export async function portalUserFor(
  t: TestApp,
  who: Signed,
  clientId: string,
  password = 'portal password 1',
): Promise<PortalSigned> {
  const email = uniqueEmail('portal');
  const invited = await t.app.inject({
    method: 'POST',
    url: `/api/v1/clients/${clientId}/portal-users`,
    headers: who.headers,
    payload: { email, name: 'Portal Reader' },
  });
  if (invited.statusCode !== 201) throw new Error(`invite failed: ${invited.statusCode} ${invited.body}`);
  const mail = [...t.mailer.sent].reverse().find((m) => m.to === email);
  const token = /token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
  if (!token) throw new Error('no invitation mail');
  const accepted = await t.app.inject({
    method: 'POST',
    url: '/api/v1/portal/auth/accept',
    payload: { token, password },
  });
  if (accepted.statusCode !== 201) throw new Error(`accept failed: ${accepted.statusCode} ${accepted.body}`);
  const body = accepted.json();
  return {
    portalUserId: body.user.id,
    clientId,
    organizationId: who.organizationId,
    email,
    password,
    token: body.tokens.accessToken,
    refreshToken: body.tokens.refreshToken,
    headers: { authorization: `Bearer ${body.tokens.accessToken}` },
  };
}
