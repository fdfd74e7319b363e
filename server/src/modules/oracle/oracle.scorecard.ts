/**
 * Forecast scorecard: stored forecasts are scored once their first week has actuals (MASE scaled by
 * the in-sample seasonal-naive error, the same week's seasonal-naive MASE, 80/95% coverage), and a
 * series whose model lost to seasonal naive on four consecutive weekly scorings is forecast by
 * seasonal naive from then on. Scores are stored as predictions of type `forecast_score`.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import { newId } from '../../platform/ids.ts';
import type { Storage } from '../../storage/db.ts';
import type { PredictionsTable } from '../../storage/schema.ts';
import type { Ctx } from '../auth/context.ts';
import { describeModel } from './forecast/describe.ts';
import { PREDICTION_KEY } from './oracle.constants.ts';
import {
  addDays,
  type DailySeries,
  type EntityRef,
  type EntityType,
  type SeriesReader,
} from './oracle.series.ts';

export const SCORED_STEPS = 7;
export const SEASON = 7;
/** Consecutive weekly losses to seasonal naive after which a series is switched to it. */
export const LOSING_WEEKS = 4;
export const REPLACEMENT_MODEL = `snaive@${SEASON}`;
/** ROAS is a ratio of two forecasts, undefined on days without spend: not scored. */
const SCORED_METRICS = ['spend', 'conversions', 'revenue'] as const;
type ScoredMetric = (typeof SCORED_METRICS)[number];

export interface ForecastScore {
  runId: string;
  entityType: EntityType;
  entityId: string | null;
  metric: string;
  model: string;
  modelVersion: string;
  origin: string;
  week: string;
  mase: number | null;
  snaiveMase: number | null;
  coverage80: number;
  coverage95: number;
  lost: boolean;
  scoredAt: string;
}

export interface Replacement {
  entityType: EntityType;
  entityId: string | null;
  metric: string;
  replacedModel: string;
  model: string;
  since: string;
  weeks: string[];
}

const valuesOf = (s: DailySeries, m: ScoredMetric) =>
  m === 'spend' ? s.spendMicros : m === 'revenue' ? s.revenueMicros : s.conversions;
const r6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** Monday of the ISO week of a day. */
export function weekOf(date: string): string {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((dow + 6) % 7));
}

/** In-sample mean absolute error of seasonal naive (lag 7; lag 1 when the history is shorter). */
export function naiveScale(x: number[]): number | null {
  const lag = x.length > SEASON ? SEASON : 1;
  let sum = 0;
  let n = 0;
  for (let i = lag; i < x.length; i++) {
    sum += Math.abs((x[i] as number) - (x[i - lag] as number));
    n++;
  }
  return n > 0 && sum > 0 ? sum / n : null;
}

/** Scores one run's first week against actuals; null when the week is not complete yet. */
export function scoreRun(
  points: Array<{ date: string; mean: number; lo80: number; hi80: number; lo95: number; hi95: number }>,
  s: DailySeries,
  values: number[],
): Omit<
  ForecastScore,
  'runId' | 'entityType' | 'entityId' | 'metric' | 'model' | 'modelVersion' | 'scoredAt'
> | null {
  const week = points.slice(0, SCORED_STEPS);
  const origin = week[0]?.date;
  if (!origin || week.length < SCORED_STEPS) return null;
  const start = s.dates.indexOf(origin);
  if (start < 0 || start + SCORED_STEPS > s.dates.length) return null;
  const history = values.slice(0, start);
  const scale = naiveScale(history);
  let err = 0;
  let naiveErr = 0;
  let in80 = 0;
  let in95 = 0;
  week.forEach((p, k) => {
    const actual = values[start + k] as number;
    err += Math.abs(actual - p.mean);
    const naive =
      history.length >= SEASON
        ? (history[history.length - SEASON + (k % SEASON)] as number)
        : (history.at(-1) ?? 0);
    naiveErr += Math.abs(actual - naive);
    if (actual >= p.lo80 && actual <= p.hi80) in80++;
    if (actual >= p.lo95 && actual <= p.hi95) in95++;
  });
  const mase = scale === null ? null : r6(err / SCORED_STEPS / scale);
  const snaiveMase = scale === null ? null : r6(naiveErr / SCORED_STEPS / scale);
  return {
    origin,
    week: weekOf(origin),
    mase,
    snaiveMase,
    coverage80: r6(in80 / SCORED_STEPS),
    coverage95: r6(in95 / SCORED_STEPS),
    // Without a scale (a flat history) compare the raw errors.
    lost: mase !== null && snaiveMase !== null ? mase > snaiveMase : err > naiveErr,
  };
}

