/**
 * An assessment in plain words, for people and API users: why the ad is in its class (one sentence)
 * and what each risk factor means, from the classifier's own thresholds (model.ts) and the features
 * it read. The class always comes from the assessment; the sentence only says which of the
 * classifier's rules for that class fired. Works on stored assessments too (features as JSON): a
 * missing or non-finite feature falls back to the compact rule (or the risk factor's detail), so a
 * sentence never reads NaN or undefined.
 */
import {
  DEAD_CTR_RATIO,
  FATIGUED_CTR_RATIO,
  type FatigueClass,
  type RiskFactor,
  WARNING_CTR_RATIO,
  WARNING_P7,
  WARNING_P14,
} from './model.ts';

/** The features as an assessment carries them, or as they come back from storage (JSON). */
export type FeatureValues = Readonly<Record<string, number | boolean | null | undefined>>;

const pct = (x: number) => `${Math.round(x * 100)}%`;
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numberOf = (x: FeatureValues | undefined, k: string): number | null => {
  const v = x?.[k];
  return finite(v) ? v : null;
};

/**
 * CTR of the last 7 delivered days against the first 7, as the classifier weighs it (few recent
 * clicks count for less). The sentences name both windows: the dashboard's CTR tile compares other
 * ones (the last 30 days against the 30 before).
 */
function ctrShare(x: FeatureValues | undefined): string | null {
  const log = numberOf(x, 'ctrLogRatio');
  return log === null ? null : pct(Math.exp(log));
}

/** Why the ad is in its class, in one sentence; the rule itself when the features needed are missing. */
export function fatigueReason(a: {
  class: FatigueClass;
  p7: number;
  p14: number;
  rule: string;
  features?: FeatureValues | null;
}): string {
  const x = a.features ?? undefined;
  const ctr = ctrShare(x);
  const early = ctr === null ? null : `click-through rate of the last 7 days at ${ctr} of its first week's`;
  const withCtr = (text: string) => (early === null ? null : `${text}; ${early}`);
  const sentence = ((): string | null => {
    switch (a.class) {
      case 'healthy':
        if (numberOf(x, 'deliveredDays') === 0)
          return 'Launched within the last 7 days and not delivering yet: nothing to assess';
        if (!finite(a.p14)) return null;
        return withCtr(
          `${pct(a.p14)} chance of fatigue within 14 days (below the ${pct(WARNING_P14)} threshold)`,
        );
      case 'dead':
        if (numberOf(x, 'recentDeliveredDays') === 0) return 'No impressions in the last 7 days';
        if (ctr === null) return null;
        return `Click-through rate of the last 7 days down to ${ctr} of its first week's (${pct(DEAD_CTR_RATIO)} or less: the ad has stopped working)`;
      case 'fatigued':
        if (ctr === null) return null;
        return `Click-through rate of the last 7 days down to ${ctr} of its first week's (fatigued at ${pct(FATIGUED_CTR_RATIO)} or less)`;
      case 'early_warning':
        // The classifier's order: p7, then p14, then the CTR ratio.
        if (finite(a.p7) && a.p7 >= WARNING_P7)
          return withCtr(`${pct(a.p7)} chance of fatigue within 7 days (a warning from ${pct(WARNING_P7)})`);
        if (finite(a.p14) && a.p14 >= WARNING_P14)
          return withCtr(
            `${pct(a.p14)} chance of fatigue within 14 days (a warning from ${pct(WARNING_P14)})`,
          );
        if (ctr === null) return null;
        return `Click-through rate of the last 7 days down to ${ctr} of its first week's (a warning at ${pct(WARNING_CTR_RATIO)} or less)`;
      default:
        return null;
    }
  })();
  return sentence ?? a.rule;
}

/** A risk factor in words from the features; the factor's compact detail when a feature is missing. */
export function riskFactorText(
  r: { factor: RiskFactor; detail: string },
  x: FeatureValues | null | undefined,
): string {
  const n = (k: string) => numberOf(x ?? undefined, k);
  switch (r.factor) {
    case 'frequency': {
      const freq = n('cumulativeFrequency');
      if (freq !== null) return `Each person reached has seen it ${freq.toFixed(1)} times on average`;
      const days = n('impressionDays');
      if (days !== null)
        return `It has shown ${Math.round(days)} days' worth of impressions at its recent pace`;
      break;
    }
    case 'ctr_decay': {
      const share = ctrShare(x ?? undefined);
      if (share === null) break;
      const slope = n('ctrSlope');
      const trend =
        slope === null
          ? ''
          : `; over the last two weeks ${slope >= 0 ? '+' : '−'}${Math.abs(slope * 700).toFixed(1)}% a week`;
      return `Click-through rate of the last 7 days at ${share} of its first week's${trend}`;
    }
    case 'cvr_decay': {
      const log = n('cvrLogRatio');
      if (log !== null) return `Conversion rate at ${pct(Math.exp(log))} of its first week's`;
      break;
    }
    case 'age': {
      const age = n('ageDays');
      if (age !== null) return `Running for ${Math.round(age)} days`;
      break;
    }
    case 'saturation': {
      const s = n('saturationRatio');
      if (s !== null) return `Shown to the same people ${s.toFixed(2)}× as often a day as in its first week`;
      break;
    }
  }
  return r.detail;
}
