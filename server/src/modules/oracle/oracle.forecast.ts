/**
 * One forecast from a daily series: spend, conversions and revenue directly with `forecast()`,
 * ROAS as the ratio of the revenue and spend forecasts (see README: "ROAS"). Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import {
  FORECAST_VERSION,
  type ForecastResult,
  forecast,
  outliersWarning,
  ratioName,
  shortSeriesWarning,
} from './forecast/index.ts';
import type { NowcastCorrection } from './oracle.forecast.nowcast.ts';
import type { DailySeries, EntityRef } from './oracle.series.ts';

export const forecastMetrics = ['spend', 'conversions', 'revenue', 'roas'] as const;
export type ForecastMetric = (typeof forecastMetrics)[number];
export const unitOf = { spend: 'micros', revenue: 'micros', conversions: 'count', roas: 'ratio' } as const;

export interface ForecastPoint {
  step: number;
  date: string;
  mean: number;
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
}

export interface ForecastExplanation {
  selectedModel: string;
  members: string[];
  /**
   * Backtest of the selection: mean absolute (or RMS) error per step, in `unit` (the metric's). For
   * ROAS, the error of the ratio itself (revenue forecast ÷ spend forecast against the actual ROAS,
   * days with spend) and `components`: the revenue and spend forecasts' own errors, in micros.
   */
  backtest: ForecastBacktest | null;
  intervalMethod: string;
  seriesLength: number;
  seriesFrom: string;
  seriesTo: string;
  currency: string;
  /** For ROAS: the two forecasts it was built from. */
  components?: { revenue: string; spend: string };
  /** Conversions and revenue of the recent days replaced by the nowcast's expected finals. */
  nowcast?: NowcastCorrection;
  warnings: string[];
}

export interface BacktestError {
  error: number;
  loss: string;
  horizon: number;
  origins: number;
  /** The unit of `error`: the metric's (`micros` for spend and revenue, `ratio` for ROAS). */
  unit: (typeof unitOf)[ForecastMetric];
}

export interface ForecastBacktest extends BacktestError {
  /** For ROAS: the backtests of the revenue and spend forecasts it divides, each in micros. */
  components?: { revenue: BacktestError | null; spend: BacktestError | null };
}

export interface ComputedForecast {
  model: string;
  version: string;
  points: ForecastPoint[];
  confidence: number | null;
  inputsHash: string;
  explanation: ForecastExplanation;
}

/**
 * Days that still collect late conversions: a day's conversions and revenue are reported ~13%
 * below their final figure at ages 1–3 and ~3% at 4–7, under 1% from 8 on (README, nowcast eval).
 */
export const LATE_CONVERSION_DAYS = 7;

const Z80 = 1.2815515655446004;
const Z95 = 1.959963984540054;
const money = (m: ForecastMetric) => m === 'spend' || m === 'revenue';
const finite = (v: number) => (Number.isFinite(v) ? v : 0);

/** sha256 of everything the stored numbers depend on: same hash, same forecast. */
export function inputsHash(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * 1 − backtest error / mean level of the last 28 days, in [0, 1]: 1 is a series the model
 * reproduced exactly out of sample, 0 an error as large as the level. Null without a backtest.
 */
function confidenceOf(f: ForecastResult, values: number[]): number | null {
  if (f.diagnostics.intervals.method === 'zero-spread') return 1;
  const err = f.diagnostics.backtest?.candidates[0]?.error;
  const recent = values.slice(-28);
  const level = recent.reduce((a, b) => a + Math.abs(b), 0) / Math.max(1, recent.length);
  if (err === undefined || !Number.isFinite(err) || !(level > 0)) return null;
  return Math.round(Math.max(0, Math.min(1, 1 - err / level)) * 1000) / 1000;
}

/**
 * ROAS's own confidence: 1 − its backtest error (the mean absolute error of the daily ROAS the two
 * forecasts implied, roasBacktest) / the mean daily ROAS of the last 28 days with spend, in [0, 1].
 * Revenue and spend can each be hard to forecast while their ratio is steady (or the reverse), so
 * the ratio is judged on its own errors. Null without that backtest or without recent spend.
 */
function roasConfidenceOf(roas: BacktestError | null, s: DailySeries): number | null {
  if (!roas || !Number.isFinite(roas.error)) return null;
  const recent: number[] = [];
  for (let i = Math.max(0, s.spendMicros.length - 28); i < s.spendMicros.length; i++) {
    const spend = s.spendMicros[i] as number;
    if (spend > 0) recent.push((s.revenueMicros[i] ?? 0) / spend);
  }
  const level = recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length);
  if (!(level > 0)) return null;
  return Math.round(Math.max(0, Math.min(1, 1 - roas.error / level)) * 1000) / 1000;
}

