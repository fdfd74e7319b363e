/**
 * Unified metrics: one grouped query (analytics.repo.ts), converted day by day to the
 * organization's reporting currency (fx.convert.ts), folded into the requested groups, with KPIs
 * computed from the sums of each group and of the totals.
 */
import { AppError, notFound } from '../../platform/errors.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import { missingOwned } from '../../storage/owned.ts';
import type { Ctx } from '../auth/context.ts';
import { convertRows, type Warning } from './analytics.convert.ts';
import { idKey, type MetricsRow, present, sortRows, type Totals, timeKeys } from './analytics.fold.ts';
import {
  aggregate,
  type Dimension,
  entityNames,
  finestLevel,
  listEntities,
  type MetricFilter,
  timeDimensions,
} from './analytics.repo.ts';
import type { FxRate } from './fx.convert.ts';
import type { Fx } from './fx.service.ts';
import { addInto, type Delta, deltas, emptySums, type MetricKey, type MetricSums } from './kpis.ts';
import { previousPeriod } from './periods.ts';

export type { Warning } from './analytics.convert.ts';
export type { MetricsRow, Totals } from './analytics.fold.ts';

export interface MetricsQuery {
  from: string;
  to: string;
  groupBy: Dimension[];
  filter: MetricFilter;
  compare?: 'previous_period';
  /** A dimension or metric to order rows by; `-` in front for descending. */
  sort?: string;
  limit: number;
  /**
   * Refuse (404 `not_found`, `details.filter` and `details.ids`) a filter naming an id this
   * organization does not have, instead of answering zeros. The API sets it: a typo or another
   * organization's id must not read as "no spend". Internal callers filter by ids they just read.
   */
  checkFilterIds?: boolean;
  /**
   * Also list, with zero sums and null KPIs, the entities of the finest entity dimension of
   * `groupBy` (ad below ad group below campaign, account, client) that the filters select but that
   * delivered nothing in the period, as the tables on screen do, if they existed during it (not
   * launched after it, not removed before it: `analytics.lifespan.ts`). Only without a time
   * dimension (a line per entity and day of no delivery would say nothing). The CSV sets it; the
   * JSON lists what delivered.
   */
  includeUndelivered?: boolean;
  /**
   * Amounts in this currency instead of the organization's reporting currency, converted with the
   * same rates. Internal callers set it to compare spend with a campaign's budget in that campaign's
   * own (account) currency: rows already in it are taken as they are, without any rate.
   */
  currency?: string;
}

export interface MetricsResult {
  from: string;
  to: string;
  groupBy: Dimension[];
  currency: string;
  rows: MetricsRow[];
  rowCount: number;
  truncated: boolean;
  totals: Totals;
  comparison: { from: string; to: string; totals: Totals; deltas: Record<MetricKey, Delta> } | null;
  fx: { reportingCurrency: string; ratesUsed: FxRate[] };
  warnings: Warning[];
}

/** The id filters, the query parameter naming each, and the table of its entities. */
const idFilters = [
  { key: 'clientIds', param: 'clientId', kind: 'client', label: 'Client' },
  { key: 'adAccountIds', param: 'adAccountId', kind: 'ad_account', label: 'Ad account' },
  { key: 'campaignIds', param: 'campaignId', kind: 'campaign', label: 'Campaign' },
  { key: 'adGroupIds', param: 'adGroupId', kind: 'ad_group', label: 'Ad group' },
  { key: 'adIds', param: 'adId', kind: 'ad', label: 'Ad' },
] as const;

/**
 * Throws 404 `not_found` for the first filter naming ids that are not this organization's (another
 * organization's id reads exactly like one that does not exist): `details.filter` is the query
 * parameter, `details.ids` the ids it does not know. A filter holds at most 100 ids.
 */
async function assertFilterIds(trx: Executor, organizationId: string, filter: MetricFilter) {
  for (const { key, param, kind, label } of idFilters) {
    const missing = await missingOwned(trx, organizationId, kind, filter[key] ?? []);
    if (missing.length)
      throw new AppError(
        'not_found',
        `${label} ${missing.join(', ')} ${missing.length === 1 ? 'was' : 'were'} not found (filter ${param})`,
        { filter: param, ids: missing },
      );
  }
}

