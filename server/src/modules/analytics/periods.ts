/**
 * Calendar arithmetic on `YYYY-MM-DD` days. Metric days are the ad account's own calendar days as
 * the platform reports them, so they are handled as plain dates (UTC arithmetic, no time zones).
 */

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar day written `YYYY-MM-DD` (2024-02-30 is not one). */
export function isIsoDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const toMs = (day: string) => Date.parse(`${day}T00:00:00Z`);
const fromMs = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export const addDays = (day: string, n: number): string => fromMs(toMs(day) + n * DAY_MS);

/** Days from `from` to `to`, both included (1 when they are the same day). */
export const daysInclusive = (from: string, to: string): number =>
  Math.round((toMs(to) - toMs(from)) / DAY_MS) + 1;

/** The Monday of the ISO week holding `day`: weeks are labelled by the date they start. */
export function isoWeekStart(day: string): string {
  const ms = toMs(day);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return fromMs(ms - weekday * DAY_MS);
}

export const monthOf = (day: string): string => day.slice(0, 7);

/** The window of the same length that ends the day before `from`. */
export function previousPeriod(from: string, to: string): { from: string; to: string } {
  const n = daysInclusive(from, to);
  return { from: addDays(from, -n), to: addDays(from, -1) };
}
