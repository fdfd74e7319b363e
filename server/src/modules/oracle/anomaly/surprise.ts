/**
 * From robust z-scores to an alert score in [0, 1].
 *
 * Surprise: −log10 of the tail probability, divided by 12, so 0.25 ⇔ p = 1e-3, 0.5 ⇔ p = 1e-6 and
 * 1 ⇔ p ≤ 1e-12. The detector tests the newest residual alone and the means of the last few
 * residuals (each against the robust spread of such means in the past, so autocorrelation is
 * measured, not assumed); the smallest two-sided p, times the number of tests (Bonferroni), wins.
 * The means catch level shifts too small for any one point to stand out.
 *
 * Incidents: once a point reaches surprise 0.25, an incident is open until a day (hourly data) or a
 * week (daily data) passes below that. Inside it only a new record (strictly more extreme) keeps its
 * full score; any other point scores 0.4 × its surprise. For any threshold the first point of an
 * incident that crosses it is therefore always reported in full, and one incident does not raise an
 * alert every hour. Records are compared on the tail probability itself, not on the surprise, which
 * stops at 1: on a quiet series a small dip already reaches 1, and a spike of 4× the level a few
 * weeks later, far less likely still, was discounted as a repeat and not flagged.
 */
import type { Geometry } from './geometry.ts';
import { clamp, log10TwoSidedTail } from './robust.ts';

export const SURPRISE_LOG10_AT_ONE = 12;
export const INCIDENT_FLOOR = 0.25;
/** Below 0.5, so a repeat never reaches the default threshold however extreme it is. */
export const REPEAT_DISCOUNT = 0.4;

export interface ScoredStep {
  surprise: number;
  score: number;
  flag: boolean;
}

export function surpriseOf(log10p: number): number {
  const s = -log10p / SURPRISE_LOG10_AT_ONE;
  return Number.isFinite(s) ? clamp(s, 0, 1) : 0;
}

export function createScorer(geo: Pick<Geometry, 'quiet'>, threshold: number) {
  /** The incident's most extreme point so far, as −log10 of its tail probability (0: no incident). */
  let peak = 0;
  let calm = 0;
  return {
    /** One z per test; null means "not ready": scores 0 and leaves the incident state alone. */
    next(zs: readonly number[] | null): ScoredStep {
      if (zs === null || zs.length === 0) return { surprise: 0, score: 0, flag: false };
      let log10p = 0;
      for (const z of zs) if (Number.isFinite(z)) log10p = Math.min(log10p, log10TwoSidedTail(z));
      const extremity = -(log10p + Math.log10(zs.length));
      const surprise = surpriseOf(-extremity);
      let score = surprise;
      if (surprise >= INCIDENT_FLOOR) {
        calm = 0;
        if (extremity > peak) peak = extremity;
        else score = surprise * REPEAT_DISCOUNT;
      } else if (peak > 0) {
        score = surprise * REPEAT_DISCOUNT;
        if (++calm >= geo.quiet) {
          peak = 0;
          calm = 0;
        }
      }
      return { surprise, score, flag: score >= threshold };
    },
  };
}
