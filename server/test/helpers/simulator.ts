/** Gives an organization a small synced simulator connection, through the API, for route tests. */
import type { Signed, TestApp } from './app.ts';

export interface SyncedSimulator {
  connectionId: string;
  syncRunId: string;
  campaignId: string;
  adGroupId: string;
  adId: string;
  adAccountId: string;
}

export async function connectSimulator(t: TestApp, who: Signed, seed = 'routes'): Promise<SyncedSimulator> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/connections',
    headers: who.headers,
    payload: {
      platform: 'simulator',
      settings: { seed, clients: '1', days: '14', endDate: '2026-11-20', scale: '0.25' },
    },
  });
  if (res.statusCode !== 201) throw new Error(`connect failed: ${res.statusCode} ${res.body}`);
  const connectionId: string = res.json().connection.id;
  const sync = await t.app.inject({
    method: 'POST',
    url: `/api/v1/connections/${connectionId}/sync`,
    headers: who.headers,
    payload: { kind: 'backfill', days: 14 },
  });
  if (sync.statusCode !== 202) throw new Error(`sync failed: ${sync.statusCode} ${sync.body}`);
  const run = await t.services.sync.execute(who.organizationId, sync.json().id);
  if (run.status !== 'succeeded') throw new Error(`sync did not succeed: ${JSON.stringify(run.errors)}`);
  const ad = await t.storage.db
    .selectFrom('ads')
    .select(['id', 'campaign_id', 'ad_group_id', 'ad_account_id'])
    .where('organization_id', '=', who.organizationId)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return {
    connectionId,
    syncRunId: run.id,
    campaignId: ad.campaign_id,
    adGroupId: ad.ad_group_id,
    adId: ad.id,
    adAccountId: ad.ad_account_id,
  };
}
