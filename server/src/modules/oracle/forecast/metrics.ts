/**
 * The M4 accuracy measures. sMAPE and MASE are averaged over every (series, step) cell; OWA is the
 * ratio of those averages to Naive2's on the same series, never an average of per-series ratios.
 */

/** sMAPE of one forecast, in percent: mean of 200·|y − f| / (|y| + |f|). Cells with y = f = 0 count 0. */
export function smape(actual: readonly number[], forecast: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i]!;
    const f = forecast[i]!;
    const d = Math.abs(y) + Math.abs(f);
    s += d === 0 ? 0 : (200 * Math.abs(y - f)) / d;
  }
  return s / actual.length;
}

/** In-sample MAE of the seasonal naive forecast with period m: the MASE scale (training data only). */
export function maseScale(train: readonly number[], m: number): number {
  let s = 0;
  for (let t = m; t < train.length; t++) s += Math.abs(train[t]! - train[t - m]!);
  return s / (train.length - m);
}

/** MASE of one forecast: mean |y − f| divided by `maseScale(train, m)`. */
export function mase(
  train: readonly number[],
  actual: readonly number[],
  forecast: readonly number[],
  m: number,
) {
  const scale = maseScale(train, m);
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += Math.abs(actual[i]! - forecast[i]!);
  return s / actual.length / scale;
}

export interface Accuracy {
  smape: number;
  mase: number;
}

/** Mean sMAPE and MASE over a set of series with a common horizon. */
export function accuracy(
  cases: readonly { train: readonly number[]; test: readonly number[]; forecast: readonly number[] }[],
  m: number,
): Accuracy {
  let s = 0;
  let a = 0;
  for (const c of cases) {
    s += smape(c.test, c.forecast);
    a += mase(c.train, c.test, c.forecast, m);
  }
  return { smape: s / cases.length, mase: a / cases.length };
}

/** M4's Overall Weighted Average relative to Naive2: ½·(sMAPE/sMAPE_Naive2 + MASE/MASE_Naive2). */
export function owa(method: Accuracy, naive2: Accuracy): number {
  return 0.5 * (method.smape / naive2.smape + method.mase / naive2.mase);
}