/** Series (entity + metric) replaced: the last LOSING_WEEKS weekly scorings of their model were consecutive losses. */
export function replacementsOf(scores: ForecastScore[]): Replacement[] {
  const bySeries = new Map<string, ForecastScore[]>();
  for (const sc of scores) {
    if (sc.model === REPLACEMENT_MODEL) continue;
    const key = `${sc.entityType}|${sc.entityId ?? ''}|${sc.metric}`;
    bySeries.set(key, [...(bySeries.get(key) ?? []), sc]);
  }
  const out: Replacement[] = [];
  for (const list of bySeries.values()) {
    // One scoring per week: the latest run whose forecast started that week.
    const weekly = new Map<string, ForecastScore>();
    for (const sc of list.sort((a, b) => a.origin.localeCompare(b.origin) || a.runId.localeCompare(b.runId)))
      weekly.set(sc.week, sc);
    const weeks = [...weekly.values()].sort((a, b) => a.week.localeCompare(b.week)).slice(-LOSING_WEEKS);
    if (weeks.length < LOSING_WEEKS) continue;
    const consecutive = weeks.every(
      (w, i) => i === 0 || addDays((weeks[i - 1] as ForecastScore).week, 7) === w.week,
    );
    if (!consecutive || !weeks.every((w) => w.lost)) continue;
    const last = weeks.at(-1) as ForecastScore;
    out.push({
      entityType: last.entityType,
      entityId: last.entityId,
      metric: last.metric,
      replacedModel: last.model,
      model: REPLACEMENT_MODEL,
      since: addDays(last.week, 7),
      weeks: weeks.map((w) => w.week),
    });
  }
  return out;
}

