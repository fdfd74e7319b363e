import { describe, expect, it } from 'vitest';
import { createConverter, type FxRate } from './fx.convert.ts';

const rate = (
  date: string,
  base: string,
  quote: string,
  r: number,
  source: FxRate['source'] = 'install',
): FxRate => ({
  date,
  base,
  quote,
  rate: r,
  source,
});

describe('FX conversion', () => {
  it('uses the latest rate on or before the day, and nothing before the first rate', () => {
    const { convert } = createConverter(
      [rate('2024-01-05', 'EUR', 'USD', 1.1), rate('2024-01-08', 'EUR', 'USD', 1.2)],
      'USD',
    );
    expect(convert('EUR', '2024-01-04')).toBeNull();
    expect(convert('EUR', '2024-01-05')?.factor).toBe(1.1);
    expect(convert('EUR', '2024-01-07')?.factor).toBe(1.1);
    expect(convert('EUR', '2024-01-08')?.factor).toBe(1.2);
    expect(convert('EUR', '2030-01-01')?.rateDate).toBe('2024-01-08');
    expect(convert('USD', '2020-01-01')).toEqual({ factor: 1, used: [], rateDate: '2020-01-01' });
  });

  it('inverts a rate quoted the other way round', () => {
    const { convert } = createConverter([rate('2024-01-01', 'USD', 'EUR', 0.8)], 'USD');
    expect(convert('EUR', '2024-01-02')?.factor).toBeCloseTo(1.25, 12);
  });

  it('crosses through a pivot both currencies are quoted against, as ECB rates are', () => {
    const { convert } = createConverter(
      [rate('2024-01-01', 'EUR', 'USD', 1.25), rate('2024-01-01', 'EUR', 'GBP', 0.625)],
      'USD',
    );
    const c = convert('GBP', '2024-01-03');
    expect(c?.factor).toBeCloseTo(2, 12);
    expect(c?.used.map((u) => `${u.base}/${u.quote}`)).toEqual(['EUR/GBP', 'EUR/USD']);
  });

  it("prefers the organization's rate to the install's for the same pair and day", () => {
    const { convert } = createConverter(
      [
        rate('2024-01-01', 'EUR', 'USD', 1.1, 'organization'),
        rate('2024-01-01', 'EUR', 'USD', 1.3, 'install'),
      ],
      'USD',
    );
    expect(convert('EUR', '2024-01-01')?.used).toEqual([
      rate('2024-01-01', 'EUR', 'USD', 1.1, 'organization'),
    ]);
  });

  it('takes a fresher pivot over a stale direct rate', () => {
    const { convert } = createConverter(
      [
        rate('2023-01-01', 'GBP', 'USD', 1.5),
        rate('2024-01-01', 'EUR', 'USD', 1.25),
        rate('2024-01-01', 'EUR', 'GBP', 0.625),
      ],
      'USD',
    );
    expect(convert('GBP', '2024-01-02')?.factor).toBeCloseTo(2, 12);
    expect(convert('GBP', '2023-06-01')?.factor).toBe(1.5);
  });
});
