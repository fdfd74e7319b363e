/**
 * Streaming, seasonality-aware, robust anomaly detector for one metric series (hourly or daily).
 *
 * Each point is compared with what the past alone predicts — level (median of the last day or
 * week of de-seasonalised values) plus seasonal effects (`seasonal.ts`) — and the residual is
 * measured, alone and as 3- and 6-hour means, against the robust spread (median/MAD) of the same
 * statistic over the past week (`surprise.ts` turns that into a score). Medians and MADs
 * let the anomalies themselves pass without dragging the baseline or the scale along. The point is
 * never used before it is scored: the detector is causal, as NAB requires.
 */

import { type Geometry, geometryOf, refreshProfile } from './geometry.ts';
import { Ring } from './ring.ts';
import { clamp, MAD_TO_SIGMA, medianOf } from './robust.ts';
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
import { chooseTransform, type Transform, type TransformKind } from './transform.ts';

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
  /** Robust z-score of the residual (0 while warming up). */
  z: number;
}

export interface AnomalyDetector {
  /** Scores one point; `t` is epoch milliseconds. A missing or non-finite value scores 0. */
  push(t: number, value: number | null | undefined): AnomalyPoint;
  readonly calendar: Calendar | null;
  readonly transform: TransformKind | null;
}

const CALENDAR_POINTS = 8;

export function createAnomalyDetector(options: AnomalyDetectorOptions = {}): AnomalyDetector {
  const threshold = clamp(options.threshold ?? DEFAULT_THRESHOLD, 0, 1);
  const pending: Array<{ t: number; x: number }> = [];
  let calendar: Calendar | null = null;
  let geo: Geometry | null = null;
  let tf: Transform | null = null;
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
        tf = chooseTransform(
          pending.map((p) => p.x),
          options.transform ?? 'auto',
        );
        model = createModel(geo, tf, threshold, options.seasonality !== 'none' ? calendar! : null);
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
function createModel(geo: Geometry, tf: Transform, threshold: number, seasonalCal: Calendar | null) {
  const ys = new Ring(geo.historyCap);
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

  function remember(t: number, y: number, residual: number | null) {
    if (residual !== null) {
      geo.scales.forEach((k, j) => {
        const m = meanWith(residual, k);
        if (m !== null) means[j]!.push(m);
      });
      residuals.push(residual);
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
      maybeRefresh(t);
      const y = tf.forward(x);
      remember(t, y, predict(t, y)?.residual ?? null);
    },
    step(t: number, x: number): AnomalyPoint {
      maybeRefresh(t);
      const y = tf.forward(x);
      const p = predict(t, y);
      remember(t, y, p?.residual ?? null);
      const zs = p?.zs ?? null;
      const s: ScoredStep = scorer.next(zs);
      const expectedValue = p ? tf.inverse(p.expected + p.bias) : null;
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
 * Severity is the lower of two bands, so a statistically extreme but tiny move in a very stable
 * series is not "critical": surprise (< 0.7 low, < 0.9 medium, < 1 high, 1 critical) and size of
 * the move (< 10% low, < 30% medium, < 100% high, ≥ 100% critical).
 */
export function severityOf(surprise: number, deviation: number | null): Severity {
  const bands: Severity[] = ['low', 'medium', 'high', 'critical'];
  const stat = surprise >= 1 ? 3 : surprise >= 0.9 ? 2 : surprise >= 0.7 ? 1 : 0;
  if (deviation === null) return bands[stat]!;
  const d = Math.abs(deviation);
  const size = d >= 1 ? 3 : d >= 0.3 ? 2 : d >= 0.1 ? 1 : 0;
  return bands[Math.min(stat, size)]!;
}

/** Scores a whole series in time order, point by point (each point sees only its past). */
export function detectAnomalies(
  points: ReadonlyArray<{ t: number; value: number | null | undefined }>,
  options: AnomalyDetectorOptions = {},
): AnomalyPoint[] {
  const detector = createAnomalyDetector(options);
  return points.map((p) => detector.push(p.t, p.value));
}
