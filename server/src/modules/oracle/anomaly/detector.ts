/**
 * Streaming, seasonality-aware, robust anomaly detector for one metric series (hourly or daily).
 *
 * Each point is compared with what the past alone predicts — level (median of the last day or
 * week of de-seasonalised values) plus seasonal effects (`seasonal.ts`) — and the residual is
 * measured, alone and as 3- and 6-hour means, against the robust spread (median/MAD) of the same
 * statistic over the past week (`surprise.ts` turns that into a score). Medians and MADs
 * let the anomalies themselves pass without dragging the baseline or the scale along. The point is
 * never used before it is scored: the detector is causal, as NAB requires.
 *
 * Counts (conversions, clicks) get a second test: a handful of values on a few integers can give
 * the robust scale a spread of ~0, so a count must also be improbable as a Poisson count given the
 * rate (`countTestP`); the point is as surprising as the less surprising of the two tests. Small
 * counts with few zeros, modelled in logs, are also tested in square roots (`smallCountCompanion`),
 * where a rise is not compressed: 3 → 18 conversions a day is ~3σ in logs, ~5σ in roots.
 */

import { poissonLowerTail, poissonUpperTail } from './counts.ts';
import { type Geometry, geometryOf, refreshProfile } from './geometry.ts';
import { Ring } from './ring.ts';
import { clamp, log10TwoSidedTail, MAD_TO_SIGMA, medianOf } from './robust.ts';
import {
  type Cadence,
  type Calendar,
  hourOf,
  inferCalendar,
  NO_SEASONALITY,
  type SeasonalProfile,
  weekdayOf,
} from './seasonal.ts';
import { SortedWindow } from './sorted-window.ts';
import { createScorer, type ScoredStep } from './surprise.ts';
import { chooseTransform, smallCountCompanion, type Transform, type TransformKind } from './transform.ts';

/** Flag threshold fixed before any evaluation: a lone point at p ≈ 1e-6 (|z| ≈ 4.9) under normal noise. */
export const DEFAULT_THRESHOLD = 0.5;

export interface AnomalyDetectorOptions {
  /** Alert score at or above which a point is flagged (default 0.5). */
  threshold?: number;
  transform?: TransformKind | 'auto';
  /** `none` turns the seasonal profile off. */
  seasonality?: 'auto' | 'none';
  /** Force a cadence instead of inferring it from the first timestamps. */
  cadence?: Cadence | 'auto';
  /**
   * Whether the values are event counts (conversions, clicks, impressions), which must also be
   * improbable as Poisson counts to score (`countTestP`). `auto` (default): when every warm-up value
   * is a whole number ≥ 0. Spend, prices and rates are not counts even when they happen to be whole.
   */
  counts?: 'auto' | boolean;
}

export type Severity = 'none' | 'low' | 'medium' | 'high' | 'critical';

export interface AnomalyPoint {
  t: number;
  value: number | null;
  /** Alert score in [0, 1]: the surprise, × 0.4 for a repeat inside an ongoing incident (surprise.ts). */
  score: number;
  /** How improbable the point is given the past, in [0, 1] (1 ⇔ p ≤ 1e-12). */
  surprise: number;
  flag: boolean;
  severity: Severity;
  /** What the past predicted for this point, in the series' units (null while warming up). */
  expected: number | null;
  /** (value − expected) / |expected|, null when unknown or expected is 0. */
  deviation: number | null;
  direction: 'up' | 'down' | null;
  /**
   * Robust z-score of the residual (0 while warming up); for a count, shrunk to the count test's
   * level when that test is the less surprising one.
   */
  z: number;
}

export interface AnomalyDetector {
  /** Scores one point; `t` is epoch milliseconds. A missing or non-finite value scores 0. */
  push(t: number, value: number | null | undefined): AnomalyPoint;
  readonly calendar: Calendar | null;
  readonly transform: TransformKind | null;
  /** Whether the series is treated as counts (null while warming up). */
  readonly counts: boolean | null;
}

const CALENDAR_POINTS = 8;

