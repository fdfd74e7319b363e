/**
 * Conversions and revenue of the days still collecting late conversions, replaced by the nowcast's
 * expected finals before a forecast is trained on them. The nowcast is per ad account (its own
 * delay curve and currency); an entity's rows of an account-day are scaled by that account-day's
 * expected ÷ reported, as the rules module reads its windows (rules.data.ts `nowcastFactors`).
 */
import type { Storage } from '../../storage/db.ts';
import type { Ctx } from '../auth/context.ts';
import { type ForecastMetric, incompleteDays } from './oracle.forecast.ts';
import type { AccountNowcast } from './oracle.nowcast.ts';
import { NOWCAST_MODEL, NOWCAST_MODEL_VERSION } from './oracle.nowcast.ts';
import type { DailySeries, EntityRef } from './oracle.series.ts';

/** Days of each account the nowcast is read for: completion is ~1 from about 8–13 days on. */
export const NOWCAST_DAYS = 14;

export interface NowcastCorrection {
  model: string;
  modelVersion: string;
  /** The series days corrected (ages up to LATE_CONVERSION_DAYS, or older ones still short of final). */
  from: string;
  to: string;
  reportedConversions: number;
  expectedConversions: number;
  reportedRevenueMicros: number;
  expectedRevenueMicros: number;
  /** Ad accounts whose recent days were replaced by expected finals, and those left as reported. */
  accountsAdjusted: string[];
  accountsNotAdjusted: string[];
}

const column = { ad: 'ad_id', campaign: 'campaign_id', client: 'client_id', platform: 'platform' } as const;
const r6 = (v: number) => Math.round(v * 1e6) / 1e6;
const DAY_MS = 86_400_000;
const idx = (from: string, d: string) =>
  Math.round((Date.parse(`${d}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/**
 * The series with its recent conversions and revenue at the nowcast's expected finals (spend as
 * reported), and what changed; the series unchanged (correction null) for spend, or when no day of
 * it is recent. Revenue of rows in another currency than the series' (a converted series) stays as
 * reported, and the warning says so.
 */
export async function withNowcast(
  storage: Storage,
  ctx: Ctx,
  entity: EntityRef,
  s: DailySeries,
  metric: ForecastMetric,
  accounts: AccountNowcast[],
): Promise<{ series: DailySeries; correction: NowcastCorrection | null; warnings: string[] }> {
  const recent = incompleteDays(s, metric);
  if (!recent.length) return { series: s, correction: null, warnings: [] };
  const from = recent[0] as string;
  const to = s.to;
  const rows = await storage.withTenant(ctx.organizationId, async (trx) => {
    let q = trx
      .selectFrom('daily_metrics')
      .select((eb) => [
        'ad_account_id',
        'date',
        'currency',
        eb.fn.sum<number>('conversions').as('conversions'),
        eb.fn.sum<number>('conversion_value_micros').as('value'),
      ])
      .where('organization_id', '=', ctx.organizationId)
      .where('date', '>=', from)
      .where('date', '<=', to);
    if (entity.type !== 'organization') q = q.where(column[entity.type], '=', entity.id);
    return q.groupBy(['ad_account_id', 'date', 'currency']).execute();
  });
  const byAccount = new Map(accounts.map((a) => [a.adAccountId, a]));
  const conversions = s.conversions.slice();
  const revenueMicros = s.revenueMicros.slice();
  const adjusted = new Set<string>();
  const notAdjusted = new Set<string>();
  const otherCurrency = new Set<string>();
  let reportedConversions = 0;
  let expectedConversions = 0;
  let reportedRevenue = 0;
  let expectedRevenue = 0;
  for (const r of rows) {
    const i = idx(s.from, r.date);
    if (i < 0 || i >= s.dates.length) continue;
    const conv = Number(r.conversions);
    const value = Number(r.value);
    const sameCurrency = r.currency === s.currency;
    reportedConversions += conv;
    if (sameCurrency) reportedRevenue += value;
    const acct = byAccount.get(r.ad_account_id);
    const day = acct?.adjusted ? acct.days.find((d) => d.date === r.date) : undefined;
    if (!acct?.adjusted || !day) {
      notAdjusted.add(r.ad_account_id);
      expectedConversions += conv;
      if (sameCurrency) expectedRevenue += value;
      continue;
    }
    adjusted.add(r.ad_account_id);
    // The account-day's expected ÷ reported, applied to the entity's share of it (0 stays 0).
    const convFactor = day.reportedConversions > 0 ? day.expectedConversions / day.reportedConversions : 1;
    const valueFactor = day.reportedValueMicros > 0 ? day.expectedValueMicros / day.reportedValueMicros : 1;
    const addConv = conv * (convFactor - 1);
    conversions[i] = r6((conversions[i] as number) + addConv);
    expectedConversions += conv + addConv;
    if (sameCurrency) {
      const addValue = Math.round(value * (valueFactor - 1));
      revenueMicros[i] = (revenueMicros[i] as number) + addValue;
      expectedRevenue += value + addValue;
    } else otherCurrency.add(r.currency);
  }
  const warnings: string[] = [];
  if (notAdjusted.size)
    warnings.push(
      `Conversions and revenue of ${notAdjusted.size} ad account(s) (${[...notAdjusted].slice(0, 3).join(', ')}${notAdjusted.size > 3 ? ', …' : ''}) from ${from} to ${to} are as reported: the nowcast has too few restatements of them to learn their delay, and those days are still incomplete (about 13% below final at 1–3 days old, 3% at 4–7), so the forecast may lean low`,
    );
  if (otherCurrency.size)
    warnings.push(
      `Revenue in ${[...otherCurrency].join(', ')} from ${from} to ${to} is as reported (converted): the nowcast's corrections are applied in ${s.currency} only`,
    );
  return {
    series: { ...s, conversions, revenueMicros },
    correction: {
      model: NOWCAST_MODEL,
      modelVersion: NOWCAST_MODEL_VERSION,
      from,
      to,
      reportedConversions: r6(reportedConversions),
      expectedConversions: r6(expectedConversions),
      reportedRevenueMicros: reportedRevenue,
      expectedRevenueMicros: expectedRevenue,
      accountsAdjusted: [...adjusted].sort(),
      accountsNotAdjusted: [...notAdjusted].sort(),
    },
    warnings,
  };
}
