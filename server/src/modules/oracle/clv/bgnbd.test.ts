import { describe, expect, it } from 'vitest';
import {
  bgnbdLogLikelihood,
  expectedPurchases,
  expectedPurchasesNewCustomer,
  fitBgNbd,
  probabilityAlive,
} from './bgnbd.ts';
import { cdnowSummary, PUBLISHED, relativeError } from './clv.fixtures.ts';

const pub = PUBLISHED.bgnbd;

describe('BG/NBD on the CDNOW sample', () => {
  const customers = cdnowSummary();

  it('has the published log-likelihood at the published parameters', () => {
    expect(bgnbdLogLikelihood(pub, customers)).toBeCloseTo(PUBLISHED.bgnbdLogLikelihood, 0);
  });

  it('fits parameters within 1% of Fader, Hardie & Lee (2005), in well under a second', () => {
    const started = performance.now();
    const fit = fitBgNbd(customers);
    expect(performance.now() - started).toBeLessThan(3000);
    for (const k of ['r', 'alpha', 'a', 'b'] as const)
      expect(relativeError(fit.params[k], pub[k]), k).toBeLessThan(0.01);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(bgnbdLogLikelihood(pub, customers));
    expect([fit.customers, fit.repeatCustomers]).toEqual([2357, 946]);
  });

  it('gives the expected purchases of Hardie’s spreadsheet (conditional and for a new customer)', () => {
    // Customer 1 over the next 39 weeks: 1.226 in the BG/NBD spreadsheet (and lifetimes' tests).
    expect(expectedPurchases(pub, { frequency: 2, recency: 30.43, T: 38.86 }, 39)).toBeCloseTo(1.226, 3);
    // E[X(t)] from the spreadsheet's unrounded estimates, which a fit reproduces and the rounded
    // published values miss by up to 0.0015.
    const fitted = fitBgNbd(customers).params;
    const times = [0.1429, 1, 3, 31.8571, 32, 78];
    const expected = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576];
    const gaps = times.map((t, i) => Math.abs(expectedPurchasesNewCustomer(fitted, t) - expected[i]!));
    expect(Math.max(...gaps)).toBeLessThan(0.0005);
  });
});

describe('BG/NBD predictions', () => {
  it('P(alive) is 1 without repeat purchases and falls as the last purchase recedes', () => {
    expect(probabilityAlive(pub, { frequency: 0, recency: 0, T: 30 })).toBe(1);
    const recent = probabilityAlive(pub, { frequency: 3, recency: 29, T: 30 });
    const stale = probabilityAlive(pub, { frequency: 3, recency: 5, T: 30 });
    expect(recent).toBeGreaterThan(stale);
    expect(stale).toBeGreaterThan(0);
    expect(recent).toBeLessThan(1);
  });

  it('stays finite for very heavy buyers and long horizons', () => {
    for (const frequency of [200, 2000]) {
      const e = expectedPurchases(pub, { frequency, recency: 38, T: 39 }, 52);
      expect(Number.isFinite(e) && e > 0).toBe(true);
      expect(probabilityAlive(pub, { frequency, recency: 1, T: 39 })).toBeGreaterThanOrEqual(0);
    }
    expect(Number.isFinite(expectedPurchases(pub, { frequency: 1, recency: 1, T: 1 }, 520))).toBe(true);
  });

  it('is continuous through a = 1 and a + b + x = 1, where the textbook formula divides by zero', () => {
    const c = { frequency: 2, recency: 20, T: 30 };
    const at = (a: number, b = 2) => expectedPurchases({ ...pub, a, b }, c, 13);
    expect(at(1)).toBeCloseTo((at(1 - 1e-7) + at(1 + 1e-7)) / 2, 8);
    const fresh = { frequency: 0, recency: 0, T: 5 };
    const nearOne = (b: number) => expectedPurchases({ ...pub, a: 0.5, b }, fresh, 13);
    expect(nearOne(0.5)).toBeCloseTo((nearOne(0.5 - 1e-7) + nearOne(0.5 + 1e-7)) / 2, 8);
  });

  it('grows with the horizon and is 0 for a zero horizon', () => {
    const c = { frequency: 4, recency: 30, T: 38 };
    const values = [0, 1, 13, 52].map((t) => expectedPurchases(pub, c, t));
    expect(values[0]).toBe(0);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThan(values[i - 1]!);
  });
});

