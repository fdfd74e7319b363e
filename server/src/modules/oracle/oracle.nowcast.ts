/**
 * Late-conversion nowcast per ad account: the completion curve of its conversions and conversion
 * value by age (nowcast/completion.ts, from daily_metric_revisions) and the account's recent rate
 * per unit of spend give each recent day's final conversions and value as a negative binomial
 * (nowcast/predict.ts): expected (mean) and likely (median) final, 80% and 95% bands, and CPA and
 * ROAS from them, so that rules and agents see what the numbers still filling in will settle at.
 * Read-only: nothing is stored.
 */
import type { Clock } from '../../platform/clock.ts';
import { notFound } from '../../platform/errors.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { Ctx } from '../auth/context.ts';
import {
  type CompletionPoint,
  completionAt,
  completionCurve,
  type DayObservation,
} from './nowcast/completion.ts';
import { type DayPrediction, predictFinals, type SeriesDay } from './nowcast/predict.ts';
import { valueUnit as valueUnitOf } from './nowcast/value.ts';
import { addDays } from './oracle.series.ts';

export const NOWCAST_MODEL = 'completion-negbin';
export const NOWCAST_MODEL_VERSION = '3.0.0';
/** Below either, the account's curve is not trusted: no adjustment, with a warning. */
export const MIN_REVISED_DAYS = 5;
export const MIN_REVISIONS = 10;
/** History the curve is learnt from. */
const LEARN_DAYS = 180;

const DAY_MS = 86_400_000;
const ageOf = (date: string, at: string) =>
  Math.max(
    0,
    Math.round((Date.parse(`${at.slice(0, 10)}T00:00:00Z`) - Date.parse(`${date}T00:00:00Z`)) / DAY_MS),
  );
const r6 = (v: number) => Math.round(v * 1e6) / 1e6;

export interface NowcastDay {
  date: string;
  ageDays: number;
  spendMicros: number;
  reportedConversions: number;
  /** Mean of the final count: add these up over a window. */
  expectedConversions: number;
  /** Median of the final count: the single-day figure (the reported one when little is left to come). */
  likelyConversions: number;
  conversionsLo80: number;
  conversionsHi80: number;
  conversionsLo95: number;
  conversionsHi95: number;
  reportedValueMicros: number;
  expectedValueMicros: number;
  completion: number;
  expectedCpaMicros: number | null;
  cpaLo80Micros: number | null;
  cpaHi80Micros: number | null;
  cpaLo95Micros: number | null;
  cpaHi95Micros: number | null;
  expectedRoas: number | null;
  roasLo80: number | null;
  roasHi80: number | null;
  roasLo95: number | null;
  roasHi95: number | null;
}

export interface AccountNowcast {
  adAccountId: string;
  name: string;
  currency: string;
  lastDay: string | null;
  revisions: number;
  revisedDays: number;
  /** False when there are too few revisions: the figures are the reported ones, unadjusted. */
  adjusted: boolean;
  warnings: string[];
  curve: CompletionPoint[];
  days: NowcastDay[];
}

type MetricRow = {
  ad_id: string;
  date: string;
  conversions: number;
  conversion_value_micros: number;
  spend_micros: number;
  synced_at: string;
};

