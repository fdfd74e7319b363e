/**
 * Rolling-origin backtests on the training data only: every candidate model is refitted at K
 * earlier origins and scored on the steps that followed; the candidates whose error is close to
 * the best are averaged (forecast combination), which on held-out M4 training data beat picking
 * the single best (see README). The error is the MAE, or the RMSE for intermittent series, where
 * the MAE would pick "always zero" (the median) over a forecast of the mean rate.
 */
import type { Model, PointSd } from './models.ts';

export type Loss = 'mae' | 'rmse';

export interface BacktestPlan {
  /** Steps scored after each origin (the forecast horizon, shortened for short series). */
  horizon: number;
  /** Training lengths at which models are refitted, latest first. */
  origins: number[];
}

export interface OriginRun extends PointSd {
  origin: number;
  actual: number[];
}

export interface CandidateScore {
  name: string;
  /** The backtest error (MAE or RMSE over every backtest cell); lower is better. */
  error: number;
  runs: OriginRun[];
}

/** K origins spaced one backtest horizon apart, each leaving at least max(2·horizon, 10) points to fit. */
export function planBacktest(n: number, h: number, k: number): BacktestPlan | null {
  const horizon = Math.min(h, Math.floor(n / (k + 2)));
  if (horizon < 1) return null;
  const minTrain = Math.max(2 * horizon, 10);
  const origins: number[] = [];
  for (let i = 1; i <= k; i++) if (n - i * horizon >= minTrain) origins.push(n - i * horizon);
  return origins.length ? { horizon, origins } : null;
}

const finite = (f: PointSd) => f.mean.every(Number.isFinite) && f.sd.every(Number.isFinite);

/** The error of some runs (skipping origin `except`). */
function errorOf(runs: OriginRun[], loss: Loss, except = -1): number {
  let sum = 0;
  let cells = 0;
  runs.forEach((r, k) => {
    if (k === except) return;
    for (let j = 0; j < r.actual.length; j++) {
      const e = Math.abs(r.actual[j]! - r.mean[j]!);
      sum += loss === 'mae' ? e : e * e;
    }
    cells += r.actual.length;
  });
  return loss === 'mae' ? sum / cells : Math.sqrt(sum / cells);
}

/** Runs every model at every origin, best first; models that throw or return non-finite numbers are dropped. */
export function backtest(x: Float64Array, models: Model[], plan: BacktestPlan, loss: Loss): CandidateScore[] {
  const out: CandidateScore[] = [];
  for (const model of models) {
    const runs: OriginRun[] = [];
    for (const origin of plan.origins) {
      let f: PointSd;
      try {
        f = model.run(x.subarray(0, origin), plan.horizon);
      } catch {
        break;
      }
      if (!finite(f)) break;
      runs.push({
        origin,
        actual: Array.from(x.subarray(origin, origin + plan.horizon)),
        mean: f.mean,
        sd: f.sd,
      });
    }
    if (runs.length === plan.origins.length) out.push({ name: model.name, error: errorOf(runs, loss), runs });
  }
  return out.sort((a, b) => a.error - b.error);
}

/** The candidates within `within` (relative) of the best backtest error, best first, at most `cap`. */
export function selectMembers(scores: CandidateScore[], within = 0.2, cap = 5): CandidateScore[] {
  const best = scores[0];
  if (!best) return [];
  return scores.filter((s, i) => i < cap && s.error <= best.error * (1 + within) + 1e-12);
}

/** Point-wise mean of several forecasts; the sd is the members' mean sd (errors assumed correlated). */
export function combine(parts: PointSd[]): PointSd {
  if (parts.length === 1) return parts[0]!;
  const h = parts[0]!.mean.length;
  const mean = new Array<number>(h).fill(0);
  const sd = new Array<number>(h).fill(0);
  for (const p of parts)
    for (let j = 0; j < h; j++) {
      mean[j]! += p.mean[j]! / parts.length;
      sd[j]! += p.sd[j]! / parts.length;
    }
  return { mean, sd };
}

/**
 * Backtest runs of the whole procedure, selection included: at each origin, members are chosen on
 * the other origins only (leave one origin out), then combined. Their errors are honest, unlike the
 * chosen members' own, which won the backtest they are measured on; intervals calibrate on these.
 */
export function procedureRuns(scores: CandidateScore[], plan: BacktestPlan, loss: Loss): OriginRun[] {
  return plan.origins.map((origin, i) => {
    const ranked =
      plan.origins.length < 2
        ? scores
        : scores.map((s) => ({ ...s, error: errorOf(s.runs, loss, i) })).sort((a, b) => a.error - b.error);
    const members = selectMembers(ranked);
    return { origin, actual: members[0]!.runs[i]!.actual, ...combine(members.map((m) => m.runs[i]!)) };
  });
}