describe('BG/NBD on degenerate data', () => {
  const onlyFirstPurchases = Array.from({ length: 50 }, (_, i) => ({ frequency: 0, recency: 0, T: 10 + i }));

  it('refuses customers without repeat purchases with a clear message', () => {
    expect(() => fitBgNbd(onlyFirstPurchases)).toThrow(/none of the 50 customers bought on a second day/);
  });

  it('refuses a single customer', () => {
    expect(() => fitBgNbd([{ frequency: 3, recency: 10, T: 20 }])).toThrow(/at least 10 customers \(got 1\)/);
  });

  it('refuses inconsistent summaries instead of returning NaN', () => {
    const bad = [...onlyFirstPurchases, { frequency: 2, recency: 30, T: 20 }];
    expect(() => fitBgNbd(bad)).toThrow(/customer #51: recency must be between 0 and T/);
    expect(() => fitBgNbd([...onlyFirstPurchases, { frequency: 1.5, recency: 3, T: 20 }])).toThrow(
      /whole number/,
    );
  });

  it('reports unidentified parameters instead of returning a boundary fit', () => {
    // Everyone buys again exactly once right after their first purchase and never again: the
    // drop-out model is driven to a boundary.
    const data = Array.from({ length: 40 }, (_, i) => ({ frequency: 1, recency: 1, T: 30 + i }));
    expect(() => fitBgNbd(data)).toThrow(/do not identify the model/);
  });
});

describe('BG/NBD without evident drop-out', () => {
  // Customers who never stop buying (the NBD: Poisson rates λ ~ Gamma(r = 2, α = 20) per week),
  // watched for 4 to 20 weeks: BG/NBD's drop-out probability runs off to 0 (b → ∞).
  let seed = 7;
  const u = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const gamma2 = () => -Math.log(u()) - Math.log(u()); // Gamma(2, 1)
  const customers = Array.from({ length: 600 }, () => {
    const rate = gamma2() / 20;
    const T = 4 + 16 * u();
    let t = 0;
    let x = 0;
    let last = 0;
    for (;;) {
      t += -Math.log(u()) / rate;
      if (t > T) break;
      x++;
      last = t;
    }
    return { frequency: x, recency: last, T };
  });

  it('is fitted as its limit, the NBD: a and b 0, everyone alive, the posterior mean rate ahead', () => {
    const fit = fitBgNbd(customers);
    expect(fit.noDropout).toBe(true);
    expect([fit.params.a, fit.params.b]).toEqual([0, 0]);
    // The mean purchase rate r/α (0.1 a week) is recovered.
    expect(fit.params.r / fit.params.alpha).toBeGreaterThan(0.08);
    expect(fit.params.r / fit.params.alpha).toBeLessThan(0.12);
    const { r, alpha } = fit.params;
    const c = customers.find((x) => x.frequency === 2)!;
    expect(probabilityAlive(fit.params, c)).toBe(1);
    expect(expectedPurchases(fit.params, c, 13)).toBeCloseTo(((r + 2) / (alpha + c.T)) * 13, 12);
    expect(expectedPurchasesNewCustomer(fit.params, 13)).toBeCloseTo((r / alpha) * 13, 12);
    // The NBD limit fits these data at least as well as any BG/NBD with drop-out.
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(
      bgnbdLogLikelihood({ r, alpha, a: 1, b: 10 }, customers),
    );
    // The exported likelihood knows the limit too (it is the fit's own figure, not NaN), and a BG/NBD
    // with a tiny drop-out chance tends to it.
    expect(bgnbdLogLikelihood(fit.params, customers)).toBeCloseTo(fit.logLikelihood, 9);
    const nearly = bgnbdLogLikelihood({ r, alpha, a: 1e-6, b: 10 }, customers);
    expect(Math.abs(nearly - fit.logLikelihood)).toBeLessThan(1e-3);
  });
});
