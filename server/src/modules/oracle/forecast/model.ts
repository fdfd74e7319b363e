/**
 * `forecast()`: one series in, point forecasts with 80 % and 95 % prediction intervals out, plus
 * the model that made them and its version. Pure and synchronous (no I/O), so a job can call it
 * per series; errors in the input are `invalid_input` AppErrors.
 */
import {
  backtest,
  type CandidateScore,
  combine,
  type Loss,
  planBacktest,
  procedureRuns,
  selectMembers,
} from './backtest.ts';
import { meanName } from './describe.ts';
import { isSeasonal } from './features.ts';
import { checkHorizon, cleanSeries, type Frequency, resolveSeasons } from './input.ts';
import { bands, type Calibration, calibrate } from './intervals.ts';
import { adjusted, type Model, mstlModel, type PointSd, seasonalNaive } from './models.ts';
import { replaceOutliers } from './outliers.ts';
import { shortMean, tFactors } from './short.ts';

/** Stored with every forecast. Bump when a change can alter any number `forecast()` returns. */
export const FORECAST_VERSION = '1.2.0';

export interface ForecastOptions {
  /** Steps ahead, 1..2160. */
  horizon: number;
  /** Seasonal period(s) in steps, e.g. 7 for daily data, [24, 168] for hourly; 1 = none. */
  season?: number | number[];
  /** Sets default seasons when `season` is absent: hourly [24, 168], daily [7], weekly [52]. */
  frequency?: Frequency;
  /**
   * The quantity cannot be negative (spend, conversions, revenue, ROAS): negative input is rejected
   * and forecasts and bounds are floored at 0. Default: floor at 0 when every observation is ≥ 0.
   */
  nonNegative?: boolean;
  /** Rolling origins in the backtest (default 3). */
  origins?: number;
}

export interface ForecastDiagnostics {
  /** Observations used after cleaning. */
  observations: number;
  imputed: number;
  /** Seasonal periods considered, and those the series tested seasonal at. */
  seasons: number[];
  seasonal: number[];
  /** Backtest: origins, steps scored per origin, the loss and every candidate's error (best first). */
  backtest: {
    origins: number[];
    horizon: number;
    loss: Loss;
    candidates: { model: string; error: number }[];
    /**
     * The whole procedure's forecast from each origin (members chosen on the other origins, then
     * averaged; floored at 0 for a non-negative series), so that a quantity derived from several
     * forecasts (ROAS = revenue ÷ spend) can be scored on the same origins.
     */
    runs: { origin: number; mean: number[] }[];
  } | null;
  /** The models averaged into the forecast. */
  members: string[];
  /**
   * Isolated outliers replaced by the fitted level before fitting (outliers.ts): position among the
   * observations (0-based), the value seen and the one fitted with instead.
   */
  outliers: { index: number; value: number; fitted: number }[];
  intervals: {
    method: 'model' | 'calibrated' | 'zero-spread' | 'short-series';
    c80: number;
    c95: number;
  };
  warnings: string[];
}

