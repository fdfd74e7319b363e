/**
 * The scale the detector works on, chosen once from the warm-up values. Ad metrics are positive
 * and multiplicative (a 20% CPC rise means the same at $0.10 and at $5), so positive series are
 * modelled in logs; counts with many zeros (conversions of a small campaign) in square roots,
 * which steadies Poisson noise; anything with negatives as they are. Small counts with few zeros
 * (3 conversions a day) are modelled in logs and also in square roots (`smallCountCompanion`).
 */
import { medianOf } from './robust.ts';

export type TransformKind = 'log' | 'sqrt' | 'identity';

export interface Transform {
  kind: TransformKind;
  forward(x: number): number;
  inverse(y: number): number;
  /** Smallest σ in transformed units, so a flat series has a finite, positive scale. */
  minScale: number;
}

export function chooseTransform(values: readonly number[], requested: TransformKind | 'auto'): Transform {
  const finite = values.filter(Number.isFinite);
  const positive = finite.filter((v) => v > 0);
  const typical = positive.length > 0 ? medianOf(positive) : 0;
  let kind: TransformKind = requested === 'auto' ? 'identity' : requested;
  if (requested === 'auto' && finite.length > 0 && finite.every((v) => v >= 0) && typical > 0) {
    const zeros = finite.length - positive.length;
    kind = zeros / finite.length > 0.2 ? 'sqrt' : 'log';
  }
  if (kind === 'log') {
    // The offset keeps a zero finite and makes a drop to 0 a large but bounded move (~ln 100).
    const c = typical > 0 ? typical / 100 : 1e-9;
    return {
      kind,
      forward: (x) => Math.log(Math.max(x, 0) + c),
      inverse: (y) => Math.exp(y) - c,
      minScale: 0.002,
    };
  }
  if (kind === 'sqrt')
    return {
      kind,
      forward: (x) => Math.sqrt(Math.max(x, 0)),
      inverse: (y) => Math.max(y, 0) ** 2,
      minScale: 0.01 * Math.max(Math.sqrt(typical), 1e-6),
    };
  const spread = finite.length > 0 ? medianOf(finite.map(Math.abs)) : 0;
  return { kind, forward: (x) => x, inverse: (y) => y, minScale: Math.max(1e-3 * spread, 1e-12) };
}

/**
 * Counts whose typical value is at most this are small: Poisson noise alone (CV = 1/√λ ≥ 20%) is
 * then at least as large as the day-to-day spread of a typical ad metric.
 */
export const SMALL_COUNT = 25;

/**
 * A second scale for small counts with few zeros, which `chooseTransform` puts in logs: square
 * roots. Logs compress a rise (3 → 18 conversions is ln 6 ≈ 1.8, about 3σ of Poisson noise at 3 in
 * logs) and stretch a fall; square roots steady Poisson noise (σ ≈ ½ at any rate), where 3 → 18
 * is 2.5, about 5σ. The detector tests both and keeps the more surprising (Bonferroni over both),
 * so a drop keeps the log scale's sensitivity and a spike gains the square root's. Null when the
 * scale was requested, the values are not counts, or `tf` is not a log scale.
 */
export function smallCountCompanion(
  values: readonly number[],
  tf: Transform,
  requested: TransformKind | 'auto',
  counts: boolean,
): Transform | null {
  if (requested !== 'auto' || !counts || tf.kind !== 'log') return null;
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  if (positive.length === 0 || medianOf(positive) > SMALL_COUNT) return null;
  // Anscombe's root, √(x + ⅜): its variance is nearer constant than √x's at a few events a day.
  return {
    kind: 'sqrt',
    forward: (x) => Math.sqrt(Math.max(x, 0) + 0.375),
    inverse: (y) => Math.max(y * y - 0.375, 0),
    minScale: 0.01 * Math.sqrt(medianOf(positive)),
  };
}
