/**
 * Cadence and seasonal profile of a series, estimated only from the past the detector has seen.
 * Sub-daily data (hourly, 5-minute…) gets an hour-of-day profile plus a day-of-week offset; daily
 * data gets a day-of-week profile. A component is used only when, judged out of sample, it removes
 * at least 10% of the mean absolute deviation of what it explains, so a series without that rhythm
 * is not given one.
 */
import { medianOf } from './robust.ts';

export const DAY_MS = 86_400_000;

export type Cadence = 'subdaily' | 'daily' | 'none';

export interface Calendar {
  cadence: Cadence;
  /** Expected points per day (24 for hourly, 1 for daily, 0 without a daily rhythm). */
  pointsPerDay: number;
}

/** From the median spacing of the first timestamps: ≤ 3 h sub-daily, 20–30 h daily, else none. */
export function inferCalendar(timesMs: readonly number[]): Calendar {
  const gaps: number[] = [];
  for (let i = 1; i < timesMs.length; i++) {
    const g = timesMs[i]! - timesMs[i - 1]!;
    if (g > 0) gaps.push(g);
  }
  if (gaps.length === 0) return { cadence: 'none', pointsPerDay: 0 };
  const step = medianOf(gaps);
  if (step <= 3 * 3_600_000)
    return { cadence: 'subdaily', pointsPerDay: Math.min(1440, Math.max(1, Math.round(DAY_MS / step))) };
  if (step >= 20 * 3_600_000 && step <= 30 * 3_600_000) return { cadence: 'daily', pointsPerDay: 1 };
  return { cadence: 'none', pointsPerDay: 0 };
}

export const hourOf = (tMs: number) => new Date(tMs).getUTCHours();
export const weekdayOf = (tMs: number) => new Date(tMs).getUTCDay();
export const dayIndexOf = (tMs: number) => Math.floor(tMs / DAY_MS);

/** Additive seasonal effects in the detector's (transformed) space. */
export interface SeasonalProfile {
  hour: Float64Array | null;
  weekday: Float64Array | null;
}

export const NO_SEASONALITY: SeasonalProfile = { hour: null, weekday: null };

export function seasonalAt(p: SeasonalProfile, tMs: number): number {
  let s = 0;
  if (p.hour) s += p.hour[hourOf(tMs)]!;
  if (p.weekday) s += p.weekday[weekdayOf(tMs)]!;
  return s;
}

/**
 * Least samples per slot before a slot's effect is estimated (otherwise it stays 0): 3 single
 * points, or 2 day medians (each already the median of a whole day, so much steadier).
 */
const MIN_PER_SLOT = 3;
const MIN_DAYS_PER_WEEKDAY = 2;
/** A component must shrink the spread of what it explains to below this fraction to be used. */
const STRENGTH = 0.9;

/**
 * Median effect per slot of `dev`, or null when too thin or too weak to be worth using. Strength
 * is judged out of sample: each value against the median of the *other* values of its slot, since
 * fitting a slot to its own two or three values shrinks the spread even when there is no rhythm.
 */
function slotEffects(dev: number[], slots: number[], nSlots: number, minPerSlot = MIN_PER_SLOT) {
  const bySlot: number[][] = Array.from({ length: nSlots }, () => []);
  for (let i = 0; i < dev.length; i++) bySlot[slots[i]!]!.push(dev[i]!);
  const eff = new Float64Array(nSlots);
  const heldOut: number[] = [];
  let covered = 0;
  for (let s = 0; s < nSlots; s++) {
    const values = bySlot[s]!;
    if (values.length < minPerSlot) {
      heldOut.push(...values); // no effect estimated: the value stands as it is
      continue;
    }
    eff[s] = medianOf(values);
    covered++;
    const sorted = Float64Array.from(values).sort();
    for (const v of values) heldOut.push(v - medianWithout(sorted, v));
  }
  if (covered < Math.ceil(nSlots / 2)) return null;
  const before = meanAbsDeviation(dev, medianOf(dev));
  const after = meanAbsDeviation(heldOut, 0);
  return after < STRENGTH * before ? eff : null;
}

