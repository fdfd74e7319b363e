import { describe, expect, it } from 'vitest';
import { attribute, attributionModels, type Conversion, UNATTRIBUTED, weights } from './attribution.ts';

const day = (d: number) => new Date(Date.UTC(2026, 10, d)).toISOString();
const tp = (key: string, d: number) => ({ key, at: day(d) });

describe('attribution models (hand-computed)', () => {
  // Touches on Nov 1 (A), Nov 8 (B), Nov 15 (C); conversion on Nov 15.
  const three = [tp('A', 1), tp('B', 8), tp('C', 15)];
  const at = day(15);

  it('first and last touch give everything to one end', () => {
    expect(weights('first_touch', three, at)).toEqual([1, 0, 0]);
    expect(weights('last_touch', three, at)).toEqual([0, 0, 1]);
  });

  it('linear splits evenly', () => {
    expect(weights('linear', three, at)).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('time decay with a 7-day half-life: raw 1/4, 1/2, 1 → 1/7, 2/7, 4/7', () => {
    const w = weights('time_decay', three, at, { halfLifeDays: 7 });
    expect(w[0]).toBeCloseTo(1 / 7, 12);
    expect(w[1]).toBeCloseTo(2 / 7, 12);
    expect(w[2]).toBeCloseTo(4 / 7, 12);
  });

  it('time decay with a 14-day half-life: raw 2^-1, 2^-0.5, 1', () => {
    const w = weights('time_decay', three, at, { halfLifeDays: 14 });
    const raw = [0.5, Math.SQRT1_2, 1];
    const s = raw.reduce((a, b) => a + b, 0);
    raw.forEach((r, i) => {
      expect(w[i]).toBeCloseTo(r / s, 12);
    });
    expect(() => weights('time_decay', three, at, { halfLifeDays: 0 })).toThrow(RangeError);
  });

  it('position based: 40/20/40, 50/50 for two, 100 for one, 40/10/10/40 for four', () => {
    expect(weights('position_based', three, at)).toEqual([0.4, 0.2, 0.4]);
    expect(weights('position_based', three.slice(0, 2), at)).toEqual([0.5, 0.5]);
    expect(weights('position_based', three.slice(0, 1), at)).toEqual([1]);
    const four = weights('position_based', [...three, tp('D', 15)], at);
    expect(four[0]).toBeCloseTo(0.4, 12);
    expect(four[1]).toBeCloseTo(0.1, 12);
    expect(four[2]).toBeCloseTo(0.1, 12);
    expect(four[3]).toBeCloseTo(0.4, 12);
  });

  it('orders touches by time before applying the model', () => {
    expect(
      weights(
        'first_touch',
        [tp('late', 9), tp('early', 2)].sort(() => 0),
        day(10),
      ),
    ).toEqual([1, 0]);
    const credits = attribute(
      [{ id: 'c', at: day(10), value: 10, touchpoints: [tp('late', 9), tp('early', 2)] }],
      'first_touch',
    );
    expect(credits).toEqual([{ key: 'early', conversions: 1, value: 10 }]);
  });

  it('credits sum to the conversions and values to their total, in every model', () => {
    const conversions: Conversion[] = [
      { id: '1', at: day(15), value: 300, touchpoints: three },
      { id: '2', at: day(20), value: 100, touchpoints: [tp('B', 19)] },
      { id: '3', at: day(21), value: 50, touchpoints: [] },
      { id: '4', at: day(22), value: 0, touchpoints: [tp('C', 1), tp('A', 20)] },
    ];
    for (const m of attributionModels) {
      const credits = attribute(conversions, m);
      expect(credits.reduce((s, c) => s + c.conversions, 0)).toBeCloseTo(4, 12);
      expect(credits.reduce((s, c) => s + c.value, 0)).toBeCloseTo(450, 9);
      expect(credits.find((c) => c.key === UNATTRIBUTED)).toEqual({
        key: UNATTRIBUTED,
        conversions: 1,
        value: 50,
      });
    }
    // Linear by hand: A = 1/3 + 1/2, B = 1/3 + 1, C = 1/3 + 1/2; values A = 100, B = 200, C = 100.
    const linear = Object.fromEntries(attribute(conversions, 'linear').map((c) => [c.key, c]));
    expect(linear.A?.conversions).toBeCloseTo(5 / 6, 12);
    expect(linear.B?.conversions).toBeCloseTo(4 / 3, 12);
    expect(linear.B?.value).toBeCloseTo(200, 9);
    expect(linear.C?.value).toBeCloseTo(100, 9);
  });
});
