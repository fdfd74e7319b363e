import { describe, expect, it } from 'vitest';
import { loadM4, loadOfficialForecasts, loadPublished, M4_SETTINGS, m4Benchmarks } from './m4.ts';
import { accuracy, mase, maseScale, owa, smape } from './metrics.ts';

describe('M4 error measures', () => {
  it('sMAPE is the mean of 200·|y − f| / (|y| + |f|), and 0 where both are 0', () => {
    expect(smape([100, 50], [110, 50])).toBeCloseTo((200 * 10) / 210 / 2, 12);
    expect(smape([0, 10], [0, 10])).toBe(0);
  });

  it('MASE divides by the in-sample MAE of the seasonal naive forecast with period m', () => {
    const train = [1, 2, 4, 7, 11];
    expect(maseScale(train, 1)).toBe((1 + 2 + 3 + 4) / 4);
    expect(maseScale(train, 2)).toBe((3 + 5 + 7) / 3);
    expect(mase(train, [12, 14], [11, 11], 1)).toBeCloseTo(2 / 2.5, 12);
  });

  it('OWA is the ratio of averaged errors to Naive2: the published Weekly SES row', () => {
    expect(owa({ smape: 9.012, mase: 2.685 }, { smape: 9.161, mase: 2.777 })).toBeCloseTo(0.9753030619, 9);
  });

  it('the official Naive2 and SES forecasts score exactly the published Weekly and Hourly rows', () => {
    const published = loadPublished();
    for (const frequency of ['weekly', 'hourly'] as const) {
      const { m } = M4_SETTINGS[frequency];
      const data = loadM4(frequency);
      const label = frequency === 'weekly' ? 'Weekly' : 'Hourly';
      const score = (method: 'Naive2' | 'SES') => {
        const official = loadOfficialForecasts(method, frequency);
        return accuracy(
          data.map((s) => ({ train: s.train, test: s.test, forecast: official.get(s.id)! })),
          m,
        );
      };
      const naive2 = score('Naive2');
      const ses = score('SES');
      expect(data).toHaveLength(frequency === 'weekly' ? 359 : 414);
      expect(naive2.smape.toFixed(3)).toBe(published.get(`Naive2|${label}`)!.smape.toFixed(3));
      expect(naive2.mase.toFixed(3)).toBe(published.get(`Naive2|${label}`)!.mase.toFixed(3));
      expect(ses.smape.toFixed(3)).toBe(published.get(`SES|${label}`)!.smape.toFixed(3));
      expect(ses.mase.toFixed(3)).toBe(published.get(`SES|${label}`)!.mase.toFixed(3));
    }
  });

  it('our Naive2 and SES reproduce the official Hourly forecasts (every 4th series)', () => {
    const naive2 = loadOfficialForecasts('Naive2', 'hourly');
    const ses = loadOfficialForecasts('SES', 'hourly');
    let worst = 0;
    for (const s of loadM4('hourly').filter((_, i) => i % 4 === 0)) {
      const ours = m4Benchmarks(s.train, 48, 24);
      for (let j = 0; j < 48; j++) {
        worst = Math.max(worst, Math.abs(ours.Naive2[j]! / naive2.get(s.id)![j]! - 1));
        worst = Math.max(worst, Math.abs(ours.SES[j]! / ses.get(s.id)![j]! - 1));
      }
    }
    // The official files print about 10 significant digits.
    expect(worst).toBeLessThan(1e-9);
  });
});
