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

/** The simulator's last day of data in these tests; its 14 days start on SIMULATOR_FIRST_DAY. */
export const SIMULATOR_LAST_DAY = '2026-11-20';
const SIMULATOR_FIRST_DAY = '2026-11-07';

/**
 * A backfill counts its days back from the clock's today: ask for enough of them to reach the
 * simulator's first day, so the synced data stays the same whatever day the tests run on.
 */
function backfillDays(now: Date): number {
  return Math.max(14, daysSince(SIMULATOR_FIRST_DAY, now) + 1);
}

/** Whole days from `day` (YYYY-MM-DD) to the UTC day of `now`; 0 when `day` is today or later. */
function daysSince(day: string, now: Date): number {
  const today = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  return Math.max(0, Math.round((today - Date.parse(`${day}T00:00:00Z`)) / 86_400_000));
}

export async function connectSimulator(t: TestApp, who: Signed, seed = 'routes'): Promise<SyncedSimulator> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/connections',
    headers: who.headers,
    payload: {
      platform: 'simulator',
      settings: { seed, clients: '1', days: '14', endDate: SIMULATOR_LAST_DAY, scale: '0.25' },
    },
  });
  if (res.statusCode !== 201) throw new Error(`connect failed: ${res.statusCode} ${res.body}`);
  const connectionId: string = res.json().connection.id;
  const sync = await t.app.inject({
    method: 'POST',
    url: `/api/v1/connections/${connectionId}/sync`,
    headers: who.headers,
    payload: { kind: 'backfill', days: backfillDays(t.services.clock.now()) },
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

/**
 * A simulator connection of `days` days of history ending `endDate`, backfilled over those days
 * (one client; `scale` multiplies the simulated volumes). For tests that need more history than
 * `connectSimulator`'s 14 days. Returns the connection id.
 */
export async function connectSimulatorDays(
  t: TestApp,
  who: Signed,
  o: { seed: string; days: number; endDate: string; scale?: string },
): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/connections',
    headers: who.headers,
    payload: {
      platform: 'simulator',
      settings: {
        seed: o.seed,
        clients: '1',
        days: String(o.days),
        endDate: o.endDate,
        scale: o.scale ?? '0.25',
      },
    },
  });
  if (res.statusCode !== 201) throw new Error(`connect failed: ${res.statusCode} ${res.body}`);
  const connectionId: string = res.json().connection.id;
  const sync = await t.app.inject({
    method: 'POST',
    url: `/api/v1/connections/${connectionId}/sync`,
    headers: who.headers,
    // A backfill counts its days back from today (the app's clock): reach back to the first of the
    // connection's days however long ago endDate was (else each passing day cost the test a day).
    payload: { kind: 'backfill', days: o.days + daysSince(o.endDate, t.services.clock.now()) },
  });
  if (sync.statusCode !== 202) throw new Error(`sync failed: ${sync.statusCode} ${sync.body}`);
  const run = await t.services.sync.execute(who.organizationId, sync.json().id);
  if (run.status !== 'succeeded') throw new Error(`sync did not succeed: ${JSON.stringify(run.errors)}`);
  return connectionId;
}

/**
 * Runs `fn` with one ad-day's spend replaced (e.g. a negative spend a platform should never report),
 * and puts the synced value back afterwards whatever `fn` does.
 */
export async function withAdDaySpend<T>(
  t: TestApp,
  organizationId: string,
  row: { ad_id: string; date: string; spend_micros: number },
  spendMicros: number,
  fn: () => Promise<T>,
): Promise<T> {
  const set = (spend_micros: number) =>
    t.storage.db
      .updateTable('daily_metrics')
      .set({ spend_micros })
      .where('organization_id', '=', organizationId)
      .where('ad_id', '=', row.ad_id)
      .where('date', '=', row.date)
      .execute();
  await set(spendMicros);
  try {
    return await fn();
  } finally {
    await set(row.spend_micros);
  }
}

/**
 * Multiplies one ad's spend, impressions and clicks on `day` by 6 (the first ad, by id, with spend and
 * more than 20 clicks that day): a spend spike the anomaly detector should find. Returns the ad's id.
 */
export async function spikeAdDay(t: TestApp, organizationId: string, day: string): Promise<string> {
  const ad = await t.storage.db
    .selectFrom('daily_metrics')
    .select(['ad_id', 'spend_micros', 'impressions', 'clicks'])
    .where('organization_id', '=', organizationId)
    .where('date', '=', day)
    .where('spend_micros', '>', 0)
    .where('clicks', '>', 20)
    .orderBy('ad_id')
    .executeTakeFirstOrThrow();
  await t.storage.db
    .updateTable('daily_metrics')
    .set({ spend_micros: ad.spend_micros * 6, impressions: ad.impressions * 6, clicks: ad.clicks * 6 })
    .where('organization_id', '=', organizationId)
    .where('ad_id', '=', ad.ad_id)
    .where('date', '=', day)
    .execute();
  return ad.ad_id;
}
