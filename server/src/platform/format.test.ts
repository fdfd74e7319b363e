/** Numbers in text people read: money in its currency from micros, counts and percentages. */
import { describe, expect, it } from 'vitest';
import { currencyDigits, microsDecimal, moneyText, numberText, percentText } from './format.ts';

describe('text formatting', () => {
  it('writes micros as decimals rounded on the integer, half away from zero, to the currency minor unit', () => {
    // (1.005).toFixed(2) is "1.00" and (2.675).toFixed(2) "2.67" in binary floating point.
    expect(microsDecimal(1_005_000, 2)).toBe('1.01');
    expect(microsDecimal(2_675_000, 2)).toBe('2.68');
    expect(microsDecimal(-1_005_000, 2)).toBe('-1.01');
    expect(microsDecimal(5_989_712_400, 2)).toBe('5989.71');
    expect(microsDecimal(7, 2)).toBe('0.00');
    expect(microsDecimal(1_500_000, 0)).toBe('2');
    expect(microsDecimal(38_450_049, 4)).toBe('38.4500');
    expect([
      currencyDigits('USD'),
      currencyDigits('JPY'),
      currencyDigits('BHD'),
      currencyDigits('??'),
    ]).toEqual([2, 0, 3, 2]);
  });

  it('writes money from micros in its currency with separators and two decimals', () => {
    expect(moneyText(1_070_890_000, 'EUR')).toBe('€1,070.89');
    expect(moneyText(20_368_571, 'USD')).toBe('$20.37');
    expect(moneyText(-16_300_000, 'GBP')).toBe('-£16.30');
    expect(moneyText(100_000_000, 'USD')).toBe('$100.00');
  });

  it('falls back to the amount and the code for a code Intl refuses', () => {
    expect(moneyText(1_234_500_000, 'not-a-code')).toBe('1,234.50 not-a-code');
  });

  it('writes counts with separators and percentages with one decimal', () => {
    expect(numberText(13_358, 0)).toBe('13,358');
    expect(numberText(3.019918)).toBe('3.02');
    expect(percentText(-40.964621)).toBe('-41.0%');
  });
});