export function createAnomalyDetector(options: AnomalyDetectorOptions = {}): AnomalyDetector {
  const threshold = clamp(options.threshold ?? DEFAULT_THRESHOLD, 0, 1);
  const pending: Array<{ t: number; x: number }> = [];
  let calendar: Calendar | null = null;
  let geo: Geometry | null = null;
  let tf: Transform | null = null;
  let counts: boolean | null = null;
  let model: ReturnType<typeof createModel> | null = null;

  const quiet = (t: number, value: number | null): AnomalyPoint => ({
    t,
    value,
    score: 0,
    surprise: 0,
    flag: false,
    severity: 'none',
    expected: null,
    deviation: null,
    direction: null,
    z: 0,
  });

  return {
    get calendar() {
      return calendar;
    },
    get transform() {
      return tf?.kind ?? null;
    },
    get counts() {
      return counts;
    },
    push(t, value) {
      const x = typeof value === 'number' && Number.isFinite(value) ? value : null;
      if (x === null || !Number.isFinite(t)) return quiet(t, x);
      if (model) return model.step(t, x);
      pending.push({ t, x });
      if (!calendar && pending.length >= CALENDAR_POINTS) {
        calendar = pickCalendar(
          options.cadence ?? 'auto',
          pending.map((p) => p.t),
        );
        geo = geometryOf(calendar);
      }
      if (geo && pending.length >= geo.warmup) {
        const values = pending.map((p) => p.x);
        tf = chooseTransform(values, options.transform ?? 'auto');
        const requested = options.counts ?? 'auto';
        counts = requested === 'auto' ? pending.every((p) => Number.isInteger(p.x) && p.x >= 0) : requested;
        const seasonalCal = options.seasonality !== 'none' ? calendar! : null;
        // Small counts are also tested in square roots (transform.ts): a second model, whose zs
        // join the first's (the scorer's Bonferroni then counts both).
        const second = smallCountCompanion(values, tf, options.transform ?? 'auto', counts);
        const companion = second ? createModel(geo, second, threshold, seasonalCal, false) : null;
        model = createModel(geo, tf, threshold, seasonalCal, counts, companion);
        for (const p of pending) model.absorb(p.t, p.x);
        pending.length = 0;
      }
      return quiet(t, x);
    },
  };
}

function pickCalendar(cadence: Cadence | 'auto', times: number[]): Calendar {
  if (cadence === 'auto') return inferCalendar(times);
  if (cadence === 'subdaily') {
    const inferred = inferCalendar(times);
    return inferred.cadence === 'subdaily' ? inferred : { cadence, pointsPerDay: 24 };
  }
  return { cadence, pointsPerDay: cadence === 'daily' ? 1 : 0 };
}

