/**
 * M4 Weekly (359 series, h = 13) and Hourly (414 series, h = 48): our `forecast()` scored with the
 * M4 definitions of sMAPE, MASE (m = 1 weekly, 24 hourly) and OWA relative to Naive2, next to the
 * published Naive2, SES, Theta, Damped and Com rows, plus the coverage of our 80 % / 95 % intervals.
 *
 *   cd server && node --import tsx eval/m4.eval.ts [--quick] [--weekly|--hourly] [--dev] [--workers N]
 *
 * `--quick` scores every 8th series. `--dev` never touches the test files: it holds out the last h
 * points of each training series instead (what model design was decided on). Series are split over
 * child processes (default: 2).
 */

import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  loadM4,
  loadPublished,
  M4_SETTINGS,
  type M4Frequency,
  type M4Series,
  m4Benchmarks,
} from '../src/modules/oracle/forecast/m4.ts';
import { type Accuracy, accuracy, owa } from '../src/modules/oracle/forecast/metrics.ts';
import { forecast } from '../src/modules/oracle/forecast/model.ts';

export interface FrequencyResult extends Accuracy {
  owa: number;
  series: number;
  naive2: Accuracy;
  coverage80: number;
  coverage95: number;
  seconds: number;
  models: Record<string, number>;
}

export interface M4EvalResult {
  weekly?: FrequencyResult;
  hourly?: FrequencyResult;
  table: string;
}

interface SeriesOutcome {
  id: string;
  mean: number[];
  naive2: number[];
  in80: number;
  in95: number;
  members: string[];
}

/** Forecasts one batch of series (runs inside a worker). */
function runBatch(frequency: M4Frequency, batch: M4Series[]): SeriesOutcome[] {
  const { horizon, m } = M4_SETTINGS[frequency];
  return batch.map((s) => {
    const f = forecast(s.train, { horizon, frequency });
    let in80 = 0;
    let in95 = 0;
    s.test.forEach((y, j) => {
      if (y >= f.lo80[j]! && y <= f.hi80[j]!) in80++;
      if (y >= f.lo95[j]! && y <= f.hi95[j]!) in95++;
    });
    return {
      id: s.id,
      mean: f.mean,
      naive2: m4Benchmarks(s.train, horizon, m).Naive2,
      in80,
      in95,
      members: f.diagnostics.members,
    };
  });
}

function select(frequency: M4Frequency, quick: boolean, dev: boolean): M4Series[] {
  const { horizon } = M4_SETTINGS[frequency];
  const all = loadM4(frequency).filter((_, i) => !quick || i % 8 === 0);
  return dev
    ? all.map((s) => ({ id: s.id, train: s.train.slice(0, -horizon), test: s.train.slice(-horizon) }))
    : all;
}