export function createScorecard({
  storage,
  clock,
  series,
}: {
  storage: Storage;
  clock: Clock;
  series: SeriesReader;
}) {
  async function storedScores(ctx: Ctx): Promise<ForecastScore[]> {
    const rows = await storage.withTenant(ctx.organizationId, (trx) =>
      trx
        .selectFrom('predictions')
        .select('explanation')
        .where('organization_id', '=', ctx.organizationId)
        .where('type', '=', 'forecast_score')
        .execute(),
    );
    return rows.map((r) => JSON.parse(r.explanation) as ForecastScore);
  }

  /** Scores every stored forecast run whose first week now has actuals and was not scored yet. */
  async function score(ctx: Ctx): Promise<{ scored: number }> {
    const org = ctx.organizationId;
    const pending = await storage.withTenant(org, async (trx) => {
      const last = (
        await trx
          .selectFrom('daily_metrics')
          .select((eb) => eb.fn.max('date').as('last'))
          .where('organization_id', '=', org)
          .executeTakeFirst()
      )?.last as string | null | undefined;
      if (!last) return [];
      // Actuals are complete days only (today is still being reported), as the series reader reads them.
      const lastComplete = addDays(clock.now().toISOString().slice(0, 10), -1);
      let lastActual = last;
      if (lastActual > lastComplete) lastActual = lastComplete;
      const scored = trx
        .selectFrom('predictions')
        .select('run_id')
        .where('organization_id', '=', org)
        .where('type', '=', 'forecast_score');
      return trx
        .selectFrom('predictions')
        .selectAll()
        .where('organization_id', '=', org)
        .where('type', '=', 'forecast')
        .where('metric', 'in', [...SCORED_METRICS])
        .where('step', '<=', SCORED_STEPS)
        .where('run_id', 'not in', scored)
        .where('run_id', 'in', (eb) =>
          eb
            .selectFrom('predictions')
            .select('run_id')
            .where('organization_id', '=', org)
            .where('type', '=', 'forecast')
            .where('step', '=', SCORED_STEPS)
            .where('for_date', '<=', lastActual),
        )
        .orderBy('run_id')
        .orderBy('step')
        .execute();
    });
    const runs = new Map<string, PredictionsTable[]>();
    for (const r of pending) runs.set(r.run_id, [...(runs.get(r.run_id) ?? []), r]);
    const seriesCache = new Map<string, DailySeries | null>();
    const rows: PredictionsTable[] = [];
    const scoredAt = clock.now().toISOString();
    for (const [runId, pts] of runs) {
      const first = pts[0] as PredictionsTable;
      const entity: EntityRef = { type: first.entity_type as EntityType, id: first.entity_id };
      const key = `${entity.type}|${entity.id}`;
      if (!seriesCache.has(key)) seriesCache.set(key, await series.read(ctx, entity).catch(() => null));
      const s = seriesCache.get(key);
      if (!s) continue;
      const points = pts.map((p) => ({
        date: p.for_date,
        mean: Number(p.value),
        lo80: Number(p.lo80),
        hi80: Number(p.hi80),
        lo95: Number(p.lo95),
        hi95: Number(p.hi95),
      }));
      const sc = scoreRun(points, s, valuesOf(s, first.metric as ScoredMetric));
      if (!sc) continue;
      const full: ForecastScore = {
        runId,
        entityType: entity.type,
        entityId: entity.id === '' ? null : entity.id,
        metric: first.metric,
        model: first.model,
        modelVersion: first.model_version,
        ...sc,
        scoredAt,
      };
      rows.push({
        id: newId('prediction'),
        organization_id: org,
        run_id: runId,
        type: 'forecast_score',
        entity_type: entity.type,
        entity_id: entity.id,
        metric: first.metric,
        horizon_days: SCORED_STEPS,
        step: 0,
        for_date: sc.origin,
        computed_at: scoredAt,
        value: sc.mase ?? 0,
        lo80: sc.coverage80,
        hi80: sc.coverage95,
        lo95: sc.snaiveMase,
        hi95: null,
        confidence: null,
        model: first.model,
        model_version: first.model_version,
        inputs_hash: createHash('sha256').update(`score|${runId}`).digest('hex'),
        explanation: JSON.stringify(full),
      });
    }
    let scored = 0;
    await storage.withTenant(org, async (trx) => {
      for (let i = 0; i < rows.length; i += 100) {
        const res = await trx
          .insertInto('predictions')
          .values(rows.slice(i, i + 100))
          .onConflict((oc) => oc.columns(PREDICTION_KEY).doNothing())
          .executeTakeFirst();
        scored += Number(res.numInsertedOrUpdatedRows ?? 0);
      }
    });
    return { scored };
  }

  /** The series switched to seasonal naive, keyed `entityType|entityId|metric`. */
  async function replacements(ctx: Ctx): Promise<Map<string, Replacement>> {
    const list = replacementsOf(await storedScores(ctx));
    return new Map(list.map((r) => [`${r.entityType}|${r.entityId ?? ''}|${r.metric}`, r]));
  }

  /** Per model and metric: weekly scorings, mean MASE (and seasonal naive's on the same weeks), coverage; and the replacements. */
  async function scorecard(ctx: Ctx) {
    const scores = await storedScores(ctx);
    const groups = new Map<string, ForecastScore[]>();
    for (const s of scores)
      groups.set(`${s.model}|${s.metric}`, [...(groups.get(`${s.model}|${s.metric}`) ?? []), s]);
    const mean = (xs: number[]) => (xs.length ? r6(xs.reduce((a, b) => a + b, 0) / xs.length) : null);
    const models = [...groups.values()]
      .map((g) => {
        const withMase = g.filter((s) => s.mase !== null && s.snaiveMase !== null);
        return {
          model: (g[0] as ForecastScore).model,
          modelDescription: describeModel((g[0] as ForecastScore).model),
          metric: (g[0] as ForecastScore).metric,
          count: g.length,
          mase: mean(withMase.map((s) => s.mase as number)),
          snaiveMase: mean(withMase.map((s) => s.snaiveMase as number)),
          coverage80: mean(g.map((s) => s.coverage80)) as number,
          coverage95: mean(g.map((s) => s.coverage95)) as number,
          lostToSeasonalNaive: g.filter((s) => s.lost).length,
        };
      })
      .sort((a, b) => a.metric.localeCompare(b.metric) || a.model.localeCompare(b.model));
    return { scoredSteps: SCORED_STEPS, models, replacements: replacementsOf(scores) };
  }

  return { score, replacements, scorecard };
}

export type Scorecard = ReturnType<typeof createScorecard>;
