/**
 * The augurs WASM models we use (AutoETS and MSTL), loaded once per process with `initSync`
 * (Node cannot `fetch` a file URL, so the default async init does not work there).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as etsWasm from '@bsull/augurs/ets';
import * as mstlWasm from '@bsull/augurs/mstl';

let ready = false;

function init() {
  if (ready) return;
  const dir = path.dirname(createRequire(import.meta.url).resolve('@bsull/augurs/ets'));
  etsWasm.initSync({ module: readFileSync(path.join(dir, 'ets_bg.wasm')) });
  mstlWasm.initSync({ module: readFileSync(path.join(dir, 'mstl_bg.wasm')) });
  ready = true;
}

export interface WasmForecast {
  mean: number[];
  /** Standard deviations implied by the model's 95 % interval. */
  sd: number[];
}

function toForecast(f: { point: number[]; intervals?: { lower: number[]; upper: number[] } | undefined }) {
  const lower = f.intervals?.lower;
  const upper = f.intervals?.upper;
  return {
    mean: f.point,
    sd: f.point.map((_, j) => (lower && upper ? Math.max(0, upper[j]! - lower[j]!) / (2 * 1.959964) : 0)),
  };
}

/** augurs AutoETS (non-seasonal: AIC over error/trend/damping) on `y`. */
export function autoEts(y: ArrayLike<number>, h: number, spec = 'ZZN'): WasmForecast {
  init();
  const model = new etsWasm.AutoETS(1, spec);
  try {
    model.fit(Float64Array.from(y));
    return toForecast(model.predict(h, 0.95));
  } finally {
    model.free();
  }
}

/** augurs MSTL with an AutoETS trend model, for several seasonal periods (hourly: 24 and 168). */
export function mstl(y: ArrayLike<number>, h: number, periods: number[]): WasmForecast {
  init();
  const model = mstlWasm.MSTL.ets(periods);
  try {
    model.fit(Float64Array.from(y));
    return toForecast(model.predict(h, 0.95));
  } finally {
    model.free();
  }
}
