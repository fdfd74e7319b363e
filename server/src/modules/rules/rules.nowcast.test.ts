/** Recent days enter rule evaluation at the nowcast's expected final values, not as reported so far. */
import { describe, expect, it } from 'vitest';
import { systemCtx } from '../auth/context.ts';
import type { AccountNowcast, NowcastDay } from '../oracle/index.ts';
import { evaluateLeaf } from './rules.conditions.ts';
import { nowcastFactors } from './rules.data.ts';

const nowcastDay = (date: string, reported: number, expected: number, completion: number): NowcastDay => ({
  date,
  ageDays: 0,
  spendMicros: 100e6,
  reportedConversions: reported,
  expectedConversions: expected,
  likelyConversions: expected,
  conversionsLo80: expected,
  conversionsHi80: expected,
  conversionsLo95: expected,
  conversionsHi95: expected,
  reportedValueMicros: reported * 50e6,
  expectedValueMicros: expected * 50e6,
  completion,
  expectedCpaMicros: null,
  cpaLo80Micros: null,
  cpaHi80Micros: null,
  cpaLo95Micros: null,
  cpaHi95Micros: null,
  expectedRoas: null,
  roasLo80: null,
  roasHi80: null,
  roasLo95: null,
  roasHi95: null,
});
const account = (id: string, adjusted: boolean, days: NowcastDay[]): AccountNowcast => ({
  adAccountId: id,
  name: id,
  currency: 'USD',
  lastDay: '2026-11-20',
  revisions: adjusted ? 40 : 0,
  revisedDays: adjusted ? 20 : 0,
  adjusted,
  warnings: [],
  curve: [],
  days,
});

describe('rules and the nowcast', () => {
  it('scales the incomplete days of adjusted accounts only, and the CPA condition sees the expected value', async () => {
    const oracle = {
      nowcast: async () => ({
        model: 'empirical-completion',
        modelVersion: '1.0.0',
        accounts: [
          account('acc_a', true, [
            nowcastDay('2026-11-18', 10, 10, 1),
            nowcastDay('2026-11-19', 8, 10, 0.8),
            nowcastDay('2026-11-20', 0, 0, 0.5),
          ]),
          account('acc_b', false, [nowcastDay('2026-11-20', 2, 2, 1)]),
          account('acc_other', true, [nowcastDay('2026-11-20', 1, 4, 0.25)]),
        ],
      }),
    };
    const f = await nowcastFactors(oracle, systemCtx('org_x'), new Set(['acc_a', 'acc_b']));
    expect([...f.factors.keys()].sort()).toEqual(['acc_a|2026-11-19', 'acc_a|2026-11-20']);
    expect(f.factors.get('acc_a|2026-11-19')).toEqual({ conversions: 1.25, revenue: 1.25 });
    // Nothing reported yet: the completion alone gives the multiplier.
    expect(f.factors.get('acc_a|2026-11-20')?.conversions).toBe(2);
    expect(f.accounts.map((a) => [a.adAccountId, a.adjusted])).toEqual([
      ['acc_a', true],
      ['acc_b', false],
    ]);

    // 8 conversions reported on 200 spent: CPA 25 as reported, 20 at the expected final 10.
    const series = new Map([
      [
        '2026-11-19',
        {
          spendMicros: 200e6,
          impressions: 1000,
          clicks: 100,
          conversions: 8 * 1.25,
          revenueMicros: 0,
          frequencyWeighted: 0,
          frequencyImpressions: 0,
          adjusted: true,
        },
      ],
    ]);
    const leaf = {
      metric: 'cpa' as const,
      window: { days: 1 },
      op: '>' as const,
      value: 22e6,
      unit: 'currency_micros' as const,
    };
    expect(evaluateLeaf(leaf, series, '2026-11-19')).toMatchObject({
      value: 20e6,
      matched: false,
      nowcastAdjusted: true,
    });
  });
});
