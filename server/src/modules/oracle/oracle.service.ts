/**
 * ORACLE predictions over the store: computes forecasts from an entity's daily metrics, stores each
 * step with model@version and a hash of its inputs (the same inputs are never stored twice), and
 * pages through their history.
 */
import type { Clock } from '../../platform/clock.ts';
import { newId } from '../../platform/ids.ts';
import { decodeCursor, type Page, toPage } from '../../platform/pagination.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { PredictionsTable } from '../../storage/schema.ts';
import type { Analytics, Fx } from '../analytics/index.ts';
import type { Ctx } from '../auth/context.ts';
import type { DomainEvents } from '../workflows/index.ts';
import { describeModel, type ModelDescription } from './forecast/index.ts';
import { createAllocations } from './oracle.allocation.ts';
import { createAnomalies } from './oracle.anomalies.ts';
import { createChurn } from './oracle.churn.ts';
import { createClv } from './oracle.clv.ts';
import { PREDICTION_KEY } from './oracle.constants.ts';
import { createFatigue } from './oracle.fatigue.ts';
import { NOWCAST_DAYS, withNowcast } from './oracle.forecast.nowcast.ts';
import {
  type ComputedForecast,
  computeForecast,
  type ForecastExplanation,
  type ForecastMetric,
  type ForecastPoint,
  forecastInputsHash,
  incompleteDays,
  unitOf,
} from './oracle.forecast.ts';
import { type AccountNowcast, createNowcast } from './oracle.nowcast.ts';
import { createPredictionHistory } from './oracle.predictions.ts';
import { createScorecard, type Replacement } from './oracle.scorecard.ts';
import {
  createSeriesReader,
  type DailySeries,
  type EntityRef,
  type EntityType,
  refuseNegative,
} from './oracle.series.ts';
import { computeSeasonalNaive } from './oracle.snaive.ts';

export interface StoredForecast {
  id: string;
  entityType: EntityType;
  entityId: string | null;
  metric: ForecastMetric;
  unit: (typeof unitOf)[ForecastMetric];
  horizon: number;
  computedAt: string;
  model: string;
  /** The model in words, from the forecaster's model registry. */
  modelDescription: ModelDescription;
  modelVersion: string;
  inputsHash: string;
  confidence: number | null;
  explanation: ForecastExplanation;
  points: ForecastPoint[];
}

/** Prediction ids share the time-sortable shape of every other id (`prd_…`). */
const predictionId = () => newId('prediction');

function toForecast(rows: PredictionsTable[]): StoredForecast {
  const first = rows[0] as PredictionsTable;
  const n = (v: number | null) => (v === null ? 0 : Number(v));
  return {
    id: first.run_id,
    entityType: first.entity_type as EntityType,
    entityId: first.entity_id === '' ? null : first.entity_id,
    metric: first.metric as ForecastMetric,
    unit: unitOf[first.metric as ForecastMetric],
    horizon: Number(first.horizon_days),
    computedAt: first.computed_at,
    model: first.model,
    modelDescription: describeModel(first.model),
    modelVersion: first.model_version,
    inputsHash: first.inputs_hash,
    confidence: first.confidence === null ? null : Number(first.confidence),
    explanation: JSON.parse(first.explanation) as ForecastExplanation,
    points: rows
      .slice()
      .sort((a, b) => Number(a.step) - Number(b.step))
      .map((r) => ({
        step: Number(r.step),
        date: r.for_date,
        mean: Number(r.value),
        lo80: n(r.lo80),
        hi80: n(r.hi80),
        lo95: n(r.lo95),
        hi95: n(r.hi95),
      })),
  };
}

/**
 * The detector learns an entity's normal level from its first 15 days (a 14-day warm-up, then its
 * first residual) and can flag a day from the 16th on: a shorter history has no day it could judge.
 * oracle.anomalies.history.test.ts holds the detector to this number.
 */
export const MIN_ANOMALY_DAYS = 16;

export interface ScanWarning {
  code: 'history_too_short';
  message: string;
  /** Complete days of history scanned. */
  days: number;
  /** Days of history before the first day that can be flagged. */
  minDays: number;
}

/** A scan of a history too short to judge any day says so, instead of an unexplained empty list. */
export function scanWarnings(s: Pick<DailySeries, 'dates' | 'from' | 'to'>): ScanWarning[] {
  const days = s.dates.length;
  if (days >= MIN_ANOMALY_DAYS) return [];
  return [
    {
      code: 'history_too_short',
      message: `Only ${days} complete day${days === 1 ? '' : 's'} of history (${s.from} to ${s.to}): the detector learns the normal level from the first ${MIN_ANOMALY_DAYS - 1} days and judges from day ${MIN_ANOMALY_DAYS} on, so no day can be flagged yet (${MIN_ANOMALY_DAYS - days} more day${MIN_ANOMALY_DAYS - days === 1 ? '' : 's'} needed). An empty list here does not mean nothing is unusual.`,
      days,
      minDays: MIN_ANOMALY_DAYS,
    },
  ];
}

