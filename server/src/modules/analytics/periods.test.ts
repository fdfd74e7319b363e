import { describe, expect, it } from 'vitest';
import { addDays, daysInclusive, isIsoDate, isoWeekStart, monthOf, previousPeriod } from './periods.ts';

describe('calendar days', () => {
  it('accepts only real days written YYYY-MM-DD', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('2024-13-01')).toBe(false);
    expect(isIsoDate('2024-1-01')).toBe(false);
    expect(isIsoDate('2024-01-01T00:00:00Z')).toBe(false);
  });

  it('labels a week by its ISO Monday, across month and year ends', () => {
    expect(isoWeekStart('2024-01-22')).toBe('2024-01-22'); // a Monday
    expect(isoWeekStart('2024-01-28')).toBe('2024-01-22'); // its Sunday
    expect(isoWeekStart('2024-02-04')).toBe('2024-01-29');
    expect(isoWeekStart('2025-01-01')).toBe('2024-12-30');
    expect(monthOf('2024-02-04')).toBe('2024-02');
  });

  it('counts days inclusively and finds the same-length window just before', () => {
    expect(daysInclusive('2024-01-01', '2024-01-01')).toBe(1);
    expect(daysInclusive('2024-02-01', '2024-03-01')).toBe(30);
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(previousPeriod('2024-01-22', '2024-02-04')).toEqual({ from: '2024-01-08', to: '2024-01-21' });
    expect(previousPeriod('2024-03-01', '2024-03-01')).toEqual({ from: '2024-02-29', to: '2024-02-29' });
  });
});
