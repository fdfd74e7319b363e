import { describe, expect, it } from 'vitest';
import { differenceInDifferences, pickControls, studentTQuantile, type UnitFigures } from './ledger.stats.ts';

const unit = (
  unitId: string,
  preSpend: number,
  preObj: number,
  postSpend: number,
  postObj: number,
): UnitFigures => ({
  unitId,
  preSpend,
  preObjective: preObj,
  postSpend,
  postObjective: postObj,
  preDaysWithSpend: 14,
  postDaysWithSpend: 7,
});

/** Seeded normal draws (Box–Muller over mulberry32). */
function normals(seed: number) {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

describe('ledger statistics', () => {
  it("Student's t quantiles match the tables", () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706, 3);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.303, 3);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228, 3);
    expect(studentTQuantile(0.95, 30)).toBeCloseTo(1.697, 3);
    expect(studentTQuantile(0.025, 5)).toBeCloseTo(-2.571, 3);
  });

  it('with fewer than three usable controls it is inconclusive and says why', () => {
    const r = differenceInDifferences(
      unit('t', 100, 10, 50, 10),
      [unit('a', 100, 10, 50, 5), unit('b', 100, 0, 50, 5)],
      { preDays: 14, postDays: 7 },
    );
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/Too few comparable untouched entities: 1/);
    expect(r.efficiency).toBeNull();
  });

  it('a treated unit without conversions after the change is inconclusive, not NaN', () => {
    const controls = ['a', 'b', 'c', 'd'].map((id) => unit(id, 100, 10, 50, 5));
    const r = differenceInDifferences(unit('t', 100, 10, 50, 0), controls, { preDays: 14, postDays: 7 });
    expect(r.verdict).toBe('inconclusive');
    expect(JSON.stringify(r)).not.toMatch(/NaN|null,"objective":\{"effect":NaN/);
  });

  it('under no effect, about 5% of changes get a verdict; under a 40% effect (3.4 noise sds), most are found helped', () => {
    const z = normals(7);
    let falseVerdicts = 0;
    let found = 0;
    const trials = 2000;
    for (let i = 0; i < trials; i++) {
      // Each unit's efficiency drifts by its own N(0, 0.1) on the log scale between the windows.
      const draw = (id: string, effect = 0) => unit(id, 100, 10, 50, 5 * Math.exp(0.1 * z() + effect));
      const controls = Array.from({ length: 8 }, (_, k) => draw(`c${k}`));
      const none = differenceInDifferences(draw('t'), controls, { preDays: 14, postDays: 7 });
      if (none.verdict !== 'inconclusive') falseVerdicts++;
      const real = differenceInDifferences(draw('t', Math.log(1.4)), controls, { preDays: 14, postDays: 7 });
      if (real.verdict === 'helped') found++;
    }
    expect(falseVerdicts / trials).toBeGreaterThan(0.03);
    expect(falseVerdicts / trials).toBeLessThan(0.07);
    expect(found / trials).toBeGreaterThan(0.6);
  });

  it('picks controls of similar pre-period spend, nearest first, within a factor of three', () => {
    const t = unit('t', 100, 10, 50, 5);
    const picked = pickControls(t, [
      unit('far', 400, 10, 50, 5),
      unit('near', 110, 10, 50, 5),
      unit('mid', 200, 10, 50, 5),
      unit('small', 34, 10, 50, 5),
      unit('t', 100, 10, 50, 5),
    ]);
    expect(picked.map((c) => c.unitId)).toEqual(['near', 'mid', 'small']);
  });
});
