/**
 * Where budget allocation meets the store: the weekly spend and objective per entity it fits curves
 * on (read from daily_metrics), and the stored prediction run of an allocation (one row per entity,
 * the same inputs stored once). The maths is in oracle.allocation.ts and allocation/.
 */
import type { Clock } from '../../platform/clock.ts';
import { conflict, noData } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Storage } from '../../storage/db.ts';
import type { PredictionsTable } from '../../storage/schema.ts';
import type { Ctx } from '../auth/context.ts';
import { PREDICTION_KEY } from './oracle.constants.ts';
import { inputsHash } from './oracle.forecast.ts';
import { addDays, readNegatives, refuseNegative, type SeriesReader } from './oracle.series.ts';

export const ALLOCATION_MODEL = 'saturating-adstock-curves';
// 1.1.0: target answered in its own units (ROAS, or CPA in micros), one-sided bounds override the band.
// 1.2.0: each campaign's budget now and the budget to set (the spend change applied to the budget),
// observed next to fitted ROAS.
// 2.0.0: per-campaign curves fitted with a baseline ≥ 0 (and β ≥ 0), so no curve credits spend with
// more than the campaign reported (the free intercept went negative on near-linear data and curves
// claimed up to 38× the observed outcome); expectedGain is the median over the bootstrap refits
// (fittedGain: under the point curves); observedResponse per entity; warnings for fits held at a zero
// baseline, flat and nearly straight curves, and a gain interval that straddles 0.
// 2.1.0: a campaign whose budget was changed through Omnify in the last 14 days, or has a budget
// change waiting for approval, is locked at its current spend (recentChange says which).
// 2.2.0: the same split, explained: per entity the curve's average and marginal ROAS (or marginal
// CPA) at the current and the recommended spend, in total the marginal return the free entities share,
// the gain net of the spend change, and `summary` (the objective in words and an honest headline).
export const ALLOCATION_MODEL_VERSION = '2.2.0';
/** Days after an applied budget change during which its campaign is not moved again. */
export const SETTLE_DAYS = 14;

export interface RecentChange {
  proposalId: string;
  status: 'pending_approval' | 'applied';
  /** When it was applied, or proposed when it waits. */
  at: string;
  dailyBudgetMicros: number | null;
}

/**
 * Budget changes of these campaigns that the spend read here cannot show yet: applied in the last
 * SETTLE_DAYS days, or waiting for approval. The recommendation would otherwise come back at once
 * (the 28-day spend still reflects the old budget) and Approve would move the budget again.
 */
export async function recentBudgetChanges(
  { storage, clock }: { storage: Storage; clock: Clock },
  ctx: Ctx,
  campaignIds: string[],
): Promise<Map<string, RecentChange>> {
  const out = new Map<string, RecentChange>();
  if (campaignIds.length === 0) return out;
  const since = new Date(clock.now().getTime() - SETTLE_DAYS * 86_400_000).toISOString();
  await storage.withTenant(ctx.organizationId, async (trx) => {
    for (let i = 0; i < campaignIds.length; i += 500) {
      const rows = await trx
        .selectFrom('proposals')
        .select(['id', 'entity_id', 'status', 'applied_at', 'created_at', 'after'])
        .where('organization_id', '=', ctx.organizationId)
        .where('kind', '=', 'budget_change')
        .where('level', '=', 'campaign')
        .where('entity_id', 'in', campaignIds.slice(i, i + 500))
        .where((eb) =>
          eb.or([
            eb('status', '=', 'pending_approval'),
            eb.and([eb('status', '=', 'applied'), eb('applied_at', '>=', since)]),
          ]),
        )
        .execute();
      for (const r of rows) {
        const at = (r.status === 'applied' ? r.applied_at : r.created_at) ?? r.created_at;
        const prev = out.get(r.entity_id);
        if (prev && prev.at >= at) continue;
        const after = JSON.parse(r.after) as { dailyBudgetMicros?: number | null };
        out.set(r.entity_id, {
          proposalId: r.id,
          status: r.status as RecentChange['status'],
          at,
          dailyBudgetMicros: after.dailyBudgetMicros ?? null,
        });
      }
    }
  });
  return out;
}
export const WEEKS = 26;
const CURRENT_DAYS = 28;

