/**
 * Series per second for ORACLE forecasting (fit + predict: backtest selection, final fit, intervals)
 * on one core, for M4 Weekly (h = 13) and Hourly (h = 48) series and synthetic daily ad-spend series
 * (150 days, h = 30), next to a seasonal-naive baseline measured in the same run on the same series.
 *
 *   cd server && node --import tsx bench/forecast.bench.ts [--series N]
 */

import type { Frequency } from '../src/modules/oracle/forecast/input.ts';
import { loadM4 } from '../src/modules/oracle/forecast/m4.ts';
import { forecast } from '../src/modules/oracle/forecast/model.ts';
import { seasonalNaive } from '../src/modules/oracle/forecast/models.ts';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? def) : def;
};
const N = Number(arg('series', '60'));

/** Deterministic daily spend: level, weekly cycle, trend and noise. */
function dailySpend(seed: number, days = 150): number[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const level = 50 + 500 * rand();
  return Array.from({ length: days }, (_, t) => {
    const weekly = 1 + 0.25 * Math.sin((2 * Math.PI * t) / 7);
    return Math.max(0, level * weekly * (1 + 0.002 * t) + level * 0.1 * (rand() - 0.5) * 2);
  });
}

const every = <T>(xs: T[], n: number) =>
  xs.filter((_, i) => i % Math.max(1, Math.floor(xs.length / n)) === 0).slice(0, n);
const cases: { name: string; frequency: Frequency; horizon: number; period: number; series: number[][] }[] = [
  {
    name: 'M4 weekly',
    frequency: 'weekly',
    horizon: 13,
    period: 52,
    series: every(loadM4('weekly'), N).map((s) => s.train),
  },
  {
    name: 'M4 hourly',
    frequency: 'hourly',
    horizon: 48,
    period: 24,
    series: every(loadM4('hourly'), N).map((s) => s.train),
  },
  {
    name: 'daily spend',
    frequency: 'daily',
    horizon: 30,
    period: 7,
    series: Array.from({ length: N }, (_, i) => dailySpend(i + 1)),
  },
];

console.log(`forecast bench: ${N} series per kind, one core, fit + predict (Node ${process.version})`);
console.log('kind          mean length  omnify series/s  ms/series   snaive series/s');
for (const c of cases) {
  forecast(c.series[0]!, { horizon: c.horizon, frequency: c.frequency }); // warm-up (WASM init, JIT)
  let t = performance.now();
  for (const s of c.series) forecast(s, { horizon: c.horizon, frequency: c.frequency });
  const ours = (performance.now() - t) / 1000;
  const baseline = seasonalNaive(c.period);
  t = performance.now();
  for (let k = 0; k < 20; k++) for (const s of c.series) baseline.run(Float64Array.from(s), c.horizon);
  const naive = (performance.now() - t) / 1000 / 20;
  const len = c.series.reduce((a, s) => a + s.length, 0) / c.series.length;
  console.log(
    `${c.name.padEnd(13)} ${len.toFixed(0).padStart(11)}  ${(c.series.length / ours).toFixed(1).padStart(15)}  ${((ours * 1000) / c.series.length).toFixed(1).padStart(9)}   ${(c.series.length / naive).toFixed(0).padStart(15)}`,
  );
}
