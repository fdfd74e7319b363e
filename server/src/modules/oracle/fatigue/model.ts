/**
 * The fatigue model: two logistic models (fatigue onset within 7 and within 14 days) on the
 * features of features.ts, with coefficients fitted on the simulator's development seeds
 * (coefficients.ts, written by eval/fatigue.eval.ts --write), plus transparent rules for the class,
 * the predicted CTR drop and the refresh date.
 */
import { FATIGUE_COEFFICIENTS } from './coefficients.ts';
import { type AdHistory, computeFeatures, type FatigueFeatures } from './features.ts';
import { type LogisticModel, predictLogistic } from './logistic.ts';

export type FatigueClass = 'healthy' | 'early_warning' | 'fatigued' | 'dead';
export type RiskFactor = 'frequency' | 'ctr_decay' | 'cvr_decay' | 'age' | 'saturation';

/** Model inputs, in order, and the risk factor each belongs to (null: a flag, not a risk). */
export const DESIGN: ReadonlyArray<{
  name: string;
  factor: RiskFactor | null;
  value: (f: FatigueFeatures) => number;
}> = [
  { name: 'age_months', factor: 'age', value: (f) => f.ageDays / 30 },
  { name: 'age_months_search', factor: 'age', value: (f) => (f.search ? f.ageDays / 30 : 0) },
  { name: 'log_impression_days', factor: 'frequency', value: (f) => Math.log1p(f.impressionDays) },
  { name: 'cumulative_frequency', factor: 'frequency', value: (f) => f.cumulativeFrequency ?? 0 },
  { name: 'ctr_decay', factor: 'ctr_decay', value: (f) => -f.ctrLogRatio },
  { name: 'ctr_slope_week', factor: 'ctr_decay', value: (f) => -f.ctrSlope * 7 },
  { name: 'cvr_decay', factor: 'cvr_decay', value: (f) => -f.cvrLogRatio },
  { name: 'log_saturation', factor: 'saturation', value: (f) => Math.log(Math.max(1e-6, f.saturationRatio)) },
  { name: 'search', factor: null, value: (f) => (f.search ? 1 : 0) },
  { name: 'has_reach', factor: null, value: (f) => (f.hasReach ? 1 : 0) },
];

export const designVector = (f: FatigueFeatures) => DESIGN.map((d) => d.value(f));

export interface FatigueCoefficients {
  p7: LogisticModel;
  p14: LogisticModel;
  trainedOn: string[];
}

export interface FatigueAssessment {
  adId: string;
  asOf: string;
  /** P(fatigue onset within 7 / 14 days), for an ad not yet fatigued. */
  p7: number;
  p14: number;
  /** Projected relative CTR drop vs the ad's own baseline 14 days after asOf (0..0.8). */
  predictedDrop: number;
  /** Largest positive contributions to the 14-day log-odds, by risk factor. */
  riskFactors: Array<{ factor: RiskFactor; contribution: number; detail: string }>;
  refreshBy: string;
  class: FatigueClass;
  rule: string;
  features: FatigueFeatures;
}

