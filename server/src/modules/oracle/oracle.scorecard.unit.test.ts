import { describe, expect, it } from 'vitest';
import { type ForecastScore, naiveScale, replacementsOf, scoreRun, weekOf } from './oracle.scorecard.ts';
import { addDays, type DailySeries } from './oracle.series.ts';

const seriesOf = (values: number[], from = '2026-10-01'): DailySeries => ({
  from,
  to: addDays(from, values.length - 1),
  dates: values.map((_, i) => addDays(from, i)),
  spendMicros: values,
  conversions: values,
  revenueMicros: values,
  impressions: values,
  clicks: values,
  currency: 'USD',
  warnings: [],
});

describe('forecast scoring', () => {
  // A weekly pattern with a little noise: seasonal naive is nearly perfect on it.
  const weekly = Array.from(
    { length: 35 },
    (_, i) => ([10, 12, 14, 16, 18, 30, 40][i % 7] as number) + (i % 3),
  );
  const s = seriesOf(weekly);
  const origin = s.dates[21] as string;
  const pointsFrom = (f: (k: number) => number, width: number) =>
    Array.from({ length: 7 }, (_, k) => ({
      date: addDays(origin, k),
      mean: f(k),
      lo80: f(k) - width,
      hi80: f(k) + width,
      lo95: f(k) - 2 * width,
      hi95: f(k) + 2 * width,
    }));

  it('scores the first week: a perfect forecast has MASE 0 and full coverage; a flat mean loses to seasonal naive', () => {
    const perfect = scoreRun(
      pointsFrom((k) => weekly[21 + k] as number, 0.5),
      s,
      weekly,
    );
    expect(perfect).toMatchObject({ origin, mase: 0, coverage80: 1, coverage95: 1, lost: false });
    const flat = scoreRun(
      pointsFrom(() => 20, 1),
      s,
      weekly,
    );
    expect(flat?.lost).toBe(true);
    expect(flat?.mase).toBeGreaterThan(flat?.snaiveMase ?? Infinity);
    expect(flat?.coverage80).toBeLessThan(0.5);
    // MASE is the mean error over the in-sample seasonal-naive error.
    const scale = naiveScale(weekly.slice(0, 21)) as number;
    const err = weekly.slice(21, 28).reduce((a, v) => a + Math.abs(v - 20), 0) / 7;
    expect(flat?.mase).toBeCloseTo(err / scale, 5);
  });

  it('does not score a week whose actuals are not all in', () => {
    const late = seriesOf(weekly.slice(0, 25));
    expect(
      scoreRun(
        pointsFrom(() => 20, 1),
        late,
        weekly.slice(0, 25),
      ),
    ).toBeNull();
  });

  it('replaces a series after four consecutive weekly losses, not after a gap or a win', () => {
    const sc = (week: string, lost: boolean, entityId = 'cmp_1'): ForecastScore => ({
      runId: `run_${week}_${entityId}`,
      entityType: 'campaign',
      entityId,
      metric: 'spend',
      model: 'theta',
      modelVersion: '1',
      origin: week,
      week: weekOf(week),
      mase: lost ? 2 : 0.5,
      snaiveMase: 1,
      coverage80: 0.8,
      coverage95: 0.95,
      lost,
      scoredAt: '',
    });
    const weeks = ['2026-10-05', '2026-10-12', '2026-10-19', '2026-10-26', '2026-11-02'];
    const r = replacementsOf(weeks.slice(1).map((w) => sc(w, true)));
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({
      entityId: 'cmp_1',
      metric: 'spend',
      replacedModel: 'theta',
      model: 'snaive@7',
    });
    expect(r[0]?.since).toBe('2026-11-09');
    expect(replacementsOf([...weeks.slice(0, 3), weeks[4] as string].map((w) => sc(w, true)))).toEqual([]);
    expect(replacementsOf(weeks.map((w, i) => sc(w, i !== 3)))).toEqual([]);
    expect(replacementsOf(weeks.slice(2).map((w) => sc(w, true)))).toEqual([]);
  });
});