/** The fitted state once warm-up is over: rings of history, residuals and the seasonal profile. */
function createModel(
  geo: Geometry,
  tf: Transform,
  threshold: number,
  seasonalCal: Calendar | null,
  counts: boolean,
  /** A model of the same series on a second scale, whose zs are added to this one's tests. */
  companion: {
    absorb(t: number, x: number): void;
    test(t: number, x: number): number[] | null;
  } | null = null,
) {
  const ys = new Ring(geo.historyCap);
  /** Raw values (counts only): the long-run rate and the sums the count test needs. */
  const xs = new Ring(counts ? geo.historyCap : 0);
  let xSum = 0;
  const ts = new Ring(geo.historyCap);
  const hours = new Ring(geo.historyCap);
  const weekdays = new Ring(geo.historyCap);
  const residuals = new Ring(Math.max(...geo.scales, 1));
  /** Past means of the last k residuals, one ring per scale k: the yardstick of each test. */
  const means = geo.scales.map(() => new SortedWindow(geo.scaleWindow));
  const levelBuf = new Float64Array(geo.levelWindow);
  const scratch = new Float64Array(geo.levelWindow);
  let profile: SeasonalProfile = NO_SEASONALITY;
  let lastRefresh = Number.NaN;
  const scorer = createScorer(geo, threshold);

  const seasonal = (hour: number, weekday: number) =>
    (profile.hour ? profile.hour[hour]! : 0) + (profile.weekday ? profile.weekday[weekday]! : 0);

  /** Mean of `residual` and the k − 1 residuals before it (null while fewer exist). */
  function meanWith(residual: number, k: number) {
    if (residuals.size < k - 1) return null;
    let sum = residual;
    for (let i = 1; i < k; i++) sum += residuals.at(-i);
    return sum / k;
  }

  /** Level + season from the past, the residual of y, and a z per scale (null if too little history). */
  function predict(t: number, y: number) {
    const n = Math.min(geo.levelWindow, ys.size);
    if (n < 3) return null;
    for (let i = 0; i < n; i++) {
      const k = ys.size - n + i;
      levelBuf[i] = ys.at(k) - seasonal(hours.at(k), weekdays.at(k));
    }
    const expected = medianOf(levelBuf, n, scratch) + seasonal(hourOf(t), weekdayOf(t));
    const residual = y - expected;
    const zs: number[] = [];
    let bias = 0;
    let pointSigma = tf.minScale;
    geo.scales.forEach((k, j) => {
      const past = means[j]!;
      const current = meanWith(residual, k);
      if (past.size < geo.minResiduals || current === null) return;
      const center = past.median();
      // A mean of k residuals is never taken as steadier than k independent ones would be.
      const sigma = Math.max(MAD_TO_SIGMA * past.mad(center), pointSigma / Math.sqrt(k));
      if (j === 0) {
        bias = center;
        pointSigma = sigma;
      }
      zs.push((current - center) / sigma);
    });
    return { expected, residual, bias, zs: zs.length === geo.scales.length ? zs : null };
  }

  /**
   * log10 of the count test's p: the point, and the sums of the last k counts (the scales of the
   * robust test), each against k × the rate (`countTestP`); null when it does not apply.
   */
  function countLog10P(x: number, expected: number) {
    if (!counts || !(x >= 0) || xs.size === 0) return null;
    // The series' own long-run rate over the history kept (+½ event, so that weeks of zeros give a
    // small positive rate rather than 0, for which any count would be impossible).
    const longRun = (xSum + 0.5) / xs.size;
    let log10p = 0;
    for (const k of geo.scales) {
      if (xs.size < k - 1) return null;
      let sum = x;
      for (let i = 1; i < k; i++) sum += xs.at(-i);
      log10p = Math.min(log10p, Math.log10(countTestP(sum, k * expected, k * longRun)));
    }
    return log10p;
  }

  function remember(t: number, x: number, y: number, residual: number | null) {
    if (residual !== null) {
      geo.scales.forEach((k, j) => {
        const m = meanWith(residual, k);
        if (m !== null) means[j]!.push(m);
      });
      residuals.push(residual);
    }
    if (counts) {
      if (xs.size === xs.capacity) xSum -= xs.at(0);
      xs.push(Math.max(x, 0));
      xSum += Math.max(x, 0);
    }
    ys.push(y);
    ts.push(t);
    hours.push(hourOf(t));
    weekdays.push(weekdayOf(t));
  }

  function maybeRefresh(t: number) {
    const key = geo.refreshKey(t);
    if (key === lastRefresh) return;
    lastRefresh = key;
    if (seasonalCal) profile = refreshProfile(seasonalCal, ys.toArray(), ts.toArray());
  }

  return {
    /** Learns from a warm-up point without scoring it. */
    absorb(t: number, x: number) {
      companion?.absorb(t, x);
      maybeRefresh(t);
      const y = tf.forward(x);
      remember(t, x, y, predict(t, y)?.residual ?? null);
    },
    /** The point's robust zs (null if not ready), then learns it: the companion's part of a step. */
    test(t: number, x: number): number[] | null {
      maybeRefresh(t);
      const y = tf.forward(x);
      const p = predict(t, y);
      remember(t, x, y, p?.residual ?? null);
      return p?.zs ?? null;
    },
    step(t: number, x: number): AnomalyPoint {
      const extra = companion ? companion.test(t, x) : null;
      maybeRefresh(t);
      const y = tf.forward(x);
      const p = predict(t, y);
      const expectedValue = p ? tf.inverse(p.expected + p.bias) : null;
      let zs = p?.zs ?? null;
      if (zs && extra) zs = [...zs, ...extra];
      const countP = zs && expectedValue !== null ? countLog10P(x, expectedValue) : null;
      if (zs && countP !== null) zs = capByCountTest(zs, countP);
      remember(t, x, y, p?.residual ?? null);
      const s: ScoredStep = scorer.next(zs);
      const deviation =
        expectedValue !== null && Math.abs(expectedValue) > 1e-12
          ? (x - expectedValue) / Math.abs(expectedValue)
          : null;
      // Direction of the strongest test, so a slow drift is labelled by where it is heading.
      const strongest = zs ? zs.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0) : 0;
      return {
        t,
        value: x,
        score: s.score,
        surprise: s.surprise,
        flag: s.flag,
        severity: s.flag ? severityOf(s.surprise, deviation) : 'none',
        expected: expectedValue,
        deviation,
        direction: s.flag ? (strongest >= 0 ? 'up' : 'down') : null,
        z: zs ? zs[0]! : 0,
      };
    },
  };
}

