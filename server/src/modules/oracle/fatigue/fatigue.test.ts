import { describe, expect, it } from 'vitest';
import { auc } from './auc.ts';
import { type AdDay, type AdHistory, audienceFromReach, computeFeatures } from './features.ts';
import { fitLogistic } from './logistic.ts';
import { assessFatigue, classify } from './model.ts';

const DAY = 86_400_000;
const date = (i: number) => new Date(Date.parse('2026-05-01T00:00:00Z') + i * DAY).toISOString().slice(0, 10);

/** `n` days of an ad with CTR multiplied by ctr(i) on day i; deterministic counts. */
function history(n: number, ctr: (i: number) => number, extra: Partial<AdHistory> = {}): AdHistory {
  const days: AdDay[] = Array.from({ length: n }, (_, i) => ({
    date: date(i),
    impressions: 10_000,
    clicks: Math.round(10_000 * 0.02 * ctr(i)),
    conversions: Math.round(10_000 * 0.02 * ctr(i) * 0.05),
  }));
  return { adId: 'ad', launchDate: date(0), days, ...extra };
}

describe('auc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, 1/2 when everything ties', () => {
    expect(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
  });
  it('counts a tied positive–negative pair as one half (Mann–Whitney)', () => {
    // pairs: (0.3 vs 0.1) win, (0.3 vs 0.3) tie, (0.7 vs both) wins → 3.5 / 4
    expect(auc([0.1, 0.3, 0.3, 0.7], [0, 0, 1, 1])).toBe(0.875);
  });
  it('is undefined with one class only', () => {
    expect(auc([0.1, 0.2], [1, 1])).toBeNull();
    expect(auc([], [])).toBeNull();
  });
});

describe('features', () => {
  it('measures CTR decay against the ad’s own first week', () => {
    const stable = computeFeatures(
      history(40, () => 1),
      date(39),
    );
    const decaying = computeFeatures(
      history(40, (i) => (i < 10 ? 1 : Math.exp(-0.02 * (i - 10)))),
      date(39),
    );
    expect(stable.ctrLogRatio).toBeCloseTo(0, 2);
    expect(decaying.ctrLogRatio).toBeLessThan(-0.4);
    expect(decaying.ctrSlope).toBeLessThan(-0.01);
    expect(decaying.ageDays).toBe(40);
  });
  it('ignores rows after the as-of date', () => {
    const f = computeFeatures(
      history(40, (i) => (i < 20 ? 1 : 0.3)),
      date(19),
    );
    expect(f.deliveredDays).toBe(20);
    expect(f.ctrLogRatio).toBeCloseTo(0, 2);
  });
  it('recovers the audience from reach and impressions', () => {
    const audience = 50_000;
    const reach = audience * (1 - Math.exp(-20_000 / audience));
    expect(audienceFromReach(20_000, reach)).toBeCloseTo(audience, -1);
    expect(audienceFromReach(0, 0)).toBeNull();
  });
});