/** The backtest error of a forecast's selection (its best candidate), in `unit`. */
function backtestOf(f: ForecastResult, unit: BacktestError['unit']): BacktestError | null {
  const d = f.diagnostics;
  const best = d.backtest?.candidates[0];
  return d.backtest && best
    ? {
        error: finite(best.error),
        loss: d.backtest.loss,
        horizon: d.backtest.horizon,
        origins: d.backtest.origins.length,
        unit,
      }
    : null;
}

/** One backtest day both forecasts predicted: the actuals and the two forecasts, in micros. */
interface PairedCell {
  revenue: number;
  spend: number;
  forecastRevenue: number;
  forecastSpend: number;
}

interface PairedBacktest {
  cells: PairedCell[];
  origins: number;
  horizon: number;
}

/**
 * The days the revenue and spend backtests share: both forecasts' procedure run from the same
 * origins with the same horizon, paired step by step with the actual revenue and spend of the day
 * that followed. Null when either forecast has no backtest or the two do not line up (another
 * horizon, or another number of leading missing values dropped).
 */
function pairedBacktest(fr: ForecastResult, fs: ForecastResult, s: DailySeries): PairedBacktest | null {
  const br = fr.diagnostics.backtest;
  const bs = fs.diagnostics.backtest;
  // Origins count observations after leading missing values, which the forecaster drops.
  const offset = s.revenueMicros.length - fr.diagnostics.observations;
  if (
    !br ||
    !bs ||
    br.horizon !== bs.horizon ||
    offset !== s.spendMicros.length - fs.diagnostics.observations
  )
    return null;
  const cells: PairedCell[] = [];
  let origins = 0;
  for (const r of br.runs) {
    const sp = bs.runs.find((x) => x.origin === r.origin);
    if (!sp) continue;
    origins++;
    r.mean.forEach((forecastRevenue, j) => {
      const day = offset + r.origin + j;
      const spend = s.spendMicros[day];
      const revenue = s.revenueMicros[day];
      if (spend === undefined || revenue === undefined) return;
      cells.push({ revenue, spend, forecastRevenue, forecastSpend: sp.mean[j] ?? 0 });
    });
  }
  return { cells, origins, horizon: br.horizon };
}

/**
 * The backtest of ROAS itself: at each origin both forecasts' procedure runs (as forecast from
 * that origin), divided step by step as roasPoints does (0 where no spend is forecast), against the
 * actual revenue ÷ spend of the days that followed; days without spend have no ROAS and are not
 * scored. Mean absolute error, a ratio. Null when either forecast has no backtest or no day had spend.
 */
function roasBacktest(paired: PairedBacktest | null): BacktestError | null {
  if (!paired) return null;
  let sum = 0;
  let cells = 0;
  for (const c of paired.cells) {
    if (!(c.spend > 0)) continue;
    const predicted = c.forecastSpend > 0 ? c.forecastRevenue / c.forecastSpend : 0;
    sum += Math.abs(c.revenue / c.spend - predicted);
    cells++;
  }
  if (!cells) return null;
  return {
    error: finite(sum / cells),
    loss: 'mae',
    horizon: paired.horizon,
    origins: paired.origins,
    unit: 'ratio',
  };
}

function explain(
  f: ForecastResult,
  s: DailySeries,
  unit: BacktestError['unit'],
  extra: string[] = [],
): ForecastExplanation {
  const d = f.diagnostics;
  return {
    selectedModel: f.model,
    members: d.members,
    backtest: backtestOf(f, unit),
    intervalMethod: d.intervals.method,
    seriesLength: d.observations,
    seriesFrom: s.from,
    seriesTo: s.to,
    currency: s.currency,
    warnings: [...d.warnings.map((w) => outlierWarning(w, f, s, unit)), ...s.warnings, ...extra],
  };
}

/**
 * The forecaster names replaced outliers by position and raw value (the CLI's units); here they are
 * named by day, money in currency units, not micros. A series too short to backtest is counted in days.
 */
function outlierWarning(w: string, f: ForecastResult, s: DailySeries, unit: BacktestError['unit']): string {
  const n = f.diagnostics.observations;
  if (w === shortSeriesWarning(n)) return shortSeriesWarning(n, 'day');
  const o = f.diagnostics.outliers;
  if (!o.length || w !== outliersWarning(o, f.diagnostics.observations)) return w;
  const dropped = s.dates.length - f.diagnostics.observations;
  const amount = (v: number) =>
    unit === 'micros' ? `${(v / 1e6).toFixed(2)} ${s.currency}` : String(Math.round(v * 100) / 100);
  const days = o.map((x) => `${s.dates[dropped + x.index]}: ${amount(x.value)} (fitted ${amount(x.fitted)})`);
  return `${o.length} outlier${o.length === 1 ? '' : 's'} left out of the fit (replaced by the fitted level): ${days.join(', ')}`;
}

