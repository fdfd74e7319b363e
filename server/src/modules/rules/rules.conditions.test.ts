import { describe, expect, it } from 'vitest';
import { type DayTotals, evaluateConditions, evaluateLeaf, lookbackDays } from './rules.conditions.ts';
import { validateActions, validateConditions, validateCron } from './rules.validate.ts';

const day = (p: Partial<DayTotals>): DayTotals => ({
  spendMicros: 0,
  impressions: 0,
  clicks: 0,
  conversions: 0,
  revenueMicros: 0,
  frequencyWeighted: 0,
  frequencyImpressions: 0,
  adjusted: false,
  ...p,
});

/** 14 days ending 2026-11-20: the first week CPA 20, the second CPA 40 (spend doubles, conversions flat). */
const series = new Map<string, DayTotals>();
for (let i = 0; i < 14; i++) {
  const date = new Date(Date.UTC(2026, 10, 7 + i)).toISOString().slice(0, 10);
  const late = i >= 7;
  series.set(
    date,
    day({
      spendMicros: (late ? 200 : 100) * 1e6,
      impressions: 10_000,
      clicks: 200,
      conversions: 5,
      revenueMicros: 400e6,
      frequencyWeighted: 2 * 10_000,
      frequencyImpressions: 10_000,
      adjusted: i === 13,
    }),
  );
}
const asOf = '2026-11-20';

describe('rule conditions', () => {
  it('computes ratios from the window sums, in the unit the condition states', () => {
    const cpa = evaluateLeaf(
      { metric: 'cpa', window: { days: 7 }, op: '>', value: 35e6, unit: 'currency_micros' },
      series,
      asOf,
    );
    expect(cpa).toMatchObject({ value: 40e6, matched: true, nowcastAdjusted: true });
    const ctrPct = evaluateLeaf(
      { metric: 'ctr', window: { days: 14 }, op: '>=', value: 2, unit: 'percent' },
      series,
      asOf,
    );
    expect(ctrPct).toMatchObject({ value: 2, matched: true });
    const ctrRatio = evaluateLeaf(
      { metric: 'ctr', window: { days: 14 }, op: '>', value: 0.02, unit: 'ratio' },
      series,
      asOf,
    );
    expect(ctrRatio).toMatchObject({ value: 0.02, matched: false });
    const roas = evaluateLeaf(
      { metric: 'roas', window: { days: 7 }, op: '<', value: 2.5, unit: 'ratio' },
      series,
      asOf,
    );
    expect(roas).toMatchObject({ value: 2, matched: true });
    const freq = evaluateLeaf(
      { metric: 'frequency', window: { days: 3 }, op: '>', value: 1.9, unit: 'ratio' },
      series,
      asOf,
    );
    expect(freq).toMatchObject({ value: 2, matched: true, nowcastAdjusted: false });
  });

  it('compares against the previous window as a change in percent', () => {
    const r = evaluateLeaf(
      { metric: 'cpa', window: { days: 7 }, op: '>', value: 50, unit: 'percent', compare: 'previous_window' },
      series,
      asOf,
    );
    expect(r).toMatchObject({ value: 100, matched: true });
    // No data before: no comparison, no match.
    const none = evaluateLeaf(
      {
        metric: 'spend',
        window: { days: 14 },
        op: '>',
        value: -100,
        unit: 'percent',
        compare: 'previous_window',
      },
      series,
      asOf,
    );
    expect(none).toMatchObject({ value: null, matched: false });
  });

  it('an undefined metric (CPA with no conversions) never matches, whatever the operator', () => {
    const dry = new Map([[asOf, day({ spendMicros: 50e6 })]]);
    for (const op of ['>', '<'] as const)
      expect(
        evaluateLeaf({ metric: 'cpa', window: { days: 1 }, op, value: 1, unit: 'currency_micros' }, dry, asOf)
          .matched,
      ).toBe(false);
  });

  it('combines AND/OR groups and reports every leaf', () => {
    const tree = {
      match: 'all' as const,
      conditions: [
        {
          metric: 'spend' as const,
          window: { days: 7 },
          op: '>' as const,
          value: 1000e6,
          unit: 'currency_micros' as const,
        },
        {
          match: 'any' as const,
          conditions: [
            {
              metric: 'cpa' as const,
              window: { days: 7 },
              op: '>' as const,
              value: 100e6,
              unit: 'currency_micros' as const,
            },
            {
              metric: 'roas' as const,
              window: { days: 7 },
              op: '<=' as const,
              value: 2,
              unit: 'ratio' as const,
            },
          ],
        },
      ],
    };
    const r = evaluateConditions(tree, series, asOf);
    expect(r.matched).toBe(true);
    expect(r.leaves.map((l) => l.matched)).toEqual([true, false, true]);
    expect(evaluateConditions({ ...tree, match: 'any' }, new Map(), asOf).matched).toBe(false);
    expect(
      lookbackDays({
        match: 'all',
        conditions: [{ ...tree.conditions[0]!, compare: 'previous_window', unit: 'percent' } as never],
      }),
    ).toBe(14);
  });
});

describe('rule validation', () => {
  const from = new Date('2026-11-20T10:00:00Z');
  it('refuses units that do not fit the metric, and previous-window comparisons not in percent', () => {
    expect(() =>
      validateConditions({
        match: 'all',
        conditions: [{ metric: 'cpa', window: { days: 7 }, op: '>', value: 50, unit: 'percent' }],
      }),
    ).toThrow(/cpa is stated in currency_micros/);
    expect(() =>
      validateConditions({
        match: 'all',
        conditions: [
          {
            metric: 'spend',
            window: { days: 7 },
            op: '>',
            value: 5,
            unit: 'currency_micros',
            compare: 'previous_window',
          },
        ],
      }),
    ).toThrow(/percent/);
  });
  it('accepts crons of at least 15 minutes and refuses faster or malformed ones', () => {
    for (const ok of ['*/15 * * * *', '0 8 * * *', '0,30 * * * 1-5', '5 */2 * * *'])
      expect(() => validateCron(ok, from)).not.toThrow();
    for (const bad of ['*/5 * * * *', '* * * * *', '0,10 * * * *', '0 0 * *', 'every hour', '*/30 * * * * *'])
      expect(() => validateCron(bad, from), bad).toThrow();
    // Too frequent on a day more than eight days away (the check used to walk only eight days from now).
    const tenth = new Date('2030-01-10T12:00:00Z');
    expect(() => validateCron('*/5 * 1 * *', tenth)).toThrow(/more often than every 15 minutes/);
    expect(() => validateCron('0 9 1 * *', tenth)).not.toThrow();
  });
  it('refuses budgets on ads, two changing actions, and budget actions without exactly one amount', () => {
    expect(() => validateActions('ad', [{ type: 'budget', direction: 'increase', percent: 10 }])).toThrow(
      /Ads/,
    );
    expect(() => validateActions('campaign', [{ type: 'pause' }, { type: 'enable' }])).toThrow(/at most one/);
    expect(() => validateActions('campaign', [{ type: 'budget', direction: 'decrease' }])).toThrow(
      /exactly one/,
    );
    expect(() => validateActions('ad', [{ type: 'pause' }, { type: 'notify' }])).not.toThrow();
  });
});
