/**
 * Seeded randomness and calendar arithmetic for the simulator. Every random draw comes from a
 * stream keyed by (entity, day, purpose), never from a shared sequence, so a value does not depend
 * on the order or the span of the simulation that asked for it: the same ad on the same day draws
 * the same numbers whether the window is 30 or 300 days long.
 */

/** A uniform draw in the open interval (0, 1). */
export type Rand = () => number;

/** FNV-1a over the string, then murmur3's finaliser: a well-mixed 32-bit hash. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix(h);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines an entity hash with small integers (day, purpose) into a stream seed. */
export function mixSeed(base: number, a: number, b = 0): number {
  return fmix(base ^ fmix(Math.imul(a + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35)));
}

/** mulberry32: small, fast, good enough for simulation (not for secrets). */
export function mulberry32(seed: number): Rand {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
}

/** A stream for a string key (ids and purposes joined by the caller). */
export const streamFor = (key: string): Rand => mulberry32(hashString(key));

/** A stream for an entity (by its precomputed hash) on one day, for one purpose. */
export const streamAt = (entityHash: number, day: number, purpose: number): Rand =>
  mulberry32(mixSeed(entityHash, day, purpose));

export const uniform = (r: Rand, lo: number, hi: number) => lo + (hi - lo) * r();
export const intBetween = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
export function pick<T>(r: Rand, xs: readonly T[]): T {
  return xs[Math.min(xs.length - 1, Math.floor(r() * xs.length))] as T;
}
/** Picks by weight; weights need not sum to one. */
export function pickWeighted<T>(r: Rand, xs: ReadonlyArray<readonly [T, number]>): T {
  const total = xs.reduce((s, [, w]) => s + w, 0);
  let u = r() * total;
  for (const [x, w] of xs) {
    u -= w;
    if (u <= 0) return x;
  }
  return xs[xs.length - 1]![0];
}

export function normal(r: Rand): number {
  return Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r());
}

export function poisson(r: Rand, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean < 30) {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = r();
    while (p > limit) {
      k++;
      p *= r();
    }
    return k;
  }
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(r)));
}

export function binomial(r: Rand, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n < 40) {
    let k = 0;
    for (let i = 0; i < n; i++) if (r() < p) k++;
    return k;
  }
  const mean = n * p;
  if (mean < 25 && p < 0.2) return Math.min(n, poisson(r, mean));
  return Math.min(n, Math.max(0, Math.round(mean + Math.sqrt(mean * (1 - p)) * normal(r))));
}

/** Gamma(shape, 1) by Marsaglia–Tsang; `gamma(r, k) / k` is a mean-one multiplicative noise. */
export function gamma(r: Rand, shape: number): number {
  if (shape < 1) return gamma(r, shape + 1) * r() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(r);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = r();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Mean-one noise with coefficient of variation 1/sqrt(shape). */
export const gammaNoise = (r: Rand, shape: number) => gamma(r, shape) / shape;

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
export function token(r: Rand, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(r() * 64)];
  return s;
}

// Calendar: days are integers counted from 1970-01-01 (UTC); dates are 'YYYY-MM-DD'.
const MS_PER_DAY = 86_400_000;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isDate(s: string): boolean {
  const m = datePattern.exec(s);
  return m !== null && dateOf(dayOf(s)) === s;
}
export const dayOf = (date: string): number => Math.floor(Date.parse(`${date}T00:00:00.000Z`) / MS_PER_DAY);
export const dateOf = (day: number): string => new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
/** ISO weekday, Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday). */
export const weekday = (day: number): number => (((day + 3) % 7) + 7) % 7;
/** An ISO timestamp at `fraction` (0..1) of the way through `day`. */
export const timeOf = (day: number, fraction: number): string =>
  new Date(Math.round((day + Math.min(Math.max(fraction, 0), 0.99999)) * MS_PER_DAY)).toISOString();
export const todayUtc = (now = new Date()): string => now.toISOString().slice(0, 10);