export interface AllocationRequest {
  clientId?: string;
  level: 'campaign' | 'platform';
  objective: 'conversions' | 'revenue';
  totalDailyBudgetMicros?: number;
  maxChangePct: number;
  bounds?: Array<{ entityId: string; minDailyMicros?: number; maxDailyMicros?: number; locked?: boolean }>;
  target?: { roas: number } | { cpaMicros: number };
}

export interface EntityData {
  id: string;
  name: string;
  spend: Float64Array;
  y: Float64Array;
  currentDaily: number;
  /** The campaign's daily budget now (null: a platform, or budgets set on ad groups / ad sets). */
  dailyBudget: number | null;
}

/** Weekly spend and objective per entity over the last WEEKS weeks, and its current daily spend. */
export async function loadAllocationData(
  {
    storage,
    series,
    clock,
  }: {
    storage: Storage;
    series: Pick<SeriesReader, 'assertEntity'>;
    /** Today (UTC) is still being reported: the weeks read end on the last complete day, as forecasts'. */
    clock: Clock;
  },
  ctx: Ctx,
  req: AllocationRequest,
) {
  return storage.withTenant(ctx.organizationId, async (trx) => {
    if (req.clientId)
      await series.assertEntity(trx, ctx.organizationId, { type: 'client', id: req.clientId });
    let lastQ = trx
      .selectFrom('daily_metrics')
      .select((eb) => eb.fn.max('date').as('last'))
      .where('organization_id', '=', ctx.organizationId);
    if (req.clientId) lastQ = lastQ.where('client_id', '=', req.clientId);
    const lastWithData = ((await lastQ.executeTakeFirst())?.last ?? null) as string | null;
    if (lastWithData === null) throw noData('No daily metrics yet: there is nothing to allocate from');
    // Today (UTC, by the server clock) is still filling in: counting it would put every entity's
    // current spend (the last 28 days ÷ 28) up to a day's spend low. The last complete day is
    // yesterday, as in the forecasts' series (oracle.series.ts).
    const today = clock.now().toISOString().slice(0, 10);
    const lastComplete = addDays(today, -1);
    let last = lastWithData;
    if (last > lastComplete) last = lastComplete;
    const from = addDays(last, -(WEEKS * 7 - 1));
    const key = req.level === 'campaign' ? 'campaign_id' : 'platform';
    let q = trx
      .selectFrom('daily_metrics')
      .select((eb) => [
        eb.ref(key).as('entity'),
        'date',
        'currency',
        eb.fn.sum<number>('spend_micros').as('spend'),
        eb.fn.sum<number>(req.objective === 'revenue' ? 'conversion_value_micros' : 'conversions').as('y'),
      ])
      .where('organization_id', '=', ctx.organizationId)
      .where('date', '>=', from)
      .where('date', '<=', last);
    if (req.clientId) q = q.where('client_id', '=', req.clientId);
    const rows = await q.groupBy([key, 'date', 'currency']).execute();
    if (rows.length === 0)
      throw noData(
        `No daily metrics before today (${today}, UTC, not complete yet): there is nothing to allocate from`,
      );
    // A negative spend (or objective) of some ad-day is refused, as forecasts and anomaly scans do.
    refuseNegative(
      await readNegatives(
        trx,
        ctx.organizationId,
        req.clientId ? { column: 'client_id', id: req.clientId } : null,
        from,
        last,
      ),
      ['spend', req.objective],
      'A budget allocation',
      req.clientId ? { type: 'client', id: req.clientId } : { type: 'organization', id: '' },
    );
    const currencies = [...new Set(rows.map((r) => r.currency))].sort();
    if (currencies.length > 1)
      throw conflict(
        `These entities spend in ${currencies.join(', ')}: budgets in several currencies cannot be allocated together; allocate one client (clientId) at a time`,
        { currencies },
      );
    const names = new Map<string, string>();
    const budgets = new Map<string, number | null>();
    if (req.level === 'campaign') {
      const ids = [...new Set(rows.map((r) => String(r.entity)))];
      for (let i = 0; i < ids.length; i += 500) {
        const found = await trx
          .selectFrom('campaigns')
          .select(['id', 'name', 'daily_budget_micros'])
          .where('organization_id', '=', ctx.organizationId)
          .where('id', 'in', ids.slice(i, i + 500))
          .execute();
        for (const c of found) {
          names.set(c.id, c.name);
          budgets.set(c.id, c.daily_budget_micros == null ? null : Number(c.daily_budget_micros));
        }
      }
    }
    const byId = new Map<string, EntityData>();
    const currentFrom = addDays(last, -(CURRENT_DAYS - 1));
    const dayMs = 86_400_000;
    for (const r of rows) {
      const id = String(r.entity);
      let e = byId.get(id);
      if (!e) {
        e = {
          id,
          name: names.get(id) ?? id,
          spend: new Float64Array(WEEKS),
          y: new Float64Array(WEEKS),
          currentDaily: 0,
          dailyBudget: budgets.get(id) ?? null,
        };
        byId.set(id, e);
      }
      const w = Math.floor((Date.parse(`${r.date}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / dayMs / 7);
      const spend = Number(r.spend);
      e.spend[w] = (e.spend[w] as number) + spend;
      e.y[w] = (e.y[w] as number) + Number(r.y);
      if (r.date >= currentFrom) e.currentDaily += spend / CURRENT_DAYS;
    }
    const entities = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
    // The first day with data in the window: the history read may be shorter than its 26 weeks.
    let first = last;
    for (const r of rows) if (String(r.date) < first) first = String(r.date);
    return { entities, from: first, last, currency: currencies[0] ?? '' };
  });
}

/** One prediction row per entity; a run with the same inputs is answered by its id. */
export async function storeAllocation(
  { storage, clock }: { storage: Storage; clock: Clock },
  ctx: Ctx,
  req: AllocationRequest,
  data: { entities: EntityData[]; last: string; recent?: Map<string, RecentChange> },
  answer: {
    allocations: Array<{ entityId: string; recommendedDailyMicros: number }>;
    totals: unknown;
    target: unknown;
    warnings: string[];
  },
) {
  const hash = inputsHash({
    v: ALLOCATION_MODEL_VERSION,
    req,
    series: data.entities.map((e) => [e.id, [...e.spend], [...e.y], e.currentDaily, e.dailyBudget]),
    recent: [...(data.recent?.entries() ?? [])].sort(([a], [b]) => a.localeCompare(b)),
  });
  return storage.withTenant(ctx.organizationId, async (trx) => {
    const existing = await trx
      .selectFrom('predictions')
      .select('run_id')
      .where('organization_id', '=', ctx.organizationId)
      .where('type', '=', 'allocation')
      .where('inputs_hash', '=', hash)
      .executeTakeFirst();
    if (existing) return { runId: existing.run_id, created: false };
    const runId = newId('prediction');
    const computedAt = clock.now().toISOString();
    const rows: PredictionsTable[] = answer.allocations.map((a) => ({
      id: newId('prediction'),
      organization_id: ctx.organizationId,
      run_id: runId,
      type: 'allocation',
      entity_type: req.level,
      entity_id: a.entityId,
      metric: req.objective,
      horizon_days: 1,
      step: 0,
      for_date: data.last,
      computed_at: computedAt,
      value: a.recommendedDailyMicros,
      lo80: null,
      hi80: null,
      lo95: null,
      hi95: null,
      confidence: null,
      model: ALLOCATION_MODEL,
      model_version: ALLOCATION_MODEL_VERSION,
      inputs_hash: hash,
      explanation: JSON.stringify({
        allocation: a,
        totals: answer.totals,
        target: answer.target,
        warnings: answer.warnings,
      }),
    }));
    for (let i = 0; i < rows.length; i += 200)
      await trx
        .insertInto('predictions')
        .values(rows.slice(i, i + 200))
        .onConflict((oc) => oc.columns(PREDICTION_KEY).doNothing())
        .execute();
    return { runId, created: true };
  });
}