const run = (values: number[], horizon: number) =>
  forecast(values, { horizon, frequency: 'daily', nonNegative: true });

function pointsOf(f: ForecastResult, s: DailySeries, round: boolean): ForecastPoint[] {
  const r = (v: number) => (round ? Math.round(finite(v)) : finite(v));
  return f.mean.map((m, i) => ({
    step: i + 1,
    date: addDay(s.to, i + 1),
    mean: r(m),
    lo80: r(f.lo80[i] as number),
    hi80: r(f.hi80[i] as number),
    lo95: r(f.lo95[i] as number),
    hi95: r(f.hi95[i] as number),
  }));
}

const addDay = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/**
 * The correlation of the revenue and spend forecasts' errors on the log scale, log(actual ÷
 * forecast), over the backtest cells both forecasts share (their procedure runs from the same
 * origins; cells where either actual or forecast is 0 are left out), shrunk towards 0 by
 * cells ÷ (cells + 20) as the interval calibration is. Spend and revenue move together (a day the
 * platform spends more also brings more revenue), so the ratio is steadier than either part. Zero
 * without a shared backtest or with fewer than 5 cells.
 */
export function roasErrorCorrelation(fr: ForecastResult, fs: ForecastResult, s: DailySeries): number {
  return errorCorrelation(pairedBacktest(fr, fs, s));
}

function errorCorrelation(paired: PairedBacktest | null): number {
  if (!paired) return 0;
  const a: number[] = [];
  const b: number[] = [];
  for (const c of paired.cells) {
    if (!(c.spend > 0 && c.revenue > 0 && c.forecastRevenue > 0 && c.forecastSpend > 0)) continue;
    a.push(Math.log(c.revenue / c.forecastRevenue));
    b.push(Math.log(c.spend / c.forecastSpend));
  }
  const m = a.length;
  if (m < 5) return 0;
  const ma = a.reduce((x, y) => x + y, 0) / m;
  const mb = b.reduce((x, y) => x + y, 0) / m;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < m; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  if (!(saa > 0 && sbb > 0)) return 0;
  const rho = Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
  return finite(rho * (m / (m + 20)));
}

/**
 * ROAS per step = revenue mean / spend mean. Its intervals combine the two forecasts' relative
 * uncertainties on the log scale, σ_rel from each band's half width / z, with the correlation ρ of
 * their backtest errors (roasErrorCorrelation): σ² = σ_rev² + σ_spend² − 2ρ·σ_rev·σ_spend, bounds
 * R·exp(±z·σ), so they stay positive. ρ = 0 (independent) without a backtest. A step with no
 * forecast spend has ROAS 0.
 */
function roasPoints(
  rev: ForecastPoint[],
  spend: ForecastPoint[],
  rho = 0,
): { points: ForecastPoint[]; noSpend: number } {
  let noSpend = 0;
  const points = rev.map((v, i) => {
    const s = spend[i] as ForecastPoint;
    if (!(s.mean > 0)) {
      noSpend++;
      return { ...v, mean: 0, lo80: 0, hi80: 0, lo95: 0, hi95: 0 };
    }
    const ratio = v.mean / s.mean;
    const band = (z: number, lo: keyof ForecastPoint, hi: keyof ForecastPoint) => {
      const relS = ((s[hi] as number) - (s[lo] as number)) / (2 * z * s.mean);
      if (!(v.mean > 0)) return [0, finite((v[hi] as number) / s.mean)] as const;
      const relV = ((v[hi] as number) - (v[lo] as number)) / (2 * z * v.mean);
      const k = Math.min(30, z * Math.sqrt(Math.max(0, relS * relS + relV * relV - 2 * rho * relS * relV)));
      return [finite(ratio * Math.exp(-k)), finite(ratio * Math.exp(k))] as const;
    };
    const [lo80, hi80] = band(Z80, 'lo80', 'hi80');
    const [lo95, hi95] = band(Z95, 'lo95', 'hi95');
    return { step: v.step, date: v.date, mean: finite(ratio), lo80, hi80, lo95, hi95 };
  });
  return { points, noSpend };
}

const dayMs = (d: string) => Date.parse(`${d}T00:00:00Z`);

/**
 * The days at the end of the series still collecting late conversions (age under
 * LATE_CONVERSION_DAYS + 1 on the day it was read), for conversions, revenue and ROAS; none for spend.
 */
