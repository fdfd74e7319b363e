/**
 * Late-conversion nowcast per ad account: the completion curve of its conversions and conversion
 * value by age (nowcast/completion.ts, from daily_metric_revisions) applied to its recent days, so
 * that rules and agents see the expected final conversions, CPA and ROAS rather than numbers still
 * filling in. Read-only: nothing is stored.
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
import { addDays } from './oracle.series.ts';

export const NOWCAST_MODEL = 'empirical-completion';
export const NOWCAST_MODEL_VERSION = '1.0.0';
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
  expectedConversions: number;
  conversionsLo80: number;
  conversionsHi80: number;
  reportedValueMicros: number;
  expectedValueMicros: number;
  completion: number;
  expectedCpaMicros: number | null;
  cpaLo80Micros: number | null;
  cpaHi80Micros: number | null;
  expectedRoas: number | null;
  roasLo80: number | null;
  roasHi80: number | null;
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
    const warnings = adjusted
      ? []
      : [
          `Too few restatements to learn this account's conversion delay (${revs.length} revisions over ${revisedDates.length} days; at least ${MIN_REVISIONS} over ${MIN_REVISED_DAYS} days needed): figures are as reported, not adjusted`,
        ];
    const convCurve = adjusted ? completionCurve(observe('conversions')) : [];
    const valueCurve = adjusted ? completionCurve(observe('conversion_value_micros')) : [];
    const days: NowcastDay[] = [];
    for (let i = recentDays - 1; i >= 0; i--) {
      const date = addDays(last, -i);
      const ads = byDay.get(date) ?? [];
      const spend = ads.reduce((s, a) => s + a.spend_micros, 0);
      const conv = r6(ads.reduce((s, a) => s + a.conversions, 0));
      const value = ads.reduce((s, a) => s + a.conversion_value_micros, 0);
      const age = ads.length ? Math.max(...ads.map((a) => ageOf(date, a.synced_at))) : ageOf(date, last);
      const c = completionAt(convCurve, age);
      const v = completionAt(valueCurve, age);
      const expected = r6(conv / c.fraction);
      const lo = r6(conv / c.hi);
      const hi = r6(conv / c.lo);
      const expectedValue = Math.round(value / v.fraction);
      const cpa = (n: number) => (n > 0 ? Math.round(spend / n) : null);
      const roas = (val: number) => (spend > 0 ? r6(val / spend) : null);
      days.push({
        date,
        ageDays: age,
        spendMicros: spend,
        reportedConversions: conv,
        expectedConversions: expected,
        conversionsLo80: lo,
        conversionsHi80: hi,
        reportedValueMicros: value,
        expectedValueMicros: expectedValue,
        completion: r6(c.fraction),
        expectedCpaMicros: cpa(expected),
        // More conversions, lower CPA: the band's ends swap.
        cpaLo80Micros: cpa(hi),
        cpaHi80Micros: cpa(lo),
        expectedRoas: roas(expectedValue),
        roasLo80: roas(value / v.hi),
        roasHi80: roas(value / v.lo),
      });
    }
    return {
      ...base,
      lastDay: last,
      revisions: revs.length,
      revisedDays: revisedDates.length,
      adjusted,
      warnings,
      curve: convCurve.map((p) => ({ ...p, fraction: r6(p.fraction), lo: r6(p.lo), hi: r6(p.hi) })),
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