const DAY_MS = 86_400_000;
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date.slice(0, 10)}T00:00:00.000Z`) + n * DAY_MS).toISOString().slice(0, 10);
const pct = (x: number) => `${Math.round(x * 100)}%`;
const clamp = (x: number, lo: number, hi: number) =>
  Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : lo;

/** CTR ratio (recent / own baseline) at or below which an ad counts as fatigued, and as dead. */
export const FATIGUED_CTR_RATIO = 0.8;
export const DEAD_CTR_RATIO = 0.35;
export const WARNING_CTR_RATIO = 0.9;
export const WARNING_P14 = 0.5;
export const WARNING_P7 = 0.3;
/**
 * The ad's own evidence. Onset is, by definition, the CTR falling to FATIGUED_CTR_RATIO of its own
 * baseline. The logistic models say how due the ad is from its exposure (age, frequency, …); their
 * logit is linear in exposure, so beyond the ads they were fitted on (every simulated ad fatigues
 * by ~100 days, so the simulator has no old ad with a flat CTR) they say "certain" from exposure
 * alone, whatever the CTR does. The CTR is what fatigue is measured on, so the ad's own CTR decides
 * whether it can get there within h days. Two ways:
 * - its current decline carries it over the line: ln ratio + slope·h ≤ ln 0.8, with the sampling
 *   error of the ratio and of the slope (`trendProbability`, evidence only);
 * - a decline that has not shown yet: the models' P(due) × the chance that a new decline, of
 *   spread DECAY_RATE_SD in ln CTR per day (the simulator's fastest frequency-driven decline is
 *   ~0.04 a day), covers the gap in h days (`newDeclineProbability`).
 * From the CTR: 1 − (1 − trend)(1 − due × new decline), weighed against P(due) by its precision
 * (`onsetProbability`). A flat ad with plenty of clicks keeps a low probability however old it is;
 * an ad falling towards the line gets a high one however young; an ad with few clicks keeps P(due).
 */
export const DECAY_RATE_SD = 0.03;

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
function normalCdf(z: number): number {
  if (!Number.isFinite(z)) return z > 0 ? 1 : 0;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

const finiteOr = (x: number, fallback: number) => (Number.isFinite(x) ? x : fallback);

/** ln(CTR ratio) projected `horizonDays` ahead on the ad's own decline (a rise is not projected). */
function projectedLogRatio(f: FatigueFeatures, horizonDays: number) {
  return finiteOr(f.ctrLogRatio, 0) + Math.min(0, finiteOr(f.ctrSlope, 0)) * horizonDays;
}

/** P(the ad's current CTR decline takes it to the fatigue line within `horizonDays`). */
export function trendProbability(f: FatigueFeatures, horizonDays: number): number {
  const se = Math.hypot(finiteOr(f.ctrLogRatioSe, 1), horizonDays * finiteOr(f.ctrSlopeSe, 1));
  return normalCdf((Math.log(FATIGUED_CTR_RATIO) - projectedLogRatio(f, horizonDays)) / Math.max(se, 1e-6));
}

/** P(a decline not visible yet takes the CTR from where it is to the fatigue line within `horizonDays`). */
export function newDeclineProbability(f: FatigueFeatures, horizonDays: number): number {
  const se = Math.hypot(finiteOr(f.ctrLogRatioSe, 1), DECAY_RATE_SD * horizonDays);
  return normalCdf((Math.log(FATIGUED_CTR_RATIO) - projectedLogRatio(f, horizonDays)) / se);
}

/**
 * P(onset within `horizonDays`) from the exposure model's P(due) and the ad's own CTR. What the CTR
 * says is trusted in proportion to its precision against the horizon's own scale (DECAY_RATE_SD·h):
 * with few clicks (error of the ratio ≫ the decline a horizon can bring) P(due) stands, with many
 * the CTR decides.
 */
export function onsetProbability(f: FatigueFeatures, due: number, horizonDays: number): number {
  const trend = trendProbability(f, horizonDays);
  const fresh = clamp(due, 0, 1) * newDeclineProbability(f, horizonDays);
  const fromCtr = 1 - (1 - trend) * (1 - fresh);
  const se2 = finiteOr(f.ctrLogRatioSe, 1) ** 2;
  const priorWeight = se2 / (se2 + (DECAY_RATE_SD * horizonDays) ** 2);
  return clamp(priorWeight * clamp(due, 0, 1) + (1 - priorWeight) * fromCtr, 0, 1);
}

/** Days between deciding to refresh and the new creative going live. */
export const REFRESH_LEAD_DAYS = 3;

/**
 * The CTR ratio the rules read is evidence-weighted (recent clicks shrunk toward the baseline by 20
 * pseudo-clicks, features.ts), so an ad with few recent clicks is not judged on them alone; the raw
 * ratio of recentCtr to baselineCtr is shown next to it, since both appear in the answer.
 */
function ctrRatioText(f: FatigueFeatures, of: string): string {
  const raw = f.baselineCtr > 0 ? f.recentCtr / f.baselineCtr : null;
  return `CTR ${pct(Math.exp(f.ctrLogRatio))} of ${of} (evidence-weighted${raw === null ? '' : `; raw ${pct(raw)}`})`;
}

function detail(factor: RiskFactor, f: FatigueFeatures): string {
  switch (factor) {
    case 'frequency':
      return f.cumulativeFrequency !== null
        ? `cumulative frequency ${f.cumulativeFrequency.toFixed(1)} per person`
        : `${Math.round(f.impressionDays)} days' worth of impressions delivered`;
    case 'ctr_decay':
      return `${ctrRatioText(f, 'its first-week baseline')}, trend ${(f.ctrSlope * 700).toFixed(1)}%/week`;
    case 'cvr_decay':
      return `conversion rate ${pct(Math.exp(f.cvrLogRatio))} of its first-week baseline`;
    case 'age':
      return `${f.ageDays} days since launch`;
    case 'saturation':
      return `daily frequency ×${f.saturationRatio.toFixed(2)} since its first week`;
  }
}

