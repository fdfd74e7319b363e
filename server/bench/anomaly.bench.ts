/**
 * Points per second through the anomaly detector, next to a baseline run in the same process over
 * the same points: a rolling z-score (mean and standard deviation of the last week, kept
 * incrementally, O(1) per point), the cheapest detector worth the name. Also the entity scan
 * (7 series per entity, cause rules) in entities per second, and the NAB realAdExchange files when
 * the data is beside the repository.
 *
 *   cd server && node --import tsx bench/anomaly.bench.ts [--series N] [--points N] [--repeat N]
 *
 * Defaults: 100 hourly series × 5,000 points (500,000 points), best of 3 runs.
 */
import { detectAnomalies } from '../src/modules/oracle/anomaly/detector.ts';
import { scanEntityMetrics } from '../src/modules/oracle/anomaly/entity.ts';
import { loadAdExchange, nabAvailable } from '../src/modules/oracle/anomaly/nab.data.ts';
import { parseTime } from '../src/modules/oracle/anomaly/series.csv.ts';
import { seededRandom, syntheticSeries } from '../src/modules/oracle/anomaly/synthetic.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1] ?? def) : def;
};
const SERIES = arg('series', 100);
const POINTS = arg('points', 5000);
const REPEAT = arg('repeat', 3);

type Point = { t: number; value: number };

/** Rolling z-score over the last `window` points, mapped to [0, 1] like our score (|z| / 10). */
function rollingZ(points: readonly Point[], window = 168): number[] {
  const out = new Array<number>(points.length);
  const buf = new Float64Array(window);
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let i = 0; i < points.length; i++) {
    const v = points[i]!.value;
    if (n >= 24) {
      const mean = sum / n;
      const sd = Math.sqrt(Math.max(sumSq / n - mean * mean, 0)) || 1e-12;
      out[i] = Math.min(1, Math.abs(v - mean) / sd / 10);
    } else out[i] = 0;
    const slot = i % window;
    if (n === window) {
      sum -= buf[slot]!;
      sumSq -= buf[slot]! * buf[slot]!;
    } else n++;
    buf[slot] = v;
    sum += v;
    sumSq += v * v;
  }
  return out;
}

function best(run: () => number): { perSecond: number; ms: number } {
  let top = { perSecond: 0, ms: 0 };
  for (let r = 0; r < REPEAT; r++) {
    const started = performance.now();
    const units = run();
    const ms = performance.now() - started;
    if (units / (ms / 1000) > top.perSecond) top = { perSecond: units / (ms / 1000), ms };
  }
  return top;
}

const rows: string[][] = [];
const add = (name: string, units: string, r: { perSecond: number; ms: number }, baseline?: number) =>
  rows.push([
    name,
    `${Math.round(r.perSecond).toLocaleString('en-US')} ${units}/s`,
    `${r.ms.toFixed(0)} ms`,
    baseline ? `baseline ${Math.round(baseline / r.perSecond).toLocaleString('en-US')}× faster` : '',
  ]);

// Hourly synthetic series with a daily and weekly rhythm and a few anomalies each.
const hourly: Point[][] = Array.from({ length: SERIES }, (_, s) => {
  const r = seededRandom(s + 1);
  const anomalies = Array.from({ length: 3 }, () => ({
    kind: 'spike' as const,
    at: Math.floor(POINTS * (0.2 + 0.7 * r())),
    length: 1,
    factor: 2,
  }));
  const x = syntheticSeries({ seed: s + 1, points: POINTS, anomalies });
  return x.times.map((t, i) => ({ t, value: x.values[i]! }));
});
const total = SERIES * POINTS;

const base = best(() => {
  for (const s of hourly) rollingZ(s);
  return total;
});
add('baseline: rolling z-score (168 h)', 'points', base);
add(
  'omnify detector, hourly',
  'points',
  best(() => {
    for (const s of hourly) detectAnomalies(s);
    return total;
  }),
  base.perSecond,
);

// Daily entities: 365 days of spend, impressions, clicks, conversions.
const ENTITIES = Math.max(1, Math.round(SERIES / 2));
const entities = Array.from({ length: ENTITIES }, (_, e) => {
  const x = syntheticSeries({ seed: 1000 + e, points: 365, cadence: 'daily', noise: 0.1 });
  const r = seededRandom(e);
  return x.times.map((t, i) => {
    const spend = x.values[i]!;
    const impressions = Math.round(spend * 90 * (0.9 + 0.2 * r()));
    const clicks = Math.round(impressions * 0.012 * (0.9 + 0.2 * r()));
    return {
      date: new Date(t).toISOString().slice(0, 10),
      spend,
      impressions,
      clicks,
      conversions: Math.round(clicks * 0.05 * r() * 2),
    };
  });
});
add(
  'entity scan, daily (7 series + causes)',
  'entities',
  best(() => {
    for (const e of entities) scanEntityMetrics(e);
    return ENTITIES;
  }),
);

if (nabAvailable()) {
  const nab = loadAdExchange().map((s) =>
    s.timestamps.map((t, i) => ({ t: parseTime(t)!, value: s.values[i]! })),
  );
  const n = nab.reduce((k, s) => k + s.length, 0);
  const nabBase = best(() => {
    for (const s of nab) rollingZ(s);
    return n;
  });
  add('baseline on NAB realAdExchange (6 files)', 'points', nabBase);
  add(
    'omnify on NAB realAdExchange (6 files)',
    'points',
    best(() => {
      for (const s of nab) detectAnomalies(s);
      return n;
    }),
    nabBase.perSecond,
  );
}

const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(
  `anomaly benchmark: ${SERIES} hourly series × ${POINTS} points, ${ENTITIES} daily entities × 365 days, best of ${REPEAT}, node ${process.version}`,
);
for (const r of rows) console.log(line(r));
