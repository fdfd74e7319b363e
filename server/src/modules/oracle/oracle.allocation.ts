/**
 * Budget allocation over an organization's (or one client's) campaigns or platforms: weekly spend and
 * objective (conversions or revenue) per entity over the last 26 weeks of daily_metrics, one saturating
 * response curve per entity (allocation/), then the daily budget split that maximizes the objective
 * under per-entity bounds, or the largest budget that still meets a target ROAS/CPA. Entities with too
 * little data are locked at their current spend. The result is stored as a prediction run of type
 * 'allocation' (one row per entity; the same inputs are stored once).
 */
import type { Clock } from '../../platform/clock.ts';
import { conflict, invalidInput } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Storage } from '../../storage/db.ts';
import type { PredictionsTable } from '../../storage/schema.ts';
import type { Ctx } from '../auth/context.ts';
import {
  type AllocationEntity,
  type AllocationResult,
  allocateBudget,
  allocateForTarget,
  type ChannelParams,
  channelResponse,
  fitResponseCurves,
  type MmmInput,
} from './allocation/index.ts';
import { inputsHash } from './oracle.forecast.ts';
import { addDays, type SeriesReader } from './oracle.series.ts';

export const ALLOCATION_MODEL = 'saturating-adstock-curves';
export const ALLOCATION_MODEL_VERSION = '1.0.0';
const WEEKS = 26;
const CURRENT_DAYS = 28;
/** Below either, the entity's curve is not fitted: it keeps its current spend. */
const MIN_SPEND_WEEKS = 8;
const BOOTSTRAP = 20;

export interface AllocationRequest {
  clientId?: string;
  level: 'campaign' | 'platform';
  objective: 'conversions' | 'revenue';
  totalDailyBudgetMicros?: number;
  maxChangePct: number;
  bounds?: Array<{ entityId: string; minDailyMicros?: number; maxDailyMicros?: number; locked?: boolean }>;
  target?: { roas: number } | { cpaMicros: number };
}

interface EntityData {
  id: string;
  name: string;
  spend: Float64Array;
  y: Float64Array;
  currentDaily: number;
}

const r2 = (v: number) => Math.round(v * 100) / 100;

