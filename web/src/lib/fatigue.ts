/**
 * Creative fatigue in words, from the assessment's structured fields (class, probabilities, the
 * features the model read) rather than the server's compact rule ("P(fatigue within 14 days) 9% < 50%
 * and CTR 98% of baseline"), which stays on hover. The thresholds mirror the classifier's
 * (server/src/modules/oracle/fatigue/model.ts); the class itself always comes from the server, so
 * a sentence can only describe which of its rules fired. Without features, the rule is shown as is.
 */
import { pct } from './format.ts';
import type { Fatigue } from './types.ts';

const DEAD_CTR_RATIO = 0.35;
const FATIGUED_CTR_RATIO = 0.8;
const WARNING_CTR_RATIO = 0.9;
const WARNING_P7 = 0.3;
const WARNING_P14 = 0.5;

type Features = Record<string, number | boolean | null>;
const numberOf = (x: Features | undefined, k: string) =>
  typeof x?.[k] === 'number' ? (x[k] as number) : null;

/** CTR now against its first week's, as the model weighs it (few recent clicks count for less). */
function ctrShare(x: Features): string | null {
  const log = numberOf(x, 'ctrLogRatio');
  return log === null ? null : pct(Math.exp(log), 0);
}

/** Why the ad is in its class, in one sentence. */
export function fatigueReason(f: Pick<Fatigue, 'class' | 'p7' | 'p14' | 'rule' | 'features'>): string {
  const x = f.features;
  const ctr = x ? ctrShare(x) : null;
  if (!x || ctr === null) return f.rule;
  const ctrText = `click-through rate at ${ctr} of its early level`;
  switch (f.class) {
    case 'healthy':
      if (numberOf(x, 'deliveredDays') === 0)
        return 'Launched within the last 7 days and not delivering yet: nothing to assess';
      return `${pct(f.p14, 0)} chance of fatigue within 14 days (below the ${pct(WARNING_P14, 0)} threshold); ${ctrText}`;
    case 'dead':
      if (numberOf(x, 'recentDeliveredDays') === 0) return 'No impressions in the last 7 days';
      return `Click-through rate down to ${ctr} of its early level (${pct(DEAD_CTR_RATIO, 0)} or less: the ad has stopped working)`;
    case 'fatigued':
      return `Click-through rate down to ${ctr} of its early level (fatigued at ${pct(FATIGUED_CTR_RATIO, 0)} or less)`;
    case 'early_warning':
      if (f.p7 >= WARNING_P7)
        return `${pct(f.p7, 0)} chance of fatigue within 7 days (a warning from ${pct(WARNING_P7, 0)}); ${ctrText}`;
      if (f.p14 >= WARNING_P14)
        return `${pct(f.p14, 0)} chance of fatigue within 14 days (a warning from ${pct(WARNING_P14, 0)}); ${ctrText}`;
      return `Click-through rate down to ${ctr} of its early level (a warning at ${pct(WARNING_CTR_RATIO, 0)} or less)`;
    default:
      return f.rule;
  }
}

/** A risk factor in words from the features; the server's detail when a feature is missing. */
export function riskFactorText(r: Fatigue['riskFactors'][number], x: Features | undefined): string {
  const n = (k: string) => numberOf(x, k);
  switch (r.factor) {
    case 'frequency': {
      const freq = n('cumulativeFrequency');
      const days = n('impressionDays');
      if (freq !== null) return `Each person reached has seen it ${freq.toFixed(1)} times on average`;
      if (days !== null)
        return `It has shown ${Math.round(days)} days' worth of impressions at its recent pace`;
      break;
    }
    case 'ctr_decay': {
      const share = x ? ctrShare(x) : null;
      const slope = n('ctrSlope');
      if (share === null) break;
      const trend =
        slope === null
          ? ''
          : `; over the last two weeks ${slope >= 0 ? '+' : '−'}${Math.abs(slope * 700).toFixed(1)}% a week`;
      return `Click-through rate at ${share} of its first week's${trend}`;
    }
    case 'cvr_decay': {
      const log = n('cvrLogRatio');
      if (log !== null) return `Conversion rate at ${pct(Math.exp(log), 0)} of its first week's`;
      break;
    }
    case 'age': {
      const age = n('ageDays');
      if (age !== null) return `Running for ${age} days`;
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
