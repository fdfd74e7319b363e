import { describe, expect, it } from 'vitest';
import { judge, roundingToleranceMicros } from './actions.reconcile.ts';

const M = 1_000_000;

describe('reading back an interrupted budget write-back', () => {
  it('tolerates half the currency’s smallest unit: cents for USD, yen for JPY, fils for BHD', () => {
    expect(roundingToleranceMicros('USD')).toBe(5_000);
    expect(roundingToleranceMicros('JPY')).toBe(500_000);
    expect(roundingToleranceMicros('BHD')).toBe(500);
    // A malformed or missing currency: half a unit, the widest rounding any currency needs.
    expect(roundingToleranceMicros('EURO')).toBe(500_000);
    expect(roundingToleranceMicros(null)).toBe(500_000);
  });

  it('a budget the platform rounded to the cent is the requested one; 30 cents off is a third value in USD', () => {
    const usd = roundingToleranceMicros('USD');
    expect(judge('dailyBudgetMicros', 12.004 * M, 12 * M, 10 * M, usd)).toBe('target');
    expect(judge('dailyBudgetMicros', 10.003 * M, 12 * M, 10 * M, usd)).toBe('before');
    // Someone else set 12.30 since: not ours, whatever a half-unit tolerance would have said.
    expect(judge('dailyBudgetMicros', 12.3 * M, 12 * M, 10 * M, usd)).toBe('neither');
    expect(judge('dailyBudgetMicros', 12.3 * M, 12 * M, 10 * M, roundingToleranceMicros(null))).toBe(
      'target',
    );
  });

  it('in a zero-decimal currency a budget rounded to the yen still counts; an ambiguous near match does not', () => {
    const jpy = roundingToleranceMicros('JPY');
    expect(judge('dailyBudgetMicros', 1200 * M, 1199.6 * M, 1000 * M, jpy)).toBe('target');
    expect(judge('dailyBudgetMicros', 1000 * M, 1200 * M, 1000.2 * M, jpy)).toBe('before');
    // Requested and earlier values both within rounding of what is shown: cannot tell.
    expect(judge('dailyBudgetMicros', 1000 * M, 1000.3 * M, 999.7 * M, jpy)).toBe('neither');
  });

  it('statuses match exactly', () => {
    expect(judge('status', 'paused', 'paused', 'enabled')).toBe('target');
    expect(judge('status', 'enabled', 'paused', 'enabled')).toBe('before');
    expect(judge('status', 'removed', 'paused', 'enabled')).toBe('neither');
  });
});