describe('assessFatigue', () => {
  it('gives a decaying ad a higher p7 than a stable one of the same age', () => {
    const stable = assessFatigue(
      history(45, () => 1),
      { asOf: date(44) },
    );
    const decaying = assessFatigue(
      history(45, (i) => (i < 10 ? 1 : 1 - 0.006 * (i - 10))),
      { asOf: date(44) },
    );
    expect(decaying.p7).toBeGreaterThan(stable.p7);
    expect(decaying.riskFactors.map((r) => r.factor)).toContain('ctr_decay');
  });
  // The ad's own evidence outweighs its age: exposure says how due an ad is, but fatigue is its CTR
  // falling to 80% of its baseline, and a CTR that has stayed flat cannot get there in a week.
  it('gives an old ad whose CTR has stayed flat a low p7, with or without reach, search or not', () => {
    const flat = history(113, () => 1);
    const withReach = {
      ...flat,
      days: flat.days.map((d) => ({ ...d, reach: Math.round(d.impressions * 0.8) })),
    };
    for (const h of [flat, withReach, { ...flat, search: true }]) {
      const a = assessFatigue(h, { asOf: date(112) });
      expect(a.features.ageDays).toBe(113);
      expect(a.p7).toBeLessThan(0.25);
      expect(a.p14).toBeLessThan(0.4);
      expect(a.class).toBe('healthy');
    }
  });
  it('still gives an ad whose CTR is falling fast towards the fatigue line a high p7', () => {
    // Flat for 30 days, then −2% a day: 87% of its first week's CTR (last 7 days) at day 40.
    const a = assessFatigue(
      history(41, (i) => (i < 30 ? 1 : Math.exp(-0.02 * (i - 30)))),
      { asOf: date(40) },
    );
    expect(a.class).toBe('early_warning');
    expect(a.p7).toBeGreaterThan(0.5);
    expect(a.p14).toBeGreaterThan(0.7);
  });
  it('never returns NaN on bad input', () => {
    const cases: AdHistory[] = [
      { adId: 'none', days: [] },
      { adId: 'one', days: [{ date: '2026-05-01', impressions: 100, clicks: 3, conversions: 0 }] },
      {
        adId: 'zeros',
        launchDate: '2026-04-01',
        days: history(20, () => 0).days.map((d) => ({ ...d, impressions: 0 })),
      },
      { adId: 'noclicks', days: history(20, () => 0).days },
      {
        adId: 'junk',
        launchDate: 'not a date',
        days: [
          {
            date: '2026-05-02',
            impressions: Number.NaN,
            clicks: -4,
            conversions: Number.POSITIVE_INFINITY,
            reach: 0,
          },
        ],
      },
    ];
    for (const h of cases) {
      const a = assessFatigue(h, { asOf: '2026-05-20' });
      for (const v of [
        a.p7,
        a.p14,
        a.predictedDrop,
        ...Object.values(a.features).filter((x) => typeof x === 'number'),
      ])
        expect(Number.isFinite(v), `${h.adId}`).toBe(true);
      expect(a.refreshBy).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(a.rule.length).toBeGreaterThan(0);
    }
  });
  it('recommends refreshing a fatigued ad now and a healthy one later', () => {
    const fatigued = assessFatigue(
      history(40, (i) => (i < 15 ? 1 : 0.6)),
      { asOf: date(39) },
    );
    expect(fatigued.class).toBe('fatigued');
    expect(fatigued.refreshBy).toBe(date(39));
    const fresh = assessFatigue(
      history(10, () => 1),
      { asOf: date(9) },
    );
    expect(fresh.refreshBy > date(9)).toBe(true);
  });
});

describe('classify', () => {
  const base = computeFeatures(
    history(30, () => 1),
    date(29),
  );
  it('applies the rules in order: dead, fatigued, early warning, healthy', () => {
    expect(classify({ ...base, recentDeliveredDays: 0 }, 0, 0)).toMatchObject({ class: 'dead' });
    expect(classify({ ...base, ctrLogRatio: Math.log(0.3) }, 0, 0)).toMatchObject({ class: 'dead' });
    expect(classify({ ...base, ctrLogRatio: Math.log(0.7) }, 0.1, 0.1)).toMatchObject({ class: 'fatigued' });
    expect(classify(base, 0.4, 0.6)).toMatchObject({ class: 'early_warning' });
    expect(classify({ ...base, ctrLogRatio: Math.log(0.85) }, 0.05, 0.1).class).toBe('early_warning');
    const healthy = classify(base, 0.05, 0.1);
    expect(healthy.class).toBe('healthy');
    expect(healthy.rule).toContain('10%');
  });
  it('names the evidence-weighted CTR ratio its rule reads and the raw one of the features', () => {
    // Few impressions lately: the raw CTR ratio is 10%, the weighted one far less extreme.
    const h = history(30, () => 1);
    h.days = h.days.map((d, i) => (i >= 23 ? { ...d, impressions: 100, clicks: 0.2 } : d));
    const f = computeFeatures(h, date(29));
    const raw = f.recentCtr / f.baselineCtr;
    expect(raw).toBeCloseTo(0.1, 2);
    const weighted = Math.exp(f.ctrLogRatio);
    expect(weighted).toBeGreaterThan(0.35);
    const { rule } = classify(f, 0, 0);
    expect(rule).toContain(`CTR ${Math.round(weighted * 100)}% of its own baseline`);
    expect(rule).toContain('raw 10%');
  });
  it('does not call a not-yet-delivered new ad dead', () => {
    const f = computeFeatures({ adId: 'new', launchDate: date(0), days: [] }, date(2));
    expect(classify(f, 0, 0).class).toBe('healthy');
  });
});

describe('fitLogistic', () => {
  it('learns the sign of a predictive feature', () => {
    const X = Array.from({ length: 200 }, (_, i) => [i % 20, (i * 7) % 13]);
    const y = X.map(([a]) => (a! >= 10 ? 1 : 0));
    const m = fitLogistic(['a', 'noise'], X, y, { l2: 1 });
    expect(m.coef[0]).toBeGreaterThan(1);
    expect(Math.abs(m.coef[1]!)).toBeLessThan(m.coef[0]! / 4);
  });
});