async function runParallel(
  frequency: M4Frequency,
  series: M4Series[],
  workers: number,
  onProgress: (done: number) => void,
) {
  if (workers <= 1) return runBatch(frequency, series);
  const chunks: M4Series[][] = Array.from({ length: workers }, () => []);
  // Long series are the slow ones: deal them out round-robin by length.
  const byLength = [...series].sort((a, b) => b.train.length - a.train.length);
  for (const [i, s] of byLength.entries()) chunks[i % workers]!.push(s);
  let done = 0;
  const parts = await Promise.all(
    chunks.map(
      (chunk) =>
        new Promise<SeriesOutcome[]>((resolve, reject) => {
          // Child processes rather than threads: tsx's loader has to be registered in each.
          const w = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'] });
          w.on('message', (msg: { progress?: number; result?: SeriesOutcome[] }) => {
            if (msg.progress) {
              done += msg.progress;
              onProgress(done);
            }
            if (msg.result) {
              resolve(msg.result);
              w.disconnect();
            }
          });
          w.on('error', reject);
          w.on('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
          w.send({ frequency, chunk });
        }),
    ),
  );
  return parts.flat();
}

const fmt = (v: number, d = 3) => v.toFixed(d);

export async function runM4Eval(
  opts: {
    quick?: boolean;
    frequencies?: M4Frequency[];
    dev?: boolean;
    workers?: number;
    progress?: boolean;
  } = {},
): Promise<M4EvalResult> {
  const frequencies = opts.frequencies ?? ['weekly', 'hourly'];
  const workers = opts.workers ?? Math.max(1, Math.min(2, os.availableParallelism()));
  const published = loadPublished();
  const result: M4EvalResult = { table: '' };
  const lines: string[] = [];
  for (const frequency of frequencies) {
    const { horizon, m, file } = M4_SETTINGS[frequency];
    const series = select(frequency, opts.quick === true, opts.dev === true);
    const started = performance.now();
    const outcomes = await runParallel(frequency, series, workers, (done) => {
      if (opts.progress) process.stderr.write(`\r${frequency}: ${done}/${series.length}`);
    });
    if (opts.progress) process.stderr.write('\n');
    const seconds = (performance.now() - started) / 1000;
    const byId = new Map(outcomes.map((o) => [o.id, o]));
    const cases = series.map((s) => ({ train: s.train, test: s.test, forecast: byId.get(s.id)!.mean }));
    const naive2 = accuracy(
      series.map((s) => ({ train: s.train, test: s.test, forecast: byId.get(s.id)!.naive2 })),
      m,
    );
    const ours = accuracy(cases, m);
    const models: Record<string, number> = {};
    for (const o of outcomes) for (const name of o.members) models[name] = (models[name] ?? 0) + 1;
    const cells = series.length * horizon;
    result[frequency] = {
      ...ours,
      owa: owa(ours, naive2),
      series: series.length,
      naive2,
      coverage80: outcomes.reduce((s, o) => s + o.in80, 0) / cells,
      coverage95: outcomes.reduce((s, o) => s + o.in95, 0) / cells,
      seconds,
      models,
    };
    const r = result[frequency]!;
    lines.push(
      `M4 ${file} (${series.length} series, h=${horizon}, MASE m=${m})${opts.dev ? ' — DEV: last h of train held out' : ''}`,
      `  method        sMAPE    MASE     OWA`,
    );
    const full = series.length === (frequency === 'weekly' ? 359 : 414) && !opts.dev;
    for (const method of ['Naive2', 'SES', 'Theta', 'Damped', 'Com']) {
      const p = published.get(`${method}|${file}`)!;
      lines.push(
        `  ${(`${method} (pub)`).padEnd(13)} ${fmt(p.smape).padStart(6)}  ${fmt(p.mase).padStart(6)}  ${fmt(p.owa).padStart(6)}`,
      );
    }
    lines.push(
      `  ${'Naive2 (ours)'.padEnd(13)} ${fmt(naive2.smape).padStart(6)}  ${fmt(naive2.mase).padStart(6)}   1.000${full ? '   (recomputed: must equal the published row)' : '   (this subset: compare OWA, not sMAPE/MASE)'}`,
    );
    lines.push(
      `  ${'Omnify'.padEnd(13)} ${fmt(r.smape).padStart(6)}  ${fmt(r.mase).padStart(6)}  ${fmt(r.owa).padStart(6)}`,
      `  intervals: 80% coverage ${(r.coverage80 * 100).toFixed(1)}%, 95% coverage ${(r.coverage95 * 100).toFixed(1)}%; ${seconds.toFixed(1)} s on ${workers} worker(s)`,
      '',
    );
  }
  result.table = lines.join('\n');
  return result;
}

if (process.argv.includes('--child') && process.send) {
  process.once('message', (msg: { frequency: M4Frequency; chunk: M4Series[] }) => {
    const out: SeriesOutcome[] = [];
    for (let i = 0; i < msg.chunk.length; i += 10) {
      out.push(...runBatch(msg.frequency, msg.chunk.slice(i, i + 10)));
      process.send!({ progress: Math.min(10, msg.chunk.length - i) });
    }
    process.send!({ result: out });
  });
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const frequencies: M4Frequency[] = args.includes('--weekly')
    ? ['weekly']
    : args.includes('--hourly')
      ? ['hourly']
      : ['weekly', 'hourly'];
  const wi = args.indexOf('--workers');
  const started = performance.now();
  const r = await runM4Eval({
    quick: args.includes('--quick'),
    dev: args.includes('--dev'),
    frequencies,
    progress: true,
    ...(wi >= 0 ? { workers: Number(args[wi + 1]) } : {}),
  });
  console.log(r.table);
  for (const f of frequencies) {
    const top = Object.entries(r[f]!.models)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8);
    console.log(`${f} members used most: ${top.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
