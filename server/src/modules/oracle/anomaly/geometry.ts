/**
 * Window sizes per cadence, in points. Hourly data: level over the last day, scale over the last
 * week, seasonal profile over the last 4 weeks, residual means over 3 and 6 hours. Daily data: level over the last week, scale over
 * 8 weeks, weekday profile over 12 weeks. Chosen from the metrics' natural rhythms, not fitted.
 */
import {
  type Calendar,
  DAY_MS,
  dailyProfile,
  dayIndexOf,
  NO_SEASONALITY,
  type SeasonalProfile,
  subdailyProfile,
} from './seasonal.ts';

export interface Geometry {
  /** Points in the level median. */
  levelWindow: number;
  /** Past residuals whose MAD is the scale. */
  scaleWindow: number;
  /** Points kept for the seasonal profile. */
  historyCap: number;
  /** Points buffered before the transform is chosen and the model starts. */
  warmup: number;
  /** Residuals needed before any point is scored above 0. */
  minResiduals: number;
  /** Residual means tested besides the point itself, in points (hourly: 3 h and 6 h). */
  scales: number[];
  /** Calm points (surprise < incident floor) that close an incident. */
  quiet: number;
  /** The profile is re-estimated whenever this key changes (a new day, or a new week). */
  refreshKey(tMs: number): number;
}

const byWeek = (t: number) => Math.floor(t / (7 * DAY_MS));

export function geometryOf(cal: Calendar): Geometry {
  if (cal.cadence === 'subdaily') {
    const ppd = cal.pointsPerDay;
    return {
      levelWindow: ppd,
      scaleWindow: Math.min(7 * ppd, 2016),
      historyCap: Math.min(28 * ppd, 8064),
      warmup: Math.min(2 * ppd, 576),
      minResiduals: Math.min(ppd, 288),
      scales: [1, Math.max(3, Math.round(ppd / 8)), Math.max(6, Math.round(ppd / 4))],
      quiet: ppd,
      refreshKey: dayIndexOf,
    };
  }
  if (cal.cadence === 'daily')
    return {
      levelWindow: 7,
      scaleWindow: 56,
      historyCap: 84,
      warmup: 14,
      minResiduals: 10,
      scales: [1, 3],
      quiet: 7,
      refreshKey: byWeek,
    };
  return {
    levelWindow: 10,
    scaleWindow: 50,
    historyCap: 50,
    warmup: 10,
    minResiduals: 10,
    scales: [1, 3],
    quiet: 5,
    refreshKey: byWeek,
  };
}

export function refreshProfile(cal: Calendar, ys: number[], ts: number[]): SeasonalProfile {
  if (cal.cadence === 'subdaily') return subdailyProfile(ys, ts, cal.pointsPerDay);
  if (cal.cadence === 'daily') return dailyProfile(ys, ts);
  return NO_SEASONALITY;
}
