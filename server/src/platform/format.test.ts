/** Numbers in text people read: money in its currency from micros, counts and percentages. */
import { describe, expect, it } from 'vitest';
import { moneyText, numberText, percentText } from './format.ts';

describe('text formatting', () => {
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
