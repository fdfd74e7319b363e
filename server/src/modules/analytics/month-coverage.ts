/**
 * How much of a calendar month has data: the first and last day with a metrics row against the
 * month's days. A month cut short by the retention purge, by when a connection's history starts or
 * because it is still running compares unfairly with a full one; reports say so instead of showing
 * the month-over-month change as if both months were complete.
 */
import { daysInclusive } from './periods.ts';

export interface MonthCoverage {
  month: string;
  /** The month's number of days. */
  days: number;
  /** First and last day with data in the month, null when it has none. */
  firstDay: string | null;
  lastDay: string | null;
  /** Days from the first to the last day with data (0 without data). */
  daysWithData: number;
  /** Data starts after the 1st or ends before the month's last day. */
  partial: boolean;
}

export function monthBoundsOf(month: string): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
}

/** The calendar month before `month` (YYYY-MM). */
export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** `dataDays`: the days (YYYY-MM-DD) with data, in any order; only those of `month` count. */
export function monthCoverage(month: string, dataDays: Iterable<string>): MonthCoverage {
  const { from, to } = monthBoundsOf(month);
  let firstDay: string | null = null;
  let lastDay: string | null = null;
  for (const d of dataDays) {
    if (d < from || d > to) continue;
    if (firstDay === null || d < firstDay) firstDay = d;
    if (lastDay === null || d > lastDay) lastDay = d;
  }
  const days = daysInclusive(from, to);
  const daysWithData = firstDay && lastDay ? daysInclusive(firstDay, lastDay) : 0;
  return {
    month,
    days,
    firstDay,
    lastDay,
    daysWithData,
    partial: firstDay !== null && (firstDay > from || (lastDay as string) < to),
  };
}

/** "previous month incomplete: 3 of 30 days (2026-09-28 to 2026-09-30)". */
export function coverageNote(label: 'month' | 'previous month', c: MonthCoverage): string {
  return `${label} incomplete: ${c.daysWithData} of ${c.days} days (${c.firstDay} to ${c.lastDay})`;
}