export function createAnalytics({ storage, fx }: { storage: Storage; fx: Fx }) {
  async function reportingCurrencyOf(trx: Executor, organizationId: string): Promise<string> {
    const org = await trx
      .selectFrom('organizations')
      .select('reporting_currency')
      .where('id', '=', organizationId)
      .executeTakeFirst();
    if (!org) throw notFound('Organization', organizationId);
    return org.reporting_currency;
  }

  async function converted(
    trx: Executor,
    ctx: Ctx,
    q: { from: string; to: string; filter: MetricFilter; dimensions: Dimension[] },
    reportingCurrency: string,
  ) {
    const rows = await aggregate(trx, { organizationId: ctx.organizationId, reportingCurrency, ...q });
    const foreign = [...new Set(rows.filter((r) => r.currency !== reportingCurrency).map((r) => r.currency))];
    const rates = foreign.length
      ? await fx.ratesFor(trx, ctx.organizationId, [...foreign, reportingCurrency], q.to)
      : [];
    return convertRows(rows, rates, reportingCurrency);
  }

  async function metrics(ctx: Ctx, q: MetricsQuery): Promise<MetricsResult & { missingFx: boolean }> {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      if (q.checkFilterIds) await assertFilterIds(trx, ctx.organizationId, q.filter);
      const currency = q.currency ?? (await reportingCurrencyOf(trx, ctx.organizationId));
      const current = await converted(trx, ctx, { ...q, dimensions: q.groupBy }, currency);

      // Fold SQL groups (per day or month, per currency) into the requested groups.
      const groups = new Map<string, { keys: MetricsRow; sums: MetricSums }>();
      const totals = emptySums();
      const ids: Partial<Record<keyof typeof idKey, Set<string>>> = {};
      for (const r of current.rows) {
        const keys: Record<string, string | null> = timeKeys(q.groupBy, r.time);
        for (const d of q.groupBy) {
          if (d === 'platform') keys.platform = r.entities.platform ?? null;
          else if (d in idKey) {
            const id = r.entities[d as keyof typeof idKey] ?? null;
            keys[idKey[d as keyof typeof idKey][0]] = id;
            if (id) {
              let set = ids[d as keyof typeof idKey];
              if (!set) ids[d as keyof typeof idKey] = set = new Set();
              set.add(id);
            }
          }
        }
        const key = JSON.stringify(
          q.groupBy.map((d) => keys[d in idKey ? idKey[d as keyof typeof idKey][0] : d]),
        );
        let g = groups.get(key);
        if (!g) {
          g = { keys: keys as unknown as MetricsRow, sums: emptySums() };
          groups.set(key, g);
        }
        addInto(g.sums, r.sums);
        addInto(totals, r.sums);
      }
      const level =
        q.includeUndelivered && !q.groupBy.some((d) => (timeDimensions as readonly string[]).includes(d))
          ? finestLevel(q.groupBy)
          : null;
      if (level) {
        const delivered = new Set(ids[level]);
        for (const e of await listEntities(trx, ctx.organizationId, level, q.filter, {
          from: q.from,
          to: q.to,
        })) {
          if (delivered.has(e[level] as string)) continue;
          const keys: Record<string, string | null> = {};
          for (const d of q.groupBy) {
            const id = e[d as keyof typeof e] ?? null;
            if (d === 'platform') keys.platform = id;
            else if (d in idKey) {
              keys[idKey[d as keyof typeof idKey][0]] = id;
              if (id) {
                let set = ids[d as keyof typeof idKey];
                if (!set) ids[d as keyof typeof idKey] = set = new Set();
                set.add(id);
              }
            }
          }
          groups.set(`undelivered:${e[level]}`, { keys: keys as unknown as MetricsRow, sums: emptySums() });
        }
      }
      const names = await entityNames(trx, ctx.organizationId, ids);
      const rows: MetricsRow[] = [...groups.values()].map(({ keys, sums }) => {
        const row: MetricsRow = Object.assign(keys, present(sums));
        for (const d of q.groupBy) {
          if (!(d in idKey)) continue;
          const [idField, nameField] = idKey[d as keyof typeof idKey];
          const id = row[idField];
          row[nameField] = id ? (names.get(id) ?? null) : null;
        }
        return row;
      });
      sortRows(rows, q.groupBy, q.sort);

      let comparison: MetricsResult['comparison'] = null;
      const warnings = [...current.warnings];
      const ratesUsed = new Map(current.ratesUsed.map((r) => [`${r.source}${r.base}${r.quote}${r.date}`, r]));
      let missingFx = current.missing.length > 0;
      if (q.compare === 'previous_period') {
        const prev = previousPeriod(q.from, q.to);
        const before = await converted(trx, ctx, { ...prev, filter: q.filter, dimensions: [] }, currency);
        const prevTotals = emptySums();
        for (const r of before.rows) addInto(prevTotals, r.sums);
        const cur = present(totals);
        const old = present(prevTotals);
        comparison = {
          ...prev,
          totals: old,
          deltas: deltas({ ...totals, ...cur }, { ...prevTotals, ...old }),
        };
        for (const w of before.warnings)
          warnings.push({ ...w, details: { ...w.details, period: 'comparison' } });
        for (const r of before.ratesUsed) ratesUsed.set(`${r.source}${r.base}${r.quote}${r.date}`, r);
        missingFx ||= before.missing.length > 0;
      }

      return {
        from: q.from,
        to: q.to,
        groupBy: q.groupBy,
        currency,
        rows: rows.slice(0, q.limit),
        rowCount: rows.length,
        truncated: rows.length > q.limit,
        totals: present(totals),
        comparison,
        fx: { reportingCurrency: currency, ratesUsed: [...ratesUsed.values()] },
        warnings,
        missingFx,
      };
    });
  }

  return { metrics };
}

export type Analytics = ReturnType<typeof createAnalytics>;