export function incompleteDays(s: DailySeries, metric: ForecastMetric): string[] {
  if (metric === 'spend' || !s.today) return [];
  const today = s.today;
  return s.dates.filter((d) => (dayMs(today) - dayMs(d)) / 86_400_000 <= LATE_CONVERSION_DAYS);
}

function incompleteWarning(s: DailySeries, metric: ForecastMetric): string[] {
  const days = incompleteDays(s, metric);
  if (!days.length) return [];
  const what =
    metric === 'conversions' ? 'conversions' : metric === 'revenue' ? 'revenue' : 'revenue (and so ROAS)';
  return [
    `The last ${days.length} day(s) of the series (${days[0]} to ${days.at(-1)}) are still incomplete: platforms report ${what} late (about 13% below final at 1–3 days old, 3% at 4–7), and the forecast is trained on them as reported, so it may lean low. GET /api/v1/oracle/nowcast gives their expected final values.`,
  ];
}

/** The hash a forecast of these inputs is stored under: computable before forecasting. */
export function forecastInputsHash(
  entity: EntityRef,
  s: DailySeries,
  metric: ForecastMetric,
  horizon: number,
): string {
  const values =
    metric === 'roas'
      ? { revenue: s.revenueMicros, spend: s.spendMicros }
      : metric === 'spend'
        ? s.spendMicros
        : metric === 'revenue'
          ? s.revenueMicros
          : s.conversions;
  return inputsHash({
    entity,
    metric,
    horizon,
    from: s.from,
    to: s.to,
    currency: s.currency,
    version: FORECAST_VERSION,
    values,
    // The incomplete-days warning is part of the answer: a later day with the same figures warns less.
    ...(metric === 'spend' ? {} : { incomplete: incompleteDays(s, metric).length }),
  });
}

/** Forecasts `metric` of the entity's series `horizon` days past its last day. Throws invalid_input on bad input. */
export function computeForecast(
  entity: EntityRef,
  s: DailySeries,
  metric: ForecastMetric,
  horizon: number,
  /** The nowcast's correction of the recent days `s` already holds, and its warnings. */
  late?: { correction: NowcastCorrection | null; warnings: string[] },
): ComputedForecast {
  // Trained on expected finals: the nowcast's own warnings; on reported figures: the generic one.
  const lateWarnings = late?.correction ? late.warnings : incompleteWarning(s, metric);
  const withLate = (e: ForecastExplanation): ForecastExplanation =>
    late?.correction ? { ...e, nowcast: late.correction } : e;
  const hash = forecastInputsHash(entity, s, metric, horizon);
  if (metric !== 'roas') {
    const values =
      metric === 'spend' ? s.spendMicros : metric === 'revenue' ? s.revenueMicros : s.conversions;
    const f = run(values, horizon);
    return {
      model: f.model,
      version: f.version,
      points: pointsOf(f, s, money(metric)),
      confidence: confidenceOf(f, values),
      inputsHash: hash,
      explanation: withLate(explain(f, s, unitOf[metric], lateWarnings)),
    };
  }
  const fr = run(s.revenueMicros, horizon);
  const fs = run(s.spendMicros, horizon);
  // The two backtests paired once, for the error correlation and for ROAS's own backtest.
  const paired = pairedBacktest(fr, fs, s);
  const rho = errorCorrelation(paired);
  const { points, noSpend } = roasPoints(pointsOf(fr, s, false), pointsOf(fs, s, false), rho);
  const extra = noSpend ? [`No spend is forecast on ${noSpend} of ${horizon} days: ROAS is 0 there`] : [];
  const explanation = explain(fr, s, 'micros', [
    ...fs.diagnostics.warnings.map((w) => `spend: ${outlierWarning(w, fs, s, 'micros')}`),
    ...extra,
    ...lateWarnings,
  ]);
  // The backtest reported is ROAS's own (a ratio); the revenue and spend forecasts' are its components.
  const roas = roasBacktest(paired);
  const components = { revenue: backtestOf(fr, 'micros'), spend: backtestOf(fs, 'micros') };
  return {
    model: ratioName(fr.model, fs.model),
    version: FORECAST_VERSION,
    points,
    confidence: roasConfidenceOf(roas, s),
    inputsHash: hash,
    explanation: {
      ...withLate(explanation),
      backtest: roas ? { ...roas, components } : null,
      selectedModel: `revenue ${fr.model} / spend ${fs.model}`,
      members: [...fr.diagnostics.members, ...fs.diagnostics.members],
      components: { revenue: fr.model, spend: fs.model },
    },
  };
}