export function classify(f: FatigueFeatures, p7: number, p14: number): { class: FatigueClass; rule: string } {
  const ratio = Math.exp(f.ctrLogRatio);
  if (f.deliveredDays === 0 && f.ageDays <= 7)
    return { class: 'healthy', rule: 'no delivery yet and launched within 7 days: nothing to assess' };
  if (f.recentDeliveredDays === 0)
    return { class: 'dead', rule: 'no impressions in the 7 days up to the as-of date' };
  if (ratio <= DEAD_CTR_RATIO)
    return { class: 'dead', rule: `${ctrRatioText(f, 'its own baseline')} ≤ ${pct(DEAD_CTR_RATIO)}` };
  if (ratio <= FATIGUED_CTR_RATIO)
    return {
      class: 'fatigued',
      rule: `${ctrRatioText(f, 'its own baseline')} ≤ ${pct(FATIGUED_CTR_RATIO)}`,
    };
  if (p7 >= WARNING_P7)
    return { class: 'early_warning', rule: `P(fatigue within 7 days) ${pct(p7)} ≥ ${pct(WARNING_P7)}` };
  if (p14 >= WARNING_P14)
    return { class: 'early_warning', rule: `P(fatigue within 14 days) ${pct(p14)} ≥ ${pct(WARNING_P14)}` };
  if (ratio <= WARNING_CTR_RATIO)
    return {
      class: 'early_warning',
      rule: `${ctrRatioText(f, 'its own baseline')} ≤ ${pct(WARNING_CTR_RATIO)}`,
    };
  return {
    class: 'healthy',
    rule: `P(fatigue within 14 days) ${pct(p14)} < ${pct(WARNING_P14)} and CTR ${pct(ratio)} of baseline`,
  };
}

/** The day to have a replacement live by: when P(onset) reaches 1/2 on the fitted hazard, minus a lead time. */
export function refreshDate(asOf: string, p7: number, p14: number, cls: FatigueClass): string {
  if (cls === 'fatigued' || cls === 'dead') return asOf.slice(0, 10);
  const h7 = -Math.log(1 - clamp(p7, 0, 0.999)) / 7;
  const h14 = -Math.log(1 - clamp(p14, 0, 0.999)) / 14;
  const hazard = Math.max(h7, h14, 1e-6);
  const halfLife = Math.log(2) / hazard;
  return addDays(asOf, Math.round(clamp(halfLife - REFRESH_LEAD_DAYS, 0, 60)));
}

export function assessFatigue(
  history: AdHistory,
  opts: { asOf: string; coefficients?: FatigueCoefficients },
): FatigueAssessment {
  const coefficients = opts.coefficients ?? FATIGUE_COEFFICIENTS;
  const f = computeFeatures(history, opts.asOf);
  const x = designVector(f);
  const m7 = predictLogistic(coefficients.p7, x);
  const m14 = predictLogistic(coefficients.p14, x);
  const p7 = onsetProbability(f, m7.p, 7);
  const p14 = Math.max(onsetProbability(f, m14.p, 14), p7); // onset within 7 days implies within 14
  const byFactor = new Map<RiskFactor, number>();
  DESIGN.forEach((d, j) => {
    if (d.factor) byFactor.set(d.factor, (byFactor.get(d.factor) ?? 0) + m14.contributions[j]!);
  });
  const riskFactors = [...byFactor]
    .filter(([, c]) => c > 0.05)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([factor, c]) => ({ factor, contribution: Number(c.toFixed(3)), detail: detail(factor, f) }));
  const { class: cls, rule } = classify(f, p7, p14);
  const projected = Math.min(0, f.ctrLogRatio) + 0.5 * Math.min(0, f.ctrSlope) * 14;
  const predictedDrop = clamp(Math.max(1 - Math.exp(projected), p14 * (1 - FATIGUED_CTR_RATIO)), 0, 0.8);
  return {
    adId: history.adId,
    asOf: opts.asOf.slice(0, 10),
    p7,
    p14,
    predictedDrop,
    riskFactors,
    refreshBy: refreshDate(opts.asOf, p7, p14, cls),
    class: cls,
    rule,
    features: f,
  };
}
