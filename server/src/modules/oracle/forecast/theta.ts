/**
 * The classic Theta method (Assimakopoulos & Nikolopoulos 2000) as M4's `Theta.classic`: the
 * average of the extrapolated OLS trend line (theta = 0) and SES on the theta = 2 line, which is
 * SES with drift half the regression slope (Hyndman & Billah 2003). Fit to deseasonalised data.
 */
import { etsForecast, fitEts } from './ets.ts';

export interface ThetaFit {
  mean: number[];
  /** Per-step standard deviations: SES's class-1 variance with σ from the in-sample Theta errors. */
  sd: number[];
}

export function thetaClassic(y: ArrayLike<number>, h: number, clampAtZero: boolean): ThetaFit {
  const n = y.length;
  let st = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    st += i + 1;
    sy += y[i]!;
  }
  const mt = st / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i + 1 - mt) * (y[i]! - my);
    sxx += (i + 1 - mt) ** 2;
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  const a = my - b * mt;
  const line = new Float64Array(n);
  for (let i = 0; i < n; i++) line[i] = 2 * y[i]! - (a + b * (i + 1));
  const ses = fitEts(line, 'ses');
  const level = etsForecast(ses, h);
  const mean = level.map((v, j) => {
    const f = 0.5 * v + 0.5 * (a + b * (n + j + 1));
    return clampAtZero && f < 0 ? 0 : f;
  });
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (y[i]! - (0.5 * ses.fitted[i]! + 0.5 * (a + b * (i + 1)))) ** 2;
  const sigma2 = sse / Math.max(1, n - 3);
  const sd = mean.map((_, j) => Math.sqrt(sigma2 * (1 + j * ses.alpha * ses.alpha)));
  return { mean, sd };
}
