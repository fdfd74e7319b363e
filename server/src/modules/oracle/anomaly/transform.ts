/**
 * The scale the detector works on, chosen once from the warm-up values. Ad metrics are positive
 * and multiplicative (a 20% CPC rise means the same at $0.10 and at $5), so positive series are
 * modelled in logs; counts with many zeros (conversions of a small campaign) in square roots,
 * which steadies Poisson noise; anything with negatives as they are.
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