export interface ForecastResult {
  model: string;
  version: string;
  mean: number[];
  lo80: number[];
  hi80: number[];
  lo95: number[];
  hi95: number[];
  diagnostics: ForecastDiagnostics;
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;

/** The warning naming replaced outliers by position and value (the API rewrites it by day). */
export function outliersWarning(o: ForecastDiagnostics['outliers'], n: number): string {
  return `${o.length} outlier${o.length === 1 ? '' : 's'} replaced by the fitted level for fitting: ${o
    .map((x) => `${x.value} → ${round4(x.fitted)} (observation ${x.index + 1} of ${n})`)
    .join(', ')}`;
}

/**
 * The warning of a series too short to backtest (the API says "days" for "observations"): no trend
 * is projected from it.
 */
export function shortSeriesWarning(n: number, step = 'observation'): string {
  return `only ${n} ${step}${n === 1 ? '' : 's'} of history: no trend is projected; the forecast is their mean, with intervals that widen with the horizon (too short to backtest and choose a model)`;
}

const PLAIN = ['naive', 'drift', 'ses', 'holt', 'damped', 'theta'] as const;

/** The candidates for a series: plain models, the same deseasonalised at each period the series tests seasonal at, seasonal naive, and MSTL when there are several periods. */
export function candidateModels(x: Float64Array, seasons: number[]): { models: Model[]; seasonal: number[] } {
  const seasonal = seasons.filter((p) => isSeasonal(x, p));
  const models: Model[] = PLAIN.map((k) => adjusted(k, 1));
  for (const p of seasonal) for (const k of PLAIN) models.push(adjusted(k, p));
  for (const p of seasons) if (x.length >= 2 * p) models.push(seasonalNaive(p));
  const fitting = seasons.filter((p) => x.length >= 2 * p);
  if (seasons.length >= 2 && fitting.length >= 1) models.push(mstlModel(fitting));
  return { models, seasonal };
}

/** Count data with many zeros (conversions of a small ad): 30 % or more of the values are 0. */
function isIntermittent(x: Float64Array): boolean {
  let zeros = 0;
  for (const v of x) if (v === 0) zeros++;
  return zeros >= 0.3 * x.length;
}

function flat(value: number, h: number, sd: (j: number) => number): PointSd {
  return { mean: new Array<number>(h).fill(value), sd: Array.from({ length: h }, (_, j) => sd(j)) };
}

/**
 * Forecasts one series `horizon` steps ahead with 80 % and 95 % intervals. Throws
 * `AppError('invalid_input')` for input it cannot forecast (see README: rules for bad input).
 */
export function forecast(
  series: readonly (number | null | undefined)[],
  options: ForecastOptions,
): ForecastResult {
  const h = checkHorizon(options.horizon);
  const seasons = resolveSeasons(options.season, options.frequency);
  const clean = cleanSeries(series, options.nonNegative === true);
  const x = clean.values;
  const n = x.length;
  const nonNegative = options.nonNegative ?? x.every((v) => v >= 0);
  const warnings = [...clean.warnings];
  const outliers: ForecastDiagnostics['outliers'] = [];
  const base = { observations: n, imputed: clean.imputed, seasons, warnings, outliers };
  const finish = (
    model: string,
    f: PointSd,
    cal: Calibration,
    method: ForecastDiagnostics['intervals']['method'],
    rest: Pick<ForecastDiagnostics, 'seasonal' | 'backtest' | 'members'>,
  ): ForecastResult => {
    if (!f.mean.every(Number.isFinite) || !f.sd.every(Number.isFinite)) {
      // Never NaN in a response: a model that misbehaves is replaced by the random walk.
      warnings.push(`${model} produced non-finite numbers: naive forecast instead`);
      model = 'naive';
      f = adjusted('naive', 1).run(x, h);
    }
    const mean = nonNegative ? f.mean.map((v) => Math.max(0, v)) : f.mean;
    return {
      model,
      version: FORECAST_VERSION,
      mean,
      ...bands(mean, f.sd, cal, nonNegative),
      diagnostics: { ...base, ...rest, intervals: { method, c80: cal.c80, c95: cal.c95 } },
    };
  };
  const none = { seasonal: [], backtest: null };
  const unit = { c80: 1, c95: 1, cells: 0 };

  const k = Math.max(1, Math.min(10, options.origins ?? 3));
  const plan = planBacktest(n, h, k);

  if (x.every((v) => v === x[0]) && (plan || x[0] === 0)) {
    warnings.push('constant series: flat forecast with zero-width intervals');
    return finish(
      'naive',
      flat(x[0]!, h, () => 0),
      unit,
      'zero-spread',
      { ...none, members: ['naive'] },
    );
  }

  if (!plan) {
    // Too short to backtest: the mean, no trend, Student-t intervals widening with the horizon (short.ts).
    warnings.push(shortSeriesWarning(n));
    const f = shortMean(x, h);
    return finish('mean', f, tFactors(f.df), 'short-series', { ...none, members: ['mean'] });
  }

  const intermittent = isIntermittent(x);
  // The models are fitted (and backtested) on the series with isolated outliers replaced.
  const cleaned = intermittent ? null : replaceOutliers(x, seasons);
  if (cleaned?.replaced.length) {
    outliers.push(...cleaned.replaced);
    warnings.push(outliersWarning(cleaned.replaced, n));
  }
  const xf = cleaned?.values ?? x;
  const { models, seasonal } = candidateModels(xf, seasons);
  const loss = intermittent ? 'rmse' : 'mae';
  if (loss === 'rmse')
    warnings.push('intermittent series (30% or more zeros): models chosen for the mean rate (RMSE)');
  const scores = backtest(xf, models, plan, loss);
  const chosen: CandidateScore[] = [];
  const finals: PointSd[] = [];
  for (const s of selectMembers(scores)) {
    const model = models.find((m) => m.name === s.name)!;
    try {
      const f = model.run(xf, h);
      if (f.mean.every(Number.isFinite) && f.sd.every(Number.isFinite)) {
        chosen.push(s);
        finals.push(f);
      }
    } catch {
      // A member that fails on the full series is left out; the backtest already vetted the others.
    }
  }
  if (!chosen.length) {
    warnings.push('every candidate model failed: naive forecast');
    return finish('naive', models[0]!.run(xf, h), unit, 'model', {
      seasonal,
      backtest: null,
      members: ['naive'],
    });
  }
  const procedure = procedureRuns(scores, plan, loss);
  const cal = calibrate(procedure);
  const members = chosen.map((c) => c.name);
  return finish(meanName(members), combine(finals), cal, cal.cells >= 5 ? 'calibrated' : 'model', {
    seasonal,
    backtest: {
      origins: plan.origins,
      horizon: plan.horizon,
      loss,
      candidates: scores.map((s) => ({ model: s.name, error: s.error })),
      runs: procedure.map((r) => ({
        origin: r.origin,
        mean: nonNegative ? r.mean.map((v) => Math.max(0, v)) : r.mean,
      })),
    },
    members,
  });
}
