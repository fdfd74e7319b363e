import { describe, expect, it } from 'vitest';
import { cdnowSummary, PUBLISHED, relativeError } from './clv.fixtures.ts';
import { expectedAverageValue, fitGammaGamma, gammaGammaLogLikelihood } from './gamma-gamma.ts';

const pub = PUBLISHED.gammaGamma;

describe('Gamma-Gamma on the CDNOW sample', () => {
  const customers = cdnowSummary();

  it('fits p, q, γ within 1% of Fader, Hardie & Lee (2005) on the 946 repeat buyers’ mean spend', () => {
    const started = performance.now();
    const fit = fitGammaGamma(customers);
    expect(performance.now() - started).toBeLessThan(3000);
    for (const k of ['p', 'q', 'gamma'] as const)
      expect(relativeError(fit.params[k], pub[k]), k).toBeLessThan(0.01);
    expect(fit.customers).toBe(946);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(gammaGammaLogLikelihood(pub, customers));
  });

  it('gives the conditional expected average values of Hardie’s spreadsheet', () => {
    // lifetimes' test values, from http://brucehardie.com/notes/025/ (first 10 customers).
    const expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17];
    customers.slice(0, 10).forEach((c, i) => {
      expect(Math.abs(expectedAverageValue(pub, c)! - expected[i]!)).toBeLessThan(0.1);
    });
  });
});

describe('Gamma-Gamma on degenerate data', () => {
  const spenders = (values: number[]) => values.map((v, i) => ({ frequency: 1 + (i % 4), monetaryValue: v }));

  it('refuses data with no repeat purchases of positive value, saying how many were worth 0', () => {
    expect(() => fitGammaGamma(spenders(Array(30).fill(0)))).toThrow(
      /got 0: 30 repeat customers, 30 of them/,
    );
    expect(() => fitGammaGamma([{ frequency: 0, monetaryValue: 0 }])).toThrow(/at least 10 customers/);
  });

  it('leaves repeat customers whose purchases were worth 0 out of the fit and counts them', () => {
    const values = cdnowSummary()
      .slice(0, 400)
      .filter((c) => c.frequency > 0);
    const fit = fitGammaGamma([...values, { frequency: 2, monetaryValue: 0 }]);
    expect(fit.zeroValueCustomers).toBe(1);
    expect(fit.customers).toBe(values.length);
    expect(Object.values(fit.params).every(Number.isFinite)).toBe(true);
  });

  it('reports an unidentified model when every customer spends the same', () => {
    expect(() => fitGammaGamma(spenders(Array(30).fill(25)))).toThrow(/do not identify the model/);
  });

  it('has no expected value for a new customer when the spend distribution has no finite mean', () => {
    expect(expectedAverageValue({ p: 2, q: 0.8, gamma: 10 }, { frequency: 0, monetaryValue: 0 })).toBeNull();
    expect(
      expectedAverageValue({ p: 2, q: 0.8, gamma: 10 }, { frequency: 1, monetaryValue: 30 }),
    ).toBeCloseTo((2 * (10 + 30)) / 1.8, 10);
  });
});
