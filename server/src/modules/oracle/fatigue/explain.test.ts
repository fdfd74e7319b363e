import { describe, expect, it } from 'vitest';
import { fatigueReason, riskFactorText } from './explain.ts';
import { computeFeatures, type FatigueFeatures } from './features.ts';
import { classify } from './model.ts';

const DAY = 86_400_000;
const date = (i: number) => new Date(Date.parse('2026-05-01T00:00:00Z') + i * DAY).toISOString().slice(0, 10);

/** 30 days of a steady ad: CTR at its baseline, delivering every day. */
const steady = computeFeatures(
  {
    adId: 'ad',
    launchDate: date(0),
    days: Array.from({ length: 30 }, (_, i) => ({
      date: date(i),
      impressions: 10_000,
      clicks: 200,
      conversions: 10,
    })),
  },
  date(29),
);

/** The classifier's class and rule for these features, and the sentence for them. */
function explained(f: FatigueFeatures, p7: number, p14: number) {
  const c = classify(f, p7, p14);
  return { ...c, reason: fatigueReason({ ...c, p7, p14, features: { ...f } }) };
}

describe('fatigueReason', () => {
  it('says why a healthy ad is healthy, with the 14-day threshold and its CTR against its early level', () => {
    const r = explained({ ...steady, ctrLogRatio: Math.log(0.98) }, 0.05, 0.09);
    expect(r.class).toBe('healthy');
    expect(r.reason).toBe(
      "9% chance of fatigue within 14 days (below the 50% threshold); click-through rate of the last 7 days at 98% of its first week's",
    );
  });

  it('a new ad that has not delivered yet has nothing to assess', () => {
    const f = computeFeatures({ adId: 'new', launchDate: date(0), days: [] }, date(2));
    const r = explained(f, 0, 0);
    expect(r.class).toBe('healthy');
    expect(r.reason).toBe('Launched within the last 7 days and not delivering yet: nothing to assess');
  });

  it('an early warning names the rule that fired: the 7-day probability first, then the 14-day one, then the CTR', () => {
    const byP7 = explained(steady, 0.42, 0.61);
    expect(byP7.class).toBe('early_warning');
    expect(byP7.rule).toContain('within 7 days');
    expect(byP7.reason).toBe(
      "42% chance of fatigue within 7 days (a warning from 30%); click-through rate of the last 7 days at 100% of its first week's",
    );
    const byP14 = explained({ ...steady, ctrLogRatio: Math.log(0.95) }, 0.12, 0.55);
    expect(byP14.class).toBe('early_warning');
    expect(byP14.rule).toContain('within 14 days');
    expect(byP14.reason).toBe(
      "55% chance of fatigue within 14 days (a warning from 50%); click-through rate of the last 7 days at 95% of its first week's",
    );
    const byCtr = explained({ ...steady, ctrLogRatio: Math.log(0.86) }, 0.05, 0.1);
    expect(byCtr.class).toBe('early_warning');
    expect(byCtr.reason).toBe(
      "Click-through rate of the last 7 days down to 86% of its first week's (a warning at 90% or less)",
    );
  });

  it('a fatigued ad: CTR at or below 80% of its early level', () => {
    const r = explained({ ...steady, ctrLogRatio: Math.log(0.62) }, 0.1, 0.2);
    expect(r.class).toBe('fatigued');
    expect(r.reason).toBe(
      "Click-through rate of the last 7 days down to 62% of its first week's (fatigued at 80% or less)",
    );
  });

  it('a dead ad: no impressions in the last 7 days, or CTR at or below 35% of its early level', () => {
    const idle = explained({ ...steady, recentDeliveredDays: 0 }, 0, 0);
    expect(idle.class).toBe('dead');
    expect(idle.reason).toBe('No impressions in the last 7 days');
    const collapsed = explained({ ...steady, ctrLogRatio: Math.log(0.2) }, 0, 0);
    expect(collapsed.class).toBe('dead');
    expect(collapsed.reason).toBe(
      "Click-through rate of the last 7 days down to 20% of its first week's (35% or less: the ad has stopped working)",
    );
  });

  it('falls back to the rule when a feature it needs is missing or not a number, never NaN or undefined', () => {
    const rule = 'CTR 62% of its own baseline (evidence-weighted; raw 60%) ≤ 80%';
    for (const features of [undefined, null, {}, { ctrLogRatio: null }, { ctrLogRatio: Number.NaN }])
      expect(fatigueReason({ class: 'fatigued', p7: 0.1, p14: 0.2, rule, features })).toBe(rule);
    const healthy = { class: 'healthy' as const, p7: Number.NaN, p14: Number.NaN, rule: 'r', features: {} };
    expect(fatigueReason(healthy)).toBe('r');
    // The dead-by-silence sentence needs only the delivered days.
    expect(
      fatigueReason({ class: 'dead', p7: 0, p14: 0, rule: 'r', features: { recentDeliveredDays: 0 } }),
    ).toBe('No impressions in the last 7 days');
  });
});

describe('riskFactorText', () => {
  const f = {
    ...steady,
    cumulativeFrequency: 3.24,
    ctrLogRatio: Math.log(0.72),
    ctrSlope: 0.296 / 7,
    cvrLogRatio: Math.log(0.5),
    ageDays: 45,
    saturationRatio: 1.5,
  };
  const text = (factor: Parameters<typeof riskFactorText>[0]['factor'], x: object | null = f) =>
    riskFactorText({ factor, detail: `detail of ${factor}` }, x as never);

  it('says each factor in words from the features', () => {
    expect(text('frequency')).toBe('Each person reached has seen it 3.2 times on average');
    expect(text('frequency', { ...f, cumulativeFrequency: null, impressionDays: 41.6 })).toBe(
      "It has shown 42 days' worth of impressions at its recent pace",
    );
    expect(text('ctr_decay')).toBe(
      "Click-through rate of the last 7 days at 72% of its first week's; over the last two weeks +29.6% a week",
    );
    expect(text('ctr_decay', { ...f, ctrSlope: -0.01 })).toBe(
      "Click-through rate of the last 7 days at 72% of its first week's; over the last two weeks −7.0% a week",
    );
    expect(text('cvr_decay')).toBe("Conversion rate at 50% of its first week's");
    expect(text('age')).toBe('Running for 45 days');
    expect(text('saturation')).toBe('Shown to the same people 1.50× as often a day as in its first week');
  });

  it("falls back to the factor's detail when its feature is missing, never NaN", () => {
    for (const factor of ['frequency', 'ctr_decay', 'cvr_decay', 'age', 'saturation'] as const) {
      expect(text(factor, null)).toBe(`detail of ${factor}`);
      expect(text(factor, {})).toBe(`detail of ${factor}`);
    }
    expect(text('age', { ageDays: Number.NaN })).toBe('detail of age');
    // A CTR trend it cannot read is left out, not written as NaN.
    expect(text('ctr_decay', { ctrLogRatio: Math.log(0.72) })).toBe(
      "Click-through rate of the last 7 days at 72% of its first week's",
    );
  });
});
