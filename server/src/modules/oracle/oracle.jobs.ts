/**
 * `oracle.nightly`: per organization, scores the stored forecasts whose first week has actuals
 * (the scorecard), forecasts its clients and campaigns (spend, conversions, revenue, ROAS, 30 days
 * ahead; seasonal naive for the series the scorecard replaced), scans them for anomalous days and
 * assesses the creative fatigue of its ads. Idempotent: a second run on the same data stores
 * nothing new.
 */
import { z } from 'zod';
import { defineJob, handle, type JobBinding } from '../../queue/index.ts';
import type { Storage } from '../../storage/db.ts';
import { systemCtx } from '../auth/context.ts';
import { MIN_NIGHTLY_DAYS, NIGHTLY_HORIZON_DAYS } from './oracle.constants.ts';
import { NOWCAST_DAYS } from './oracle.forecast.nowcast.ts';
import { forecastMetrics } from './oracle.forecast.ts';
import type { EntityRef } from './oracle.series.ts';
import type { Oracle } from './oracle.service.ts';

export const oracleNightlyJob = defineJob({
  name: 'oracle.nightly',
  payload: z.object({ organizationId: z.string().optional() }),
  retries: 3,
  backoff: { type: 'exponential', delayMs: 60_000 },
  timeoutMs: 60 * 60_000,
});

/** 04:23 UTC: after the retention purge (03:17) and the night's syncs have settled. */
export const ORACLE_NIGHTLY_CRON = '23 4 * * *';

export interface NightlyResult {
  organizations: number;
  stored: number;
  unchanged: number;
  /** Anomalous days found and stored for the first time. */
  anomalies: number;
  /** Stored forecasts whose first week was scored against actuals. */
  scored: number;
  /** Ad fatigue assessments stored for the first time (every ad that delivered in the last 28 days). */
  fatigue: number;
  skipped: Array<{
    organizationId: string;
    entityType: string;
    entityId: string;
    days: number;
    reason: string;
  }>;
}

/** Entities with their number of days with data, per organization. */
async function entitiesOf(storage: Storage, organizationId: string) {
  return storage.withTenant(organizationId, async (trx) => {
    const out: Array<{ entity: EntityRef; days: number }> = [];
    for (const [type, col] of [
      ['client', 'client_id'],
      ['campaign', 'campaign_id'],
    ] as const) {
      const rows = await trx
        .selectFrom('daily_metrics')
        .select((eb) => [eb.ref(col).as('id'), eb.fn.count<number>('date').distinct().as('days')])
        .where('organization_id', '=', organizationId)
        .where(col, 'is not', null)
        .groupBy(col)
        .orderBy(col)
        .execute();
      for (const r of rows) out.push({ entity: { type, id: r.id as string }, days: Number(r.days) });
    }
    return out;
  });
}

/** Runs the nightly forecasts for one organization or all of them. */
export async function runNightly(
  { storage, oracle }: { storage: Storage; oracle: Oracle },
  organizationId?: string,
): Promise<NightlyResult> {
  const orgs = organizationId
    ? [organizationId]
    : (await storage.db.selectFrom('organizations').select('id').orderBy('id').execute()).map((o) => o.id);
  const result: NightlyResult = {
    organizations: orgs.length,
    stored: 0,
    unchanged: 0,
    anomalies: 0,
    fatigue: 0,
    scored: 0,
    skipped: [],
  };
  for (const org of orgs) {
    const ctx = systemCtx(org);
    // Score yesterday's forecasts first: a series that keeps losing to seasonal naive switches tonight.
    result.scored += (await oracle.scoreForecasts(ctx)).scored;
    const replacements = await oracle.forecastReplacements(ctx);
    // Read once per organization: recent conversions and revenue are trained at their expected finals.
    const nowcast = (await oracle.nowcast(ctx, { days: NOWCAST_DAYS })).accounts;
    for (const { entity, days } of await entitiesOf(storage, org)) {
      const skip = (reason: string) =>
        result.skipped.push({
          organizationId: org,
          entityType: entity.type,
          entityId: entity.id,
          days,
          reason,
        });
      if (days < MIN_NIGHTLY_DAYS) {
        skip(`fewer than ${MIN_NIGHTLY_DAYS} days of data`);
        continue;
      }
      try {
        const s = await oracle.series.read(ctx, entity);
        for (const metric of forecastMetrics) {
          const f = await oracle.createForecast(
            ctx,
            { entity, metric, horizon: NIGHTLY_HORIZON_DAYS },
            s,
            replacements,
            nowcast,
          );
          if (f.reused) result.unchanged++;
          else result.stored++;
        }
        result.anomalies += (await oracle.scanAnomalies(ctx, { entity }, s)).stored;
      } catch (err) {
        // Bad data of one entity (say, a negative spend from a platform) must not stop the others.
        skip(err instanceof Error ? err.message : String(err));
      }
    }
    result.fatigue += (await oracle.listFatigue(ctx, {})).stored;
  }
  return result;
}

export function oracleJobs(deps: { storage: Storage; oracle: Oracle }): JobBinding[] {
  return [
    handle(oracleNightlyJob, async (p, ctx) => {
      const r = await runNightly(deps, p.organizationId);
      await ctx.progress({ organizations: r.organizations, stored: r.stored });
      return { ...r, skipped: r.skipped.slice(0, 500), skippedCount: r.skipped.length };
    }),
  ];
}
