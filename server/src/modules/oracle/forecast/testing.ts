/** Deterministic synthetic series for the forecasting tests. */

/** A seeded uniform generator (LCG) and a normal one from it (Box–Muller). */
export function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/** level + slope·t + amplitude·sin(2πt/period) + noise·N(0,1), for t = 0..n−1. */
export function synthetic(
  n: number,
  opts: {
    level?: number;
    slope?: number;
    period?: number;
    amplitude?: number;
    noise?: number;
    seed?: number;
  },
): number[] {
  const { level = 100, slope = 0, period = 7, amplitude = 0, noise = 1, seed = 1 } = opts;
  const r = rng(seed);
  return Array.from(
    { length: n },
    (_, t) => level + slope * t + amplitude * Math.sin((2 * Math.PI * t) / period) + noise * r.normal(),
  );
}

/** Mean absolute error of a forecast. */
export function mae(actual: readonly number[], forecast: readonly number[]): number {
  return actual.reduce((s, y, j) => s + Math.abs(y - forecast[j]!), 0) / actual.length;
}