/** Median of ascending `sorted` once one element equal to `v` is taken out (O(log n)). */
function medianWithout(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  // Index j of the remaining values is j in `sorted` before the removed slot, j + 1 from it on.
  const n = sorted.length - 1;
  const hiIdx = n >> 1;
  const hiVal = sorted[hiIdx < lo ? hiIdx : hiIdx + 1]!;
  if (n % 2 === 1) return hiVal;
  const loIdx = hiIdx - 1;
  return (sorted[loIdx < lo ? loIdx : loIdx + 1]! + hiVal) / 2;
}

/**
 * Mean (not median) absolute deviation: an effect confined to a minority of slots — weekends are
 * 2 days in 7 — moves the mean but not the median of the deviations.
 */
function meanAbsDeviation(values: readonly number[], center: number): number {
  let sum = 0;
  for (const v of values) sum += Math.abs(v - center);
  return values.length > 0 ? sum / values.length : 0;
}

/** Median of each UTC day's values (days with at least half their expected points). */
function dayMedians(ys: readonly number[], ts: readonly number[], pointsPerDay: number) {
  const byDay = new Map<number, number[]>();
  for (let i = 0; i < ys.length; i++) {
    const d = dayIndexOf(ts[i]!);
    const list = byDay.get(d);
    if (list) list.push(ys[i]!);
    else byDay.set(d, [ys[i]!]);
  }
  const out = new Map<number, number>();
  for (const [d, list] of byDay) if (list.length >= pointsPerDay / 2) out.set(d, medianOf(list));
  return out;
}

/**
 * Deviation of each entry from the median of the entries within ±3 days (a centred weekly level).
 * `days` must be ascending (both callers pass time order), so the window slides.
 */
function weeklyDeviations(days: readonly number[], values: readonly number[]) {
  const out = new Array<number>(values.length);
  const buf = new Float64Array(values.length);
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < values.length; i++) {
    while (days[lo]! < days[i]! - 3) lo++;
    while (hi < values.length && days[hi]! <= days[i]! + 3) hi++;
    for (let j = lo; j < hi; j++) buf[j - lo] = values[j]!;
    out[i] = values[i]! - medianOf(buf, hi - lo, buf);
  }
  return out;
}

/** Profile of sub-daily data: hour-of-day effects around each day's median, then weekday offsets. */
export function subdailyProfile(ys: readonly number[], ts: readonly number[], pointsPerDay: number) {
  const medians = dayMedians(ys, ts, pointsPerDay);
  const dev: number[] = [];
  const hours: number[] = [];
  for (let i = 0; i < ys.length; i++) {
    const m = medians.get(dayIndexOf(ts[i]!));
    if (m === undefined) continue;
    dev.push(ys[i]! - m);
    hours.push(hourOf(ts[i]!));
  }
  const hour = dev.length > 0 ? slotEffects(dev, hours, 24) : null;
  const days = [...medians.keys()].sort((a, b) => a - b);
  const dayDev = weeklyDeviations(
    days,
    days.map((d) => medians.get(d)!),
  );
  const weekday =
    days.length >= 7 * MIN_DAYS_PER_WEEKDAY
      ? slotEffects(dayDev, days.map(weekdayOfDay), 7, MIN_DAYS_PER_WEEKDAY)
      : null;
  return { hour, weekday } satisfies SeasonalProfile;
}

/** Profile of daily data: weekday effects around a centred weekly median. */
export function dailyProfile(ys: readonly number[], ts: readonly number[]): SeasonalProfile {
  if (ys.length < 7 * MIN_PER_SLOT) return NO_SEASONALITY;
  const days = ts.map(dayIndexOf);
  const dev = weeklyDeviations(days, ys);
  return { hour: null, weekday: slotEffects(dev, ts.map(weekdayOf), 7) };
}

const weekdayOfDay = (dayIndex: number) => weekdayOf(dayIndex * DAY_MS);
