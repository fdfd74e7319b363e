import { describe, expect, it } from 'vitest';
import { classifyCauses, type EntityMetric, type MetricReading } from './causes.ts';
import { countTailP, poissonLowerTail, poissonUpperTail } from './counts.ts';
import { type EntityMetricsRow, scanEntityMetrics } from './entity.ts';
import { gaussian, seededRandom } from './synthetic.ts';

type Day = Partial<Record<EntityMetric, MetricReading>>;

/** A day where each metric is `ratio` × expected; counts are clearly significant unless said. */
function day(
  ratios: Partial<Record<EntityMetric, number>>,
  expected: Partial<Record<EntityMetric, number>> = {},
): Day {
  const base: Record<EntityMetric, number> = {
    spend: 500,
    impressions: 60_000,
    clicks: 900,
    conversions: 50,
    ctr: 0.015,
    cpc: 0.55,
    cpm: 8.3,
    ...expected,
  };
  return Object.fromEntries(
    (Object.keys(base) as EntityMetric[]).map((m) => {
      const r = ratios[m] ?? 1;
      return [
        m,
        { actual: base[m] * r, expected: base[m], surprise: r === 1 ? 0 : 0.8, countP: r === 1 ? 0.5 : 1e-9 },
      ];
    }),
  );
}
const causesOf = (d: Day, trailing?: Day[]) => classifyCauses(d, trailing).map((c) => c.cause);

describe('cause rules', () => {
  it('spend spike: spend up with unit costs steady (volume bought)', () => {
    expect(causesOf(day({ spend: 2.5, impressions: 2.5, clicks: 2.5 }))).toEqual(['spend_spike']);
  });

  it('cost surge: CPM jump; a spend rise paid for by price is not a spend spike', () => {
    expect(causesOf(day({ cpm: 2, cpc: 2, impressions: 0.5, clicks: 0.5 }))).toEqual(['cost_surge']);
    expect(causesOf(day({ spend: 2, cpm: 2, cpc: 2 }))).toEqual(['cost_surge']);
  });

  it('click-through collapse: CTR down with impressions holding; the CPC rise it causes is not a cost surge', () => {
    expect(causesOf(day({ ctr: 0.3, clicks: 0.3, cpc: 3.3 }))).toEqual(['ctr_collapse']);
    // Impressions gone too: a delivery problem, not a click-through one.
    expect(causesOf(day({ ctr: 0.3, impressions: 0.2, clicks: 0.06 }))).toEqual([]);
  });

  it('tracking break: conversions to ~0 while clicks hold, but only when that many were expected', () => {
    expect(causesOf(day({ conversions: 0 }))).toEqual(['tracking_break']);
    // Clicks fell as well: conversions followed the traffic.
    expect(causesOf(day({ conversions: 0, clicks: 0.3 }))).toEqual([]);
    // Zero of ~2 expected happens by chance (13%), however many days in a row… up to a point.
    const quiet = day({ conversions: 0 }, { conversions: 2 });
    expect(causesOf(quiet, [quiet])).toEqual([]);
    expect(causesOf(quiet, [quiet, quiet, quiet, quiet, quiet])).toEqual(['tracking_break']);
  });

  it('needs significance: a big ratio on a count that chance explains fires nothing', () => {
    const d = day({ ctr: 0.3, clicks: 0.3 });
    d.ctr = { ...d.ctr!, countP: 0.05 };
    expect(causesOf(d)).toEqual([]);
    const small = day({ spend: 2.5, impressions: 2.5, clicks: 2.5 });
    small.spend = { ...small.spend!, surprise: 0.1 };
    expect(causesOf(small)).toEqual([]);
  });

  it('says why', () => {
    const [finding] = classifyCauses(day({ conversions: 0 }));
    expect(finding!.confidence).toBeGreaterThan(0.999);
    expect(finding!.reason).toMatch(/0 conversions in 1 day against ~50\.0 expected/);
  });
});

describe('Poisson tails', () => {
  it('match the exact values and stay finite for large counts', () => {
    expect(poissonLowerTail(0, 5)).toBeCloseTo(Math.exp(-5), 15);
    expect(poissonUpperTail(1, 400)).toBeCloseTo(1, 12);
    expect(poissonLowerTail(2, 3)).toBeCloseTo(Math.exp(-3) * (1 + 3 + 4.5), 14);
    expect(countTailP(900, 1000)).toBeGreaterThan(0);
    expect(countTailP(900, 1000)).toBeLessThan(0.002);
    expect(countTailP(Number.NaN, 3)).toBe(1);
  });
});

/** A campaign's 90 days: weekly rhythm, noisy CPM, CTR and conversion rate; `mutate` injects. */
function campaign(seed: number, mutate: (day: number, r: Omit<EntityMetricsRow, 'date'>) => void) {
  const rand = seededRandom(seed);
  return Array.from({ length: 90 }, (_, d): EntityMetricsRow => {
    const date = new Date(Date.UTC(2024, 0, 1 + d)).toISOString().slice(0, 10);
    const weekly = [0.7, 1, 1.05, 1.05, 1, 0.95, 0.75][new Date(date).getUTCDay()]!;
    const spend = 500 * weekly * Math.exp(0.05 * gaussian(rand));
    const impressions = Math.round((spend / (8 * Math.exp(0.04 * gaussian(rand)))) * 1000);
    const clicks = Math.round(impressions * 0.015 * Math.exp(0.05 * gaussian(rand)));
    const row = {
      spend,
      impressions,
      clicks,
      conversions: Math.round(clicks * 0.06 * Math.exp(0.2 * gaussian(rand))),
    };
    mutate(d, row);
    return { date, ...row };
  });
}

