/**
 * Seeded synthetic metric series for tests and the benchmark: a positive hourly or daily metric
 * with a daily and weekly rhythm, autocorrelated heavy-tailed noise, and injected anomalies whose
 * positions are returned as ground truth.
 */

export interface InjectedAnomaly {
  kind: 'spike' | 'dip' | 'level_shift';
  /** Index of the first anomalous point. */
  at: number;
  /** Points it lasts (1 for a spike or dip). */
  length: number;
  /** Multiplier applied to the clean value. */
  factor: number;
}

export interface SyntheticSeriesOptions {
  seed?: number;
  points?: number;
  cadence?: 'hourly' | 'daily';
  /** Amplitude of the daily (hourly data) or weekly (daily data) rhythm, in log units. */
  seasonalAmplitude?: number;
  /** Noise σ in log units. */
  noise?: number;
  anomalies?: InjectedAnomaly[];
  start?: string;
}

/** Mulberry32: small, fast, seeded. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number) {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function syntheticSeries(o: SyntheticSeriesOptions = {}) {
  const rand = seededRandom(o.seed ?? 1);
  const n = o.points ?? 1500;
  const hourly = (o.cadence ?? 'hourly') === 'hourly';
  const step = hourly ? 3_600_000 : 86_400_000;
  const start = Date.parse(o.start ?? '2024-01-01T00:00:00Z');
  const amp = o.seasonalAmplitude ?? 0.4;
  const sigma = o.noise ?? 0.05;
  const times: number[] = [];
  const values: number[] = [];
  const clean: number[] = [];
  let ar = 0;
  for (let i = 0; i < n; i++) {
    const t = start + i * step;
    const d = new Date(t);
    const hour = d.getUTCHours();
    const weekday = d.getUTCDay();
    const daily = hourly ? amp * Math.sin((2 * Math.PI * (hour - 9)) / 24) : 0;
    const weekly = (hourly ? 0.15 : amp) * (weekday === 0 || weekday === 6 ? -1 : 0.4);
    // AR(1) noise with occasional larger shocks (a mixture: 5% of shocks are 3× wider).
    const shock = gaussian(rand) * (rand() < 0.05 ? 3 : 1);
    ar = 0.5 * ar + Math.sqrt(1 - 0.25) * sigma * shock;
    const base = Math.exp(Math.log(100) + daily + weekly + 0.0001 * i);
    clean.push(base);
    values.push(base * Math.exp(ar));
    times.push(t);
  }
  for (const a of o.anomalies ?? [])
    for (let i = a.at; i < Math.min(n, a.at + a.length); i++) values[i] = values[i]! * a.factor;
  return { times, values, clean, anomalies: o.anomalies ?? [] };
}
