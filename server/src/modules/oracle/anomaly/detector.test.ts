import { describe, expect, it } from 'vitest';
import { type AnomalyPoint, createAnomalyDetector, detectAnomalies, severityOf } from './detector.ts';
import { type InjectedAnomaly, syntheticSeries } from './synthetic.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const flagged = (out: AnomalyPoint[]) => out.flatMap((p, i) => (p.flag ? [i] : []));

function hourly(seed: number, anomalies: InjectedAnomaly[] = []) {
  const s = syntheticSeries({ seed, points: 720, seasonalAmplitude: 0.6, noise: 0.05, anomalies });
  return { ...s, points: s.times.map((t, i) => ({ t, value: s.values[i]! })) };
}

describe('anomaly detector on hourly data', () => {
  const injected: InjectedAnomaly[] = [
    { kind: 'spike', at: 400, length: 1, factor: 2 },
    { kind: 'dip', at: 500, length: 1, factor: 0.45 },
    { kind: 'level_shift', at: 600, length: 30, factor: 1.6 },
  ];

  it('flags injected spikes, dips and level shifts, and not the daily peaks', () => {
    for (const seed of [2, 4]) {
      const s = hourly(seed, injected);
      const out = detectAnomalies(s.points);
      const flags = flagged(out);
      expect(flags).toContain(400);
      expect(flags).toContain(500);
      expect(flags).toContain(600);
      // Once two weeks are seen (the weekday rhythm too), nothing else is flagged…
      expect(flags.filter((i) => i >= 336 && i !== 400 && i !== 500 && (i < 600 || i >= 630))).toEqual([]);
      // …and the daily peak (15:00, 3.3× the trough) never is.
      expect(flags.filter((i) => new Date(s.times[i]!).getUTCHours() === 15)).toEqual([]);
      expect(out[400]!.direction).toBe('up');
      expect(out[500]!.direction).toBe('down');
    }
  });

  it('predicts the daily rhythm: expected values follow the clean series, unlike without seasonality', () => {
    const s = hourly(1);
    const error = (out: AnomalyPoint[]) => {
      const errs = out.slice(200, 700).map((p, i) => Math.abs(Math.log(p.expected! / s.clean[200 + i]!)));
      return errs.reduce((a, b) => a + b, 0) / errs.length;
    };
    const seasonal = error(detectAnomalies(s.points));
    const flat = error(detectAnomalies(s.points, { seasonality: 'none' }));
    expect(seasonal).toBeLessThan(0.06);
    expect(flat).toBeGreaterThan(5 * seasonal);
  });

  it('alerts once per incident: a 30-hour shift raises a few records, not an alert every hour', () => {
    const out = detectAnomalies(hourly(4, injected).points);
    const inShift = flagged(out).filter((i) => i >= 600 && i < 630);
    expect(inShift.length).toBeGreaterThanOrEqual(1);
    expect(inShift.length).toBeLessThanOrEqual(4);
  });

  it('is causal: a point scores the same whatever comes after it', () => {
    const s = hourly(3, injected);
    const full = detectAnomalies(s.points);
    const prefix = detectAnomalies(s.points.slice(0, 450));
    expect(prefix.map((p) => p.score)).toEqual(full.slice(0, 450).map((p) => p.score));
  });

  it('is not dragged by the anomaly: the hours after a spike are expected as if it never happened', () => {
    const withSpike = detectAnomalies(hourly(5, [{ kind: 'spike', at: 400, length: 2, factor: 5 }]).points);
    const clean = detectAnomalies(hourly(5).points);
    for (let i = 402; i < 410; i++)
      expect(Math.abs(withSpike[i]!.expected! / clean[i]!.expected! - 1)).toBeLessThan(0.03);
  });
});

describe('anomaly detector on daily data', () => {
  it('learns the weekly rhythm and flags only the injected spike and dip after four weeks', () => {
    const s = syntheticSeries({
      seed: 4,
      points: 180,
      cadence: 'daily',
      seasonalAmplitude: 0.5,
      noise: 0.06,
      anomalies: [
        { kind: 'spike', at: 120, length: 1, factor: 1.8 },
        { kind: 'dip', at: 150, length: 1, factor: 0.4 },
      ],
    });
    const detector = createAnomalyDetector();
    const out = s.times.map((t, i) => detector.push(t, s.values[i]!));
    expect(detector.calendar).toEqual({ cadence: 'daily', pointsPerDay: 1 });
    expect(flagged(out).filter((i) => i >= 28)).toEqual([120, 150]);
  });
});

describe('anomaly detector on bad input', () => {
  const at = (i: number) => T0 + i * HOUR;
  const finite = (out: AnomalyPoint[]) =>
    out.every(
      (p) =>
        Number.isFinite(p.score) &&
        Number.isFinite(p.surprise) &&
        Number.isFinite(p.z) &&
        p.score >= 0 &&
        p.score <= 1 &&
        (p.expected === null || Number.isFinite(p.expected)) &&
        (p.deviation === null || Number.isFinite(p.deviation)),
    );

  it('never returns NaN and never throws', () => {
    const cases: Array<Array<{ t: number; value: number | null }>> = [
      [],
      [{ t: at(0), value: 5 }],
      Array.from({ length: 300 }, (_, i) => ({ t: at(i), value: 7 })),
      Array.from({ length: 300 }, (_, i) => ({ t: at(i), value: 0 })),
      Array.from({ length: 300 }, (_, i) => ({
        t: at(i),
        value: i % 7 === 0 ? Number.NaN : i % 5 ? 10 : null,
      })),
      Array.from({ length: 300 }, (_, i) => ({ t: at(i), value: i === 250 ? Number.POSITIVE_INFINITY : 3 })),
      Array.from({ length: 300 }, (_, i) => ({ t: at(i), value: -50 + 10 * Math.sin(i / 3) })),
      Array.from({ length: 300 }, (_, i) => ({ t: at(i), value: i === 250 ? 1e308 : 1e300 })),
      Array.from({ length: 300 }, () => ({ t: at(0), value: 3 })), // one timestamp for all
      Array.from({ length: 300 }, (_, i) => ({ t: i === 100 ? Number.NaN : at(i), value: 3 })),
    ];
    for (const points of cases) {
      const out = detectAnomalies(points);
      expect(out).toHaveLength(points.length);
      expect(finite(out)).toBe(true);
    }
  });

  it('scores missing values 0, and a flat series that moves is flagged', () => {
    const out = detectAnomalies(
      Array.from({ length: 300 }, (_, i) => ({ t: at(i), value: i === 299 ? 8 : 7 })),
    );
    expect(flagged(out)).toEqual([299]);
    const gaps = detectAnomalies([{ t: at(0), value: null }]);
    expect(gaps[0]).toMatchObject({ score: 0, flag: false, severity: 'none', value: null });
  });
});

describe('severity', () => {
  it('is the lower of how improbable and how large the move is', () => {
    expect(severityOf(1, 2)).toBe('critical');
    expect(severityOf(1, 0.05)).toBe('low'); // extreme but tiny
    expect(severityOf(0.6, 3)).toBe('low'); // large but barely improbable
    expect(severityOf(0.95, -0.5)).toBe('high');
    expect(severityOf(0.8, null)).toBe('medium');
  });
});
