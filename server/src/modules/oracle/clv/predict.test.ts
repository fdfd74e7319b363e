import { describe, expect, it } from 'vitest';
import { cdnowSampleTransactions, PUBLISHED, relativeError } from './clv.fixtures.ts';
import { fitCustomerValue } from './predict.ts';
import { summarizeTransactions, type Transaction } from './rfm.ts';

const calibration = { until: '1997-09-30', unit: 'week' } as const;

describe('fitCustomerValue', () => {
  it('goes from raw CDNOW transactions to the published parameters and finite 90-day predictions', () => {
    const report = fitCustomerValue(summarizeTransactions(cdnowSampleTransactions(), calibration), {
      horizonDays: 90,
    });
    for (const [k, v] of Object.entries(PUBLISHED.bgnbd))
      expect(relativeError(report.bgnbd.params[k as keyof typeof PUBLISHED.bgnbd], v), k).toBeLessThan(0.01);
    for (const [k, v] of Object.entries(PUBLISHED.gammaGamma))
      expect(
        relativeError(report.gammaGamma!.params[k as keyof typeof PUBLISHED.gammaGamma], v),
        k,
      ).toBeLessThan(0.01);
    expect(report.predictions).toHaveLength(2357);
    for (const p of report.predictions) {
      expect(p.probabilityAlive).toBeGreaterThanOrEqual(0);
      expect(p.probabilityAlive).toBeLessThanOrEqual(1);
      expect(Number.isFinite(p.expectedPurchases) && p.expectedPurchases >= 0).toBe(true);
      expect(p.expectedValue).toBeCloseTo(p.expectedPurchases * p.expectedAverageValue!, 10);
    }
    // 90 days is 12.86 weeks; the population-level sum is in the ballpark of the holdout's pace
    // (1,959 purchases in the 39 weeks after the calibration period).
    const total = report.predictions.reduce((s, p) => s + p.expectedPurchases, 0);
    expect(total).toBeGreaterThan(400);
    expect(total).toBeLessThan(900);
    expect(report.newCustomer.expectedPurchases).toBeGreaterThan(0);
    expect(report.warnings).toEqual([]);
  });

  it('still predicts purchases when every amount is 0, with value null and the reason in warnings', () => {
    const zero = cdnowSampleTransactions().map((t) => ({ ...t, amount: 0 }));
    const report = fitCustomerValue(summarizeTransactions(zero, calibration), { horizonDays: 90 });
    expect(report.gammaGamma).toBeNull();
    expect(report.warnings[0]).toMatch(
      /Gamma-Gamma needs at least 10 customers with repeat purchases of positive value/,
    );
    expect(
      report.predictions.every((p) => p.expectedValue === null && Number.isFinite(p.expectedPurchases)),
    ).toBe(true);
  });

  it('says so when every transaction is after until', () => {
    const future: Transaction[] = [{ customerId: 'a', date: '2031-01-01', amount: 5 }];
    expect(() =>
      fitCustomerValue(summarizeTransactions(future, { until: '2030-01-01', unit: 'day' }), {
        horizonDays: 90,
      }),
    ).toThrow(/no transactions on or before 2030-01-01 \(1 after it\)/);
  });

  it('refuses one customer and a horizon out of range', () => {
    const one = summarizeTransactions(
      [
        { customerId: 'a', date: '2024-01-01', amount: 5 },
        { customerId: 'a', date: '2024-01-09', amount: 5 },
      ],
      { until: '2024-02-01', unit: 'day' },
    );
    expect(() => fitCustomerValue(one, { horizonDays: 90 })).toThrow(/at least 10 customers \(got 1\)/);
    expect(() => fitCustomerValue(one, { horizonDays: 0 })).toThrow(
      /horizon must be between 1 and 3660 days/,
    );
    expect(() => fitCustomerValue(one, { horizonDays: Number.NaN })).toThrow(/horizon/);
  });
});