export function createAllocations({
  storage,
  clock,
  series,
}: {
  storage: Storage;
  clock: Clock;
  series: Pick<SeriesReader, 'assertEntity'>;
}) {
  /** Weekly spend and objective per entity over the last WEEKS weeks, and its current daily spend. */
  async function load(ctx: Ctx, req: AllocationRequest) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      if (req.clientId)
        await series.assertEntity(trx, ctx.organizationId, { type: 'client', id: req.clientId });
      let lastQ = trx
        .selectFrom('daily_metrics')
        .select((eb) => eb.fn.max('date').as('last'))
        .where('organization_id', '=', ctx.organizationId);
      if (req.clientId) lastQ = lastQ.where('client_id', '=', req.clientId);
      const last = ((await lastQ.executeTakeFirst())?.last ?? null) as string | null;
      if (last === null) throw invalidInput('No daily metrics yet: there is nothing to allocate from');
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
      const currencies = [...new Set(rows.map((r) => r.currency))].sort();
      if (currencies.length > 1)
        throw conflict(
          `These entities spend in ${currencies.join(', ')}: budgets in several currencies cannot be allocated together; allocate one client (clientId) at a time`,
          { currencies },
        );
      const names = new Map<string, string>();
      if (req.level === 'campaign') {
        const ids = [...new Set(rows.map((r) => String(r.entity)))];
        for (let i = 0; i < ids.length; i += 500) {
          const found = await trx
            .selectFrom('campaigns')
            .select(['id', 'name'])
            .where('organization_id', '=', ctx.organizationId)
            .where('id', 'in', ids.slice(i, i + 500))
            .execute();
          for (const c of found) names.set(c.id, c.name);
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
          };
          byId.set(id, e);
        }
        const w = Math.floor(
          (Date.parse(`${r.date}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / dayMs / 7,
        );
        const spend = Number(r.spend);
        e.spend[w] = (e.spend[w] as number) + spend;
        e.y[w] = (e.y[w] as number) + Number(r.y);
        if (r.date >= currentFrom) e.currentDaily += spend / CURRENT_DAYS;
      }
      const entities = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
      return { entities, from, last, currency: currencies[0] ?? '' };
    });
  }

  /** One curve per entity, as a function of its daily budget; null when the data is too thin. */
  function fitEntity(e: EntityData, seed: number) {
    const spendWeeks = e.spend.filter((v) => v > 0).length;
    const total = e.spend.reduce((s, v) => s + v, 0);
    if (spendWeeks < MIN_SPEND_WEEKS || e.y.every((v) => v === 0) || total <= 0) return null;
    // From the entity's first week with data, as the series reader does.
    let start = 0;
    while (start < WEEKS && e.spend[start] === 0 && e.y[start] === 0) start++;
    const spend = e.spend.slice(start);
    const input: MmmInput = { panels: 1, y: e.y.slice(start), controls: [], media: [{ name: e.id, spend }] };
    const f = fitResponseCurves(input, { bootstrap: BOOTSTRAP, seed, maxEvaluations: 400 });
    const ch = f.channels[0];
    if (!ch) return null;
    const days = spend.length * 7;
    // The curve is of the fitted weeks' total; a daily budget d is a total of d × days.
    const perDay = (p: ChannelParams) => {
      const r = channelResponse(input, 0, p);
      return {
        response: (d: number) => r.response(d * days) / days,
        marginal: (d: number) => r.marginal(d * days),
      };
    };
    return { ...perDay(ch.params), draws: ch.draws.map(perDay), roas: ch.roas, r2: f.r2 };
  }

  async function allocate(ctx: Ctx, req: AllocationRequest) {
    if (req.target && 'roas' in req.target && req.objective !== 'revenue')
      throw invalidInput('A target ROAS needs objective revenue', { field: 'target' });
    if (req.target && 'cpaMicros' in req.target && req.objective !== 'conversions')
      throw invalidInput('A target CPA needs objective conversions', { field: 'target' });
    const data = await load(ctx, req);
    if (data.entities.length === 0) throw invalidInput('No spend in the last 26 weeks: nothing to allocate');
    const known = new Set(data.entities.map((e) => e.id));
    const bounds = new Map((req.bounds ?? []).map((b) => [b.entityId, b]));
    for (const id of bounds.keys())
      if (!known.has(id))
        throw invalidInput(`bounds name ${id}, which has no spend in the last 26 weeks`, { field: 'bounds' });
    const warnings: string[] = [];
    const band = req.maxChangePct / 100;
    const fits = data.entities.map((e, i) => fitEntity(e, i + 1));
    const entities: AllocationEntity[] = data.entities.map((e, i) => {
      const f = fits[i];
      const b = bounds.get(e.id);
      if (!f) {
        warnings.push(
          `${e.name}: too little data (fewer than ${MIN_SPEND_WEEKS} weeks with spend or no ${req.objective}) — locked at its current spend`,
        );
        return { id: e.id, response: () => 0, marginal: () => 0, current: e.currentDaily, locked: true };
      }
      const min = b?.minDailyMicros ?? e.currentDaily * (1 - band);
      const max = b?.maxDailyMicros ?? e.currentDaily * (1 + band);
      if (min > max)
        throw invalidInput(`${e.name}: the minimum (${min}) is above the maximum (${max})`, {
          field: 'bounds',
        });
      return {
        id: e.id,
        response: f.response,
        marginal: f.marginal,
        current: e.currentDaily,
        min,
        max,
        ...(b?.locked ? { locked: true } : {}),
      };
    });
    const currentTotal = data.entities.reduce((s, e) => s + e.currentDaily, 0);
    const budget = req.totalDailyBudgetMicros ?? currentTotal;
    if (!(budget > 0))
      throw invalidInput('There was no spend in the last 28 days: give totalDailyBudgetMicros');
    let result: AllocationResult;
    let target: { required: number; achieved: number; capBinds: boolean } | null = null;
    if (req.target) {
      const t = allocateForTarget(
        entities,
        'roas' in req.target ? { roas: req.target.roas } : { cpa: req.target.cpaMicros },
        budget,
      );
      result = t;
      target = { required: t.requiredEfficiency, achieved: t.achievedEfficiency, capBinds: t.capBinds };
    } else result = allocateBudget(entities, budget);
    const recommended = result.allocations.map((a) => a.spend);
    const current = data.entities.map((e) => e.currentDaily);
    const gains = Array.from({ length: BOOTSTRAP }, (_, k) =>
      fits.reduce((s, f, i) => {
        const d = f?.draws[k];
        return d ? s + d.response(recommended[i] as number) - d.response(current[i] as number) : s;
      }, 0),
    ).sort((a, b) => a - b);
    const q = (p: number) => gains[Math.min(gains.length - 1, Math.round(p * (gains.length - 1)))] as number;
    const interval = fits.some((f) => f && f.draws.length >= 2)
      ? { p05: q(0.05), p50: q(0.5), p95: q(0.95) }
      : null;
    const allocations = result.allocations.map((a, i) => {
      const e = data.entities[i] as EntityData;
      const f = fits[i];
      return {
        entityId: e.id,
        name: e.name,
        currentDailyMicros: Math.round(e.currentDaily),
        recommendedDailyMicros: Math.round(a.spend),
        changePct: e.currentDaily > 0 ? r2((a.spend / e.currentDaily - 1) * 100) : null,
        expectedResponse: f ? a.response : null,
        currentResponse: f ? a.currentResponse : null,
        marginalResponse: f ? a.marginal : null,
        binding: a.binding,
        fitted: f !== null,
        historicalRoas: f && req.objective === 'revenue' ? r2(f.roas) : null,
      };
    });
    const answer = {
      level: req.level,
      objective: req.objective,
      clientId: req.clientId ?? null,
      currency: data.currency,
      from: data.from,
      to: data.last,
      model: ALLOCATION_MODEL,
      modelVersion: ALLOCATION_MODEL_VERSION,
      totals: {
        currentDailyMicros: Math.round(currentTotal),
        recommendedDailyMicros: Math.round(result.totalSpend),
        expectedResponse: result.totalResponse,
        currentResponse: result.currentResponse,
        expectedGain: result.gain,
        gainInterval: interval,
        bindingCount: result.bindingCount,
      },
      target,
      allocations,
      warnings,
    };
    return { ...answer, predictionId: await store(ctx, req, data, answer) };
  }

  /** One prediction row per entity; a run with the same inputs is answered by its id. */
  async function store(
    ctx: Ctx,
    req: AllocationRequest,
    data: { entities: EntityData[]; last: string },
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
      series: data.entities.map((e) => [e.id, [...e.spend], [...e.y], e.currentDaily]),
    });
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const existing = await trx
        .selectFrom('predictions')
        .select('run_id')
        .where('organization_id', '=', ctx.organizationId)
        .where('type', '=', 'allocation')
        .where('inputs_hash', '=', hash)
        .executeTakeFirst();
      if (existing) return existing.run_id;
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
          .onConflict((oc) =>
            oc
              .columns([
                'organization_id',
                'type',
                'entity_type',
                'entity_id',
                'metric',
                'inputs_hash',
                'step',
              ])
              .doNothing(),
          )
          .execute();
      return runId;
    });
  }

  return { allocate };
}
