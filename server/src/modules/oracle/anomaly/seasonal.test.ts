import { describe, expect, it } from 'vitest';
import { dailyProfile, inferCalendar, subdailyProfile } from './seasonal.ts';
import { gaussian, seededRandom } from './synthetic.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1); // a Monday

/** Log-scale hourly values over `days` days: a daily wave, an optional weekend dip, noise. */
function hours(days: number, weekendDip: number, seed = 1) {
  const rand = seededRandom(seed);
  const ts = Array.from({ length: days * 24 }, (_, i) => T0 + i * HOUR);
  const ys = ts.map((t) => {
    const d = new Date(t);
    const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
    return (
      0.5 * Math.sin((2 * Math.PI * d.getUTCHours()) / 24) -
      (weekend ? weekendDip : 0) +
      0.05 * gaussian(rand)
    );
  });
  return { ts, ys };
}

describe('seasonal profile', () => {
  it('infers the cadence from the spacing of timestamps', () => {
    expect(inferCalendar([0, 1, 2, 3].map((i) => T0 + i * HOUR))).toEqual({
      cadence: 'subdaily',
      pointsPerDay: 24,
    });
    expect(inferCalendar([0, 1, 2].map((i) => T0 + i * 24 * HOUR))).toEqual({
      cadence: 'daily',
      pointsPerDay: 1,
    });
    expect(inferCalendar([0, 7, 14].map((i) => T0 + i * 24 * HOUR)).cadence).toBe('none');
    expect(inferCalendar([T0]).cadence).toBe('none');
  });

  it('learns the hour-of-day wave, and a weekday effect only where there is one', () => {
    const dipped = hours(21, 0.3);
    const withDip = subdailyProfile(dipped.ys, dipped.ts, 24);
    expect(withDip.hour![6]! - withDip.hour![18]!).toBeCloseTo(1, 1);
    expect(withDip.weekday![6]! - withDip.weekday![3]!).toBeCloseTo(-0.3, 1);
    const flat = hours(21, 0);
    const noDip = subdailyProfile(flat.ys, flat.ts, 24);
    expect(noDip.hour).not.toBeNull();
    expect(noDip.weekday).toBeNull();
  });

  it('gives daily data a weekday profile only after three of each weekday', () => {
    const rand = seededRandom(2);
    const ts = Array.from({ length: 28 }, (_, i) => T0 + i * 24 * HOUR);
    const ys = ts.map((t) => ([0, 6].includes(new Date(t).getUTCDay()) ? -0.5 : 0) + 0.03 * gaussian(rand));
    expect(dailyProfile(ys.slice(0, 20), ts.slice(0, 20)).weekday).toBeNull();
    const p = dailyProfile(ys, ts);
    expect(p.weekday![0]! - p.weekday![3]!).toBeCloseTo(-0.5, 1);
  });
});