describe('entity scan', () => {
  const during = (d: number) => d >= 70 && d < 74;
  const injections: Record<string, (d: number, r: Omit<EntityMetricsRow, 'date'>) => void> = {
    spend_spike: (d, r) => {
      if (d !== 70) return;
      r.spend! *= 2.5;
      r.impressions = Math.round(r.impressions! * 2.5);
      r.clicks = Math.round(r.clicks! * 2.5);
    },
    cost_surge: (d, r) => {
      if (!during(d)) return;
      r.impressions = Math.round(r.impressions! / 2);
      r.clicks = Math.round(r.clicks! / 2);
      r.conversions = Math.round(r.conversions! / 2);
    },
    ctr_collapse: (d, r) => {
      if (!during(d)) return;
      r.clicks = Math.round(r.clicks! * 0.25);
      r.conversions = Math.round(r.conversions! * 0.25);
    },
    tracking_break: (d, r) => {
      if (during(d)) r.conversions = 0;
    },
  };

  it('names the injected cause on the day it starts and flags nothing on a quiet campaign', () => {
    for (const [cause, inject] of Object.entries(injections)) {
      const days = scanEntityMetrics(campaign(2, inject));
      expect(days[70]!.flagged, cause).toBe(true);
      expect(days[70]!.cause, cause).toBe(cause);
      expect(
        days.slice(28, 70).filter((d) => d.flagged),
        cause,
      ).toEqual([]);
    }
    expect(scanEntityMetrics(campaign(2, () => {})).filter((d, i) => i >= 28 && d.flagged)).toEqual([]);
  });

  it('intermittent counts: 0 where 0 is expected, or a 1 or 2 that chance explains, is no anomaly', () => {
    // The reviewer's 17 days of conversions, repeated, with a 2 on day 84 (expected 0 there).
    const pattern = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0];
    const days = scanEntityMetrics(
      campaign(4, (d, r) => {
        r.conversions = d === 84 ? 2 : pattern[d % 17]!;
      }),
    );
    expect(days[84]!.metrics.conversions.expected).toBe(0);
    expect(days.filter((d) => d.flaggedMetrics.includes('conversions')).map((d) => d.date)).toEqual([]);
    expect(days.filter((d, i) => i >= 28 && d.flagged).map((d) => d.date)).toEqual([]);
    // An ad that gets a click every few days: its CTR is expected 0 most days, a click is chance.
    const rand = seededRandom(9);
    const ad = Array.from({ length: 90 }, (_, d): EntityMetricsRow => {
      const impressions = Math.round(400 * Math.exp(0.1 * gaussian(rand)));
      return {
        date: new Date(Date.UTC(2024, 0, 1 + d)).toISOString().slice(0, 10),
        spend: (impressions * 6) / 1000,
        impressions,
        clicks: d % 5 === 3 || d === 70 || d === 71 ? 1 : d === 80 ? 2 : 0,
        conversions: 0,
      };
    });
    const adDays = scanEntityMetrics(ad);
    expect(adDays[70]!.metrics.ctr.expected).toBe(0);
    expect(adDays.filter((d) => d.flagged).map((d) => d.date)).toEqual([]);
  });

  it('small counts: conversions at ~3 a day that jump to 18 are flagged, not other days', () => {
    const poisson = (rand: () => number, rate: number) => {
      let k = 0;
      let term = Math.exp(-rate);
      let sum = term;
      const u = rand();
      while (u > sum) {
        k++;
        term *= rate / k;
        sum += term;
      }
      return k;
    };
    let caught = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const rand = seededRandom(50 + seed);
      const days = scanEntityMetrics(
        campaign(seed, (d, r) => {
          r.conversions = d === 80 ? 18 : poisson(rand, 3);
        }),
      );
      const flaggedConversions = days.flatMap((d, i) =>
        d.flaggedMetrics.includes('conversions') ? [i] : [],
      );
      expect(
        flaggedConversions.filter((i) => i !== 80),
        `seed ${seed}`,
      ).toEqual([]);
      if (flaggedConversions.includes(80)) caught++;
    }
    // 5 of these 12 (a 6× jump at ~3 a day is at the margin of the threshold); in logs alone
    // (model 1.1.0) 0 of them.
    expect(caught).toBeGreaterThanOrEqual(4);
  });

  it('copes with missing and zero metrics without NaN', () => {
    const rows = campaign(3, (d, r) => {
      if (d % 11 === 0) r.clicks = null;
      if (d % 13 === 0) r.impressions = 0;
    });
    for (const d of scanEntityMetrics(rows)) {
      expect(Number.isFinite(d.score)).toBe(true);
      for (const p of Object.values(d.metrics)) expect(Number.isFinite(p.score)).toBe(true);
    }
    expect(scanEntityMetrics([])).toEqual([]);
  });
});
