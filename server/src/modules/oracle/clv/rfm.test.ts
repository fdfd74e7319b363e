import { describe, expect, it } from 'vitest';
import { cdnowSampleTransactions, cdnowSummary } from './clv.fixtures.ts';
import { summarizeTransactions, type Transaction } from './rfm.ts';

const tx = (customerId: string, date: string, amount = 10): Transaction => ({ customerId, date, amount });

describe('RFM summary', () => {
  it('counts purchases on one day once, summing their amounts, and leaves the first purchase out of the value', () => {
    const s = summarizeTransactions(
      [
        tx('a', '2024-01-01', 5),
        tx('a', '2024-01-08', 10),
        tx('a', '2024-01-08', 20),
        tx('a', '2024-01-15', 6),
      ],
      { until: '2024-01-29', unit: 'week' },
    );
    expect(s.customers).toEqual([
      expect.objectContaining({ customerId: 'a', frequency: 2, recency: 2, T: 4, monetaryValue: 18 }),
    ]);
    expect(s.transactionsUsed).toBe(4);
  });

  it('measures recency and age in days or fractional weeks from the first purchase day', () => {
    const data = [tx('a', '2024-02-27'), tx('a', '2024-03-01')];
    const days = summarizeTransactions(data, { until: '2024-03-10', unit: 'day' }).customers[0]!;
    const weeks = summarizeTransactions(data, { until: '2024-03-10', unit: 'week' }).customers[0]!;
    expect([days.recency, days.T]).toEqual([3, 12]); // 2024 is a leap year: Feb 29 counts
    expect(weeks.recency).toBeCloseTo(3 / 7, 12);
    expect(weeks.T).toBeCloseTo(12 / 7, 12);
  });

  it('cuts the calibration period at until, inclusive, and counts what it left out', () => {
    const s = summarizeTransactions(
      [tx('a', '2024-01-01'), tx('a', '2024-01-31'), tx('a', '2024-02-01'), tx('b', '2024-02-05')],
      { until: '2024-01-31', unit: 'day' },
    );
    expect(s.customers.map((c) => [c.customerId, c.frequency, c.recency, c.T])).toEqual([['a', 1, 30, 30]]);
    expect(s.transactionsAfterUntil).toBe(2);
    expect(s.customers[0]!.lastPurchase).toBe('2024-01-31');
  });

  it('rejects impossible dates and negative or non-numeric amounts', () => {
    const until = { until: '2024-01-31', unit: 'day' } as const;
    expect(() => summarizeTransactions([tx('a', '2023-02-29')], until)).toThrow(/invalid date/);
    expect(() => summarizeTransactions([tx('a', '2024-01-01', -1)], until)).toThrow(/invalid amount/);
    expect(() => summarizeTransactions([tx('a', '2024-01-01', Number.NaN)], until)).toThrow(/invalid amount/);
    expect(() => summarizeTransactions([], { until: '2024-13-01', unit: 'day' })).toThrow(/invalid until/);
  });

  it('reproduces the published CDNOW summary (x, t_x, T, zbar) from the raw sample transactions', () => {
    const ours = summarizeTransactions(cdnowSampleTransactions(), { until: '1997-09-30', unit: 'week' });
    const published = cdnowSummary();
    expect(ours.customers).toHaveLength(2357);
    const byId = new Map(ours.customers.map((c) => [c.customerId, c]));
    for (const p of published) {
      const c = byId.get(p.customerId)!;
      expect(c.frequency, `customer ${p.customerId}`).toBe(p.frequency);
      // The published file is rounded to 2 decimals.
      expect(Math.abs(c.recency - p.recency), `recency ${p.customerId}`).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(c.T - p.T), `T ${p.customerId}`).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(c.monetaryValue - p.monetaryValue), `zbar ${p.customerId}`).toBeLessThanOrEqual(
        0.005 + 1e-9,
      );
    }
  });
});
