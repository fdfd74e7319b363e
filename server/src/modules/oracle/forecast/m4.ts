/**
 * The M4 competition data (Weekly and Hourly, read from ../shared/data/m4) and the M4 benchmark
 * methods exactly as the organisers' `Benchmarks and Evaluation.R` computes them, so our metric
 * code can be checked against the published Naive2/SES rows and our models compared with theirs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { evalDataDir } from '../eval-data.ts';
import { etsForecast, fitEts } from './ets.ts';
import { decompose, isSeasonal, noDecomposition, seasonalOut } from './features.ts';
import { thetaClassic } from './theta.ts';

export type M4Frequency = 'weekly' | 'hourly';

/** Horizon and the seasonal period M4 uses for its test, decomposition and MASE scale. */
export const M4_SETTINGS: Record<M4Frequency, { horizon: number; m: number; file: string }> = {
  weekly: { horizon: 13, m: 1, file: 'Weekly' },
  hourly: { horizon: 48, m: 24, file: 'Hourly' },
};

export const M4_DIR = process.env.OMNIFY_M4_DIR ?? evalDataDir('m4');

export interface M4Series {
  id: string;
  train: number[];
  test: number[];
}

/** Reads a wide M4 CSV (`"V1","V2",…`; id then values, padded with empty cells) into id → values. */
export function readWide(file: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const lines = readFileSync(file, 'utf8').split('\n');
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    const cells = line.split(',').map((c) => c.replace(/^"|"$/g, ''));
    const id = cells[0]!;
    const values: number[] = [];
    for (const c of cells.slice(1)) if (c !== '' && c !== 'NA') values.push(Number(c));
    out.set(id, values);
  }
  return out;
}

export function loadM4(frequency: M4Frequency, dir = M4_DIR): M4Series[] {
  const { file } = M4_SETTINGS[frequency];
  const train = readWide(path.join(dir, `${file}-train.csv`));
  const test = readWide(path.join(dir, `${file}-test.csv`));
  return [...train].map(([id, values]) => ({ id, train: values, test: test.get(id) ?? [] }));
}

/** Official benchmark point forecasts (`submission-<Method>.<Frequency>.csv`), id → forecasts. */
export function loadOfficialForecasts(
  method: 'Naive' | 'Naive2' | 'SES' | 'sNaive',
  frequency: M4Frequency,
  dir = M4_DIR,
) {
  return readWide(
    path.join(dir, 'benchmark_point_forecasts', `submission-${method}.${M4_SETTINGS[frequency].file}.csv`),
  );
}

/** Published rows of the M4 "Point Forecasts-Frequency" sheet, from the derived CSV. */
export function loadPublished(dir = M4_DIR): Map<string, { smape: number; mase: number; owa: number }> {
  const text = readFileSync(
    path.join(dir, 'published_results', 'DERIVED_m4_benchmarks_weekly_daily_hourly.csv'),
    'utf8',
  );
  const out = new Map<string, { smape: number; mase: number; owa: number }>();
  for (const line of text.trim().split('\n').slice(1)) {
    const [method, frequency, s, m, o] = line.split(',');
    out.set(`${method}|${frequency}`, { smape: Number(s), mase: Number(m), owa: Number(o) });
  }
  return out;
}

export type M4Benchmark = 'Naive' | 'sNaive' | 'Naive2' | 'SES' | 'Holt' | 'Damped' | 'Theta' | 'Com';

/** The M4 benchmarks of `Benchmarks()` for one series, with M4's seasonal period m. */
export function m4Benchmarks(x: readonly number[], h: number, m: number): Record<M4Benchmark, number[]> {
  const seasonal = isSeasonal(x, m, true);
  const d = seasonal ? decompose(x, m, 'multiplicative') : noDecomposition(x);
  const si = seasonalOut(d, h);
  const adj = d.adjusted;
  const reseason = (f: number[]) => f.map((v, j) => v * si[j]!);
  const n = x.length;
  const ses = reseason(etsForecast(fitEts(adj, 'ses'), h));
  const holt = reseason(etsForecast(fitEts(adj, 'holt'), h));
  const damped = reseason(etsForecast(fitEts(adj, 'damped'), h));
  return {
    Naive: new Array<number>(h).fill(x[n - 1]!),
    sNaive: Array.from({ length: h }, (_, j) => (m > 1 && n >= m ? x[n - m + (j % m)]! : x[n - 1]!)),
    Naive2: reseason(new Array<number>(h).fill(adj[n - 1]!)),
    SES: ses,
    Holt: holt,
    Damped: damped,
    Theta: reseason(thetaClassic(adj, h, true).mean),
    Com: ses.map((v, j) => (v + holt[j]! + damped[j]!) / 3),
  };
}