/**
 * How improbable a count is as Poisson, two-sided: at or below `expected` (what the detector
 * predicted) against that rate, above the higher of `expected` and `longRun` (the series' own
 * long-run rate) against that one. Between the two it is 1: chance explains it. The predicted
 * value is a median, which for a count that is mostly 0 is 0 whatever the rate (a median of 0 only
 * says the rate is below ln 2 ≈ 0.69), hence the long-run rate above it; below it, no floor is
 * needed: nothing is below 0. Poisson is the least dispersed model a count can have, so a count
 * it finds probable is probable; the robust test measures the rest of the spread.
 */
export function countTestP(actual: number, expected: number, longRun: number): number {
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return 1;
  const lo = Math.max(expected, 0);
  const hi = Number.isFinite(longRun) ? Math.max(lo, longRun) : lo;
  if (actual > hi) return Math.min(1, 2 * poissonUpperTail(actual, hi));
  if (actual < lo) return Math.min(1, 2 * poissonLowerTail(actual, lo));
  return 1;
}

/**
 * The robust zs, shrunk (all by one factor, so the direction stays) until the most extreme is no
 * more improbable than the count test says: the point then scores as the less surprising test.
 */
function capByCountTest(zs: number[], countLog10P: number): number[] {
  let robust = 0;
  let top = 0;
  for (const z of zs) {
    robust = Math.min(robust, log10TwoSidedTail(z));
    top = Math.max(top, Math.abs(z));
  }
  if (!(countLog10P > robust) || top === 0) return zs;
  // |z| whose two-sided tail is 10^countLog10P, by bisection (the tail falls monotonically in |z|).
  let lo = 0;
  let hi = top;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (log10TwoSidedTail(mid) > countLog10P) lo = mid;
    else hi = mid;
  }
  const factor = lo / top;
  return zs.map((z) => z * factor);
}

/**
 * Severity is the lower of two bands, so a statistically extreme but tiny move in a very stable
 * series is not "critical": surprise (< 0.7 low, < 0.9 medium, < 1 high, 1 critical) and size of
 * the move (< 10% low, < 30% medium, < 100% high, ≥ 100% critical).
 */
export function severityOf(surprise: number, deviation: number | null): Severity {
  const stat = surpriseBand(surprise);
  if (deviation === null) return stat;
  const size = sizeBand(deviation);
  return SEVERITIES[Math.min(SEVERITIES.indexOf(stat), SEVERITIES.indexOf(size))]!;
}

const SEVERITIES: Severity[] = ['low', 'medium', 'high', 'critical'];
/** How improbable the point was, as a severity band (surprise < 0.7 low … 1 critical). */
export const surpriseBand = (surprise: number): Severity =>
  surprise >= 1 ? 'critical' : surprise >= 0.9 ? 'high' : surprise >= 0.7 ? 'medium' : 'low';
/** How large the move was, as a severity band (< 10 % low … ≥ 100 % critical). */
export const sizeBand = (deviation: number): Severity => {
  const d = Math.abs(deviation);
  return d >= 1 ? 'critical' : d >= 0.3 ? 'high' : d >= 0.1 ? 'medium' : 'low';
};

/** Scores a whole series in time order, point by point (each point sees only its past). */
export function detectAnomalies(
  points: ReadonlyArray<{ t: number; value: number | null | undefined }>,
  options: AnomalyDetectorOptions = {},
): AnomalyPoint[] {
  const detector = createAnomalyDetector(options);
  return points.map((p) => detector.push(p.t, p.value));
}