export function createNowcast({ storage }: { storage: Storage; clock: Clock }) {
  async function accountsOf(
    trx: Executor,
    organizationId: string,
    q: { adAccountId?: string; clientId?: string },
  ) {
    if (q.adAccountId) {
      const acct = await trx
        .selectFrom('ad_accounts')
        .select(['id', 'name', 'currency'])
        .where('organization_id', '=', organizationId)
        .where('id', '=', q.adAccountId)
        .executeTakeFirst();
      if (!acct) throw notFound('Ad account', q.adAccountId);
      return [acct];
    }
    if (q.clientId) {
      const client = await trx
        .selectFrom('clients')
        .select('id')
        .where('organization_id', '=', organizationId)
        .where('id', '=', q.clientId)
        .executeTakeFirst();
      if (!client) throw notFound('Client', q.clientId);
    }
    let query = trx
      .selectFrom('ad_accounts')
      .select(['id', 'name', 'currency'])
      .where('organization_id', '=', organizationId);
    if (q.clientId) query = query.where('client_id', '=', q.clientId);
    return query.orderBy('id').execute();
  }

  async function account(
    trx: Executor,
    organizationId: string,
    acct: { id: string; name: string; currency: string },
    recentDays: number,
  ): Promise<AccountNowcast> {
    const base = { adAccountId: acct.id, name: acct.name, currency: acct.currency };
    const last = (
      await trx
        .selectFrom('daily_metrics')
        .select((eb) => eb.fn.max('date').as('last'))
        .where('organization_id', '=', organizationId)
        .where('ad_account_id', '=', acct.id)
        .executeTakeFirst()
    )?.last as string | null | undefined;
    if (!last)
      return {
        ...base,
        lastDay: null,
        revisions: 0,
        revisedDays: 0,
        adjusted: false,
        warnings: ['No daily metrics for this account yet'],
        curve: [],
        days: [],
      };
    const from = addDays(last, -(LEARN_DAYS - 1));
    const rows: MetricRow[] = (
      await trx
        .selectFrom('daily_metrics')
        .select(['ad_id', 'date', 'conversions', 'conversion_value_micros', 'spend_micros', 'synced_at'])
        .where('organization_id', '=', organizationId)
        .where('ad_account_id', '=', acct.id)
        .where('date', '>=', from)
        .execute()
    ).map((r) => ({
      ...r,
      conversions: Number(r.conversions),
      conversion_value_micros: Number(r.conversion_value_micros),
      spend_micros: Number(r.spend_micros),
    }));
    const revs = await trx
      .selectFrom('daily_metric_revisions as r')
      .innerJoin('daily_metrics as m', (j) =>
        j
          .onRef('m.organization_id', '=', 'r.organization_id')
          .onRef('m.ad_id', '=', 'r.ad_id')
          .onRef('m.date', '=', 'r.date'),
      )
      .select(['r.ad_id', 'r.date', 'r.observed_at', 'r.conversions', 'r.conversion_value_micros'])
      .where('r.organization_id', '=', organizationId)
      .where('m.ad_account_id', '=', acct.id)
      .where('r.date', '>=', from)
      .orderBy('r.observed_at')
      .execute();
    const byDay = new Map<string, MetricRow[]>();
    for (const r of rows) byDay.set(r.date, [...(byDay.get(r.date) ?? []), r]);
    const revByAdDay = new Map<string, typeof revs>();
    for (const r of revs)
      revByAdDay.set(`${r.ad_id}|${r.date}`, [...(revByAdDay.get(`${r.ad_id}|${r.date}`) ?? []), r]);
    const revisedDates = [...new Set(revs.map((r) => r.date))];
    // When each day was first seen: the first sync of the account's connection started after it began.
    const syncs = (
      await trx
        .selectFrom('sync_runs')
        .innerJoin('ad_accounts', 'ad_accounts.connection_id', 'sync_runs.connection_id')
        .select('sync_runs.started_at')
        .where('sync_runs.organization_id', '=', organizationId)
        .where('ad_accounts.organization_id', '=', organizationId)
        .where('ad_accounts.id', '=', acct.id)
        .where('sync_runs.started_at', '>=', from)
        .orderBy('sync_runs.started_at')
        .execute()
    ).map((r) => r.started_at);
    const firstSeenAge = (date: string) => {
      const first = syncs.find((t) => t >= `${date}T00:00:00`);
      return first === undefined ? null : ageOf(date, first);
    };
    const observe = (metric: 'conversions' | 'conversion_value_micros'): DayObservation[] =>
      [...byDay.keys()].map((date) => {
        const ads = byDay.get(date) ?? [];
        return {
          final: ads.reduce((s, a) => s + a[metric], 0),
          currentAge: Math.max(...ads.map((a) => ageOf(date, a.synced_at))),
          firstSeenAge: firstSeenAge(date),
          ads: ads.map((a) => ({
            final: a[metric],
            revisions: (revByAdDay.get(`${a.ad_id}|${date}`) ?? []).map((r) => ({
              age: ageOf(date, r.observed_at),
              value: Number(r[metric]),
            })),
          })),
        };
      });
    const adjusted = revisedDates.length >= MIN_REVISED_DAYS && revs.length >= MIN_REVISIONS;
    const warnings: string[] = adjusted
      ? []
      : [
          `Too few restatements to learn this account's conversion delay (${revs.length} revisions over ${revisedDates.length} days; at least ${MIN_REVISIONS} over ${MIN_REVISED_DAYS} days needed): figures are as reported, not adjusted`,
        ];
    const convCurve = adjusted ? completionCurve(observe('conversions')) : [];
    const valueCurve = adjusted ? completionCurve(observe('conversion_value_micros')) : [];
    // The account's days over the learning window, one entry a day (the rate and its spread are
    // read from the last REFERENCE_DAYS of them); scored: the last `recentDays`.
    const dates = Array.from({ length: LEARN_DAYS }, (_, i) => addDays(from, i)).filter((d) => d <= last);
    const totals = dates.map((date) => {
      const ads = byDay.get(date) ?? [];
      return {
        date,
        active: ads.length > 0,
        age: ads.length ? Math.max(...ads.map((a) => ageOf(date, a.synced_at))) : ageOf(date, last),
        spend: ads.reduce((s, a) => s + a.spend_micros, 0),
        conversions: r6(ads.reduce((s, a) => s + a.conversions, 0)),
        value: ads.reduce((s, a) => s + a.conversion_value_micros, 0),
      };
    });
    const recent = Array.from({ length: recentDays }, (_, k) => addDays(last, -(recentDays - 1 - k)));
    const index = new Map(dates.map((d, i) => [d, i]));
    // Days asked for beyond the learning window have no rows: appended as inactive.
    for (const date of recent)
      if (!index.has(date)) {
        index.set(date, totals.length);
        totals.push({ date, active: false, age: ageOf(date, last), spend: 0, conversions: 0, value: 0 });
      }
    const scored = recent.map((d) => index.get(d) as number);
    // Negative spend is no exposure (a platform does not bill it): such a day's prior is the flat one,
    // its CPA and ROAS are not given, and the answer says so.
    const negative = totals.filter((t) => t.spend < 0).map((t) => t.date);
    if (negative.length)
      warnings.push(
        `Negative spend reported on ${negative.length} day(s) (${negative.slice(0, 3).join(', ')}${negative.length > 3 ? ', …' : ''}): taken as no spend for the rate, and no CPA or ROAS for those days; check the account's data`,
      );
    const series = (metric: 'conversions' | 'value', unit: number): SeriesDay[] =>
      totals.map((t) => ({
        age: t.age,
        reported: t[metric] / unit,
        exposure: Math.max(0, t.spend),
        active: t.active,
      }));
    // Value is modelled as whole units of μ(1 + c²) (a pseudo-count): μ the account's mean value of
    // a conversion, c² how much one conversion's value varies (nowcast/value.ts), from its rows.
    const valueDays = totals.filter((t) => t.value > 0).length;
    const valueUnit = valueUnitOf(
      rows.map((r) => ({ conversions: r.conversions, value: r.conversion_value_micros })),
      valueDays,
    ).unit;
    const convPred: Array<DayPrediction | null> = adjusted
      ? predictFinals(convCurve, series('conversions', 1), scored)
      : scored.map(() => null);
    const valuePred: Array<DayPrediction | null> = adjusted
      ? predictFinals(valueCurve, series('value', valueUnit), scored, valueUnit)
      : scored.map(() => null);
    const days: NowcastDay[] = scored.map((i, k) => {
      const t = totals[i] as (typeof totals)[number];
      const spend = t.spend;
      const conv = t.conversions;
      const value = t.value;
      const p = convPred[k];
      const v = valuePred[k];
      // Never NaN: anything not finite falls back to the reported figure.
      const c6 = (x: number | undefined) =>
        x !== undefined && Number.isFinite(x) ? r6(Math.max(conv, x)) : conv;
      const vm = (x: number | undefined) =>
        x !== undefined && Number.isFinite(x) ? Math.max(value, Math.round(x)) : value;
      const cpa = (n: number) => (n > 0 && spend > 0 ? Math.round(spend / n) : null);
      const roas = (val: number) => (spend > 0 ? r6(val / spend) : null);
      const expected = c6(p?.mean);
      const lo80 = c6(p?.lo80);
      const hi80 = c6(p?.hi80);
      const lo95 = c6(p?.lo95);
      const hi95 = c6(p?.hi95);
      const completion = p ? p.completion : completionAt(convCurve, t.age).fraction;
      return {
        date: t.date,
        ageDays: t.age,
        spendMicros: spend,
        reportedConversions: conv,
        expectedConversions: expected,
        likelyConversions: c6(p?.median),
        conversionsLo80: lo80,
        conversionsHi80: hi80,
        conversionsLo95: lo95,
        conversionsHi95: hi95,
        reportedValueMicros: value,
        expectedValueMicros: vm(v?.mean),
        completion: r6(Number.isFinite(completion) ? completion : 1),
        expectedCpaMicros: cpa(expected),
        // More conversions, lower CPA: the band's ends swap.
        cpaLo80Micros: cpa(hi80),
        cpaHi80Micros: cpa(lo80),
        cpaLo95Micros: cpa(hi95),
        cpaHi95Micros: cpa(lo95),
        expectedRoas: roas(vm(v?.mean)),
        roasLo80: roas(vm(v?.lo80)),
        roasHi80: roas(vm(v?.hi80)),
        roasLo95: roas(vm(v?.lo95)),
        roasHi95: roas(vm(v?.hi95)),
      };
    });
    return {
      ...base,
      lastDay: last,
      revisions: revs.length,
      revisedDays: revisedDates.length,
      adjusted,
      warnings,
      curve: convCurve.map((p) => ({
        ...p,
        fraction: r6(p.fraction),
        lo: r6(p.lo),
        hi: r6(p.hi),
        se: r6(p.se),
      })),
      days,
    };
  }

  /** The nowcast of one ad account, a client's accounts, or every account of the organization. */
  async function nowcast(
    ctx: Ctx,
    q: { adAccountId?: string; clientId?: string; days: number },
  ): Promise<{ model: string; modelVersion: string; accounts: AccountNowcast[] }> {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const accounts = await accountsOf(trx, ctx.organizationId, q);
      const out: AccountNowcast[] = [];
      for (const a of accounts) out.push(await account(trx, ctx.organizationId, a, q.days));
      return { model: NOWCAST_MODEL, modelVersion: NOWCAST_MODEL_VERSION, accounts: out };
    });
  }

  return { nowcast };
}