export function createOracle({
  storage,
  clock,
  analytics,
  events,
}: {
  storage: Storage;
  clock: Clock;
  /** Metrics for the series; FX rates so churn compares spend in the client's currency. */
  analytics: Pick<Analytics, 'metrics'> & { fx: Pick<Fx, 'ratesFor'> };
  /** Announces newly found anomalies (workflows start on `anomaly.found`). */
  events?: DomainEvents;
}) {
  const series = createSeriesReader({ storage, analytics, clock });
  const anomalies = createAnomalies({ storage, clock, series, events });
  const fatigue = createFatigue({ storage, clock });
  const nowcast = createNowcast({ storage, clock });
  const scorecard = createScorecard({ storage, clock, series });
  const churn = createChurn({ storage, clock, fx: analytics.fx });
  const clv = createClv({ storage, clock });
  const allocations = createAllocations({ storage, clock, series });

  async function runRows(trx: Executor, organizationId: string, runId: string) {
    return trx
      .selectFrom('predictions')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('run_id', '=', runId)
      .execute();
  }

  async function findRun(ctx: Ctx, entity: EntityRef, metric: ForecastMetric, hash: string) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const existing = await trx
        .selectFrom('predictions')
        .select('run_id')
        .where('organization_id', '=', ctx.organizationId)
        .where('type', '=', 'forecast')
        .where('entity_type', '=', entity.type)
        .where('entity_id', '=', entity.id)
        .where('metric', '=', metric)
        .where('inputs_hash', '=', hash)
        .executeTakeFirst();
      return existing
        ? { ...toForecast(await runRows(trx, ctx.organizationId, existing.run_id)), reused: true }
        : undefined;
    });
  }

  /** Stores a computed forecast unless the same inputs were stored before; returns the stored run. */
  async function store(
    ctx: Ctx,
    entity: EntityRef,
    metric: ForecastMetric,
    horizon: number,
    f: ComputedForecast,
  ): Promise<StoredForecast & { reused: boolean }> {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const existing = await trx
        .selectFrom('predictions')
        .select('run_id')
        .where('organization_id', '=', ctx.organizationId)
        .where('type', '=', 'forecast')
        .where('entity_type', '=', entity.type)
        .where('entity_id', '=', entity.id)
        .where('metric', '=', metric)
        .where('inputs_hash', '=', f.inputsHash)
        .executeTakeFirst();
      if (existing)
        return { ...toForecast(await runRows(trx, ctx.organizationId, existing.run_id)), reused: true };
      const runId = predictionId();
      const computedAt = clock.now().toISOString();
      const explanation = JSON.stringify(f.explanation);
      const rows: PredictionsTable[] = f.points.map((p) => ({
        id: predictionId(),
        organization_id: ctx.organizationId,
        run_id: runId,
        type: 'forecast',
        entity_type: entity.type,
        entity_id: entity.id,
        metric,
        horizon_days: horizon,
        step: p.step,
        for_date: p.date,
        computed_at: computedAt,
        value: p.mean,
        lo80: p.lo80,
        hi80: p.hi80,
        lo95: p.lo95,
        hi95: p.hi95,
        confidence: f.confidence,
        model: f.model,
        model_version: f.version,
        inputs_hash: f.inputsHash,
        explanation,
      }));
      // A concurrent run with the same inputs wins on the unique index; this one then inserts nothing.
      for (let i = 0; i < rows.length; i += 200)
        await trx
          .insertInto('predictions')
          .values(rows.slice(i, i + 200))
          .onConflict((oc) => oc.columns(PREDICTION_KEY).doNothing())
          .execute();
      return { ...toForecast(await runRows(trx, ctx.organizationId, runId)), reused: false };
    });
  }

  /**
   * Reads the entity's series, forecasts `metric` and stores it (404 for another organization's
   * entity). A series the scorecard replaced is forecast by seasonal naive; `replacements` lets a
   * caller forecasting many series (the nightly job) read them once.
   */
  async function createForecast(
    ctx: Ctx,
    input: { entity: EntityRef; metric: ForecastMetric; horizon: number; from?: string },
    preloaded?: DailySeries,
    replacements?: Map<string, Replacement>,
    /** The organization's nowcast (nightly: read once); read here when needed otherwise. */
    nowcastAccounts?: AccountNowcast[],
  ) {
    const read = preloaded ?? (await series.read(ctx, input.entity, { from: input.from }));
    refuseNegative(
      read.negatives,
      input.metric === 'roas' ? ['revenue', 'spend'] : [input.metric],
      `A ${input.metric} forecast`,
      input.entity,
    );
    // Conversions and revenue of days still collecting late conversions: the nowcast's expected finals.
    const late =
      input.metric === 'spend' || !incompleteDays(read, input.metric).length
        ? { series: read, correction: null, warnings: [] }
        : await withNowcast(
            storage,
            ctx,
            input.entity,
            read,
            input.metric,
            nowcastAccounts ??
              (
                await nowcast.nowcast(ctx, {
                  days: NOWCAST_DAYS,
                  ...(input.entity.type === 'client' ? { clientId: input.entity.id } : {}),
                })
              ).accounts,
          );
    const s = late.series;
    const replaced =
      input.metric === 'roas'
        ? undefined
        : (replacements ?? (await scorecard.replacements(ctx))).get(
            `${input.entity.type}|${input.entity.id}|${input.metric}`,
          );
    if (replaced && input.metric !== 'roas')
      return store(
        ctx,
        input.entity,
        input.metric,
        input.horizon,
        computeSeasonalNaive(
          input.entity,
          s,
          input.metric,
          input.horizon,
          `${replaced.replacedModel} lost to seasonal naive in the weeks of ${replaced.weeks.join(', ')}: replaced by ${replaced.model}`,
        ),
      );
    // Same inputs as a stored run: answer it without forecasting again (the nightly job's usual case).
    const stored = await findRun(
      ctx,
      input.entity,
      input.metric,
      forecastInputsHash(input.entity, s, input.metric, input.horizon),
    );
    if (stored) return stored;
    const f = computeForecast(input.entity, s, input.metric, input.horizon, late);
    return store(ctx, input.entity, input.metric, input.horizon, f);
  }

  /** Stored forecasts, newest first, optionally of one entity and metric. */
  async function listForecasts(
    ctx: Ctx,
    q: { entity?: EntityRef; metric?: ForecastMetric; limit: number; cursor?: string },
  ): Promise<Page<StoredForecast>> {
    const cursor = decodeCursor(q.cursor, 'id');
    return storage.withTenant(ctx.organizationId, async (trx) => {
      if (q.entity) await series.assertEntity(trx, ctx.organizationId, q.entity);
      let runs = trx
        .selectFrom('predictions')
        .select('run_id')
        .distinct()
        .where('organization_id', '=', ctx.organizationId)
        .where('type', '=', 'forecast');
      if (q.entity) runs = runs.where('entity_type', '=', q.entity.type).where('entity_id', '=', q.entity.id);
      if (q.metric) runs = runs.where('metric', '=', q.metric);
      if (cursor) runs = runs.where('run_id', '<', cursor);
      const ids = (
        await runs
          .orderBy('run_id', 'desc')
          .limit(q.limit + 1)
          .execute()
      ).map((r) => r.run_id);
      const rows = ids.length
        ? await trx
            .selectFrom('predictions')
            .selectAll()
            .where('organization_id', '=', ctx.organizationId)
            .where('run_id', 'in', ids)
            .execute()
        : [];
      const byRun = new Map<string, PredictionsTable[]>();
      for (const r of rows) byRun.set(r.run_id, [...(byRun.get(r.run_id) ?? []), r]);
      const items = ids.flatMap((id) =>
        byRun.has(id) ? [toForecast(byRun.get(id) as PredictionsTable[])] : [],
      );
      return toPage(items, q.limit, (f) => f.id);
    });
  }

  /** Scans the entity's daily metrics for anomalies and stores the flagged days (404 for another organization's entity). */
  async function scanAnomalies(
    ctx: Ctx,
    input: { entity: EntityRef; from?: string },
    preloaded?: DailySeries,
  ) {
    const s = preloaded ?? (await series.read(ctx, input.entity, { from: input.from }));
    // Spend and conversions feed the detector (spend, CPC, CPM, conversions): refused like forecasts.
    refuseNegative(s.negatives, ['spend', 'conversions'], 'An anomaly scan', input.entity);
    const scanned = await anomalies.scan(ctx, input.entity, s);
    return { ...scanned, warnings: scanWarnings(s) };
  }

  return {
    series,
    createForecast,
    listForecasts,
    scanAnomalies,
    listAnomalies: anomalies.list,
    listFatigue: fatigue.listFatigue,
    getFatigue: fatigue.getFatigue,
    nowcast: nowcast.nowcast,
    scoreForecasts: scorecard.score,
    scorecard: scorecard.scorecard,
    forecastReplacements: scorecard.replacements,
    churn: churn.churn,
    clv: clv.clv,
    allocate: allocations.allocate,
    listPredictions: createPredictionHistory({ storage, series }).list,
  };
}

export type Oracle = ReturnType<typeof createOracle>;
