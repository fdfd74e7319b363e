/**
 * Per-ad fatigue features as of a date, from the ad's own history only: age, delivery volume,
 * frequency (where the platform reports reach), click-through and conversion decay against the
 * ad's own early baseline, the recent CTR slope, and an audience-saturation proxy.
 * Every value is finite for any input (no rows, one day, all zeros).
 */

/** One delivered day of one ad (a subset of the connectors' DailyMetricRecord). */
export interface AdDay {
  date: string;
  impressions: number;
  clicks: number;
  conversions: number;
  reach?: number | null;
}

export interface AdHistory {
  adId: string;
  /** google_ads | meta | linkedin | … (free text; only used for the flags below). */
  platform?: string | null;
  /** True for search ads (wear out with age rather than frequency); unknown = false. */
  search?: boolean;
  /** The platform's creation date of the ad (YYYY-MM-DD or ISO); falls back to the first row. */
  launchDate?: string | null;
  days: AdDay[];
}

export interface FatigueFeatures {
  /** Calendar days from launch to asOf (inclusive of asOf). */
  ageDays: number;
  deliveredDays: number;
  /** Delivered days in the last 7 calendar days up to asOf. */
  recentDeliveredDays: number;
  cumImpressions: number;
  /** Mean impressions of the last 7 delivered days. */
  recentDailyImpressions: number;
  /** cumImpressions / recentDailyImpressions: how many "days' worth" of audience the ad has used. */
  impressionDays: number;
  /** Cumulative impressions / estimated audience (reach-reporting platforms), else null. */
  cumulativeFrequency: number | null;
  /** ln(recent CTR / baseline CTR), shrunk toward 0 when clicks are few; ≤ 0 means decay. */
  ctrLogRatio: number;
  /** Standard error of ctrLogRatio from the click counts (Poisson): how much the ad's own evidence weighs. */
  ctrLogRatioSe: number;
  /** ln(recent CVR / baseline CVR), shrunk; recent conversions may still be restated upward. */
  cvrLogRatio: number;
  /** Slope of ln CTR per day over the last 14 delivered days (impression-weighted). */
  ctrSlope: number;
  /** Standard error of ctrSlope from the daily click counts (Poisson); 1 when there is no slope. */
  ctrSlopeSe: number;
  /** Daily frequency (impressions/reach) of the last 7 days over the first 7; 1 when unknown. */
  saturationRatio: number;
  baselineCtr: number;
  recentCtr: number;
  search: boolean;
  hasReach: boolean;
}

export const BASELINE_DAYS = 7;
export const RECENT_DAYS = 7;
/** Pseudo-clicks of shrinkage toward "no change" in the CTR/CVR ratios. */
const PRIOR_CLICKS = 20;
const PRIOR_CONVERSIONS = 5;

const DAY_MS = 86_400_000;
const dayNumber = (date: string) => Math.floor(Date.parse(`${date.slice(0, 10)}T00:00:00.000Z`) / DAY_MS);
const finite = (x: number, fallback = 0) => (Number.isFinite(x) ? x : fallback);
const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0);

/** Audience A such that reach = A·(1 − e^(−imp/A)); null when it cannot be solved. */
export function audienceFromReach(impressions: number, reach: number): number | null {
  if (!(impressions > 0) || !(reach > 0) || reach > impressions) return null;
  const ratio = reach / impressions; // = (1 − e^(−x)) / x with x = imp / A, decreasing in x
  if (ratio >= 0.999999) return null; // x ≈ 0: audience too large to tell
  let lo = 1e-9;
  let hi = 50;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if ((1 - Math.exp(-mid)) / mid > ratio) lo = mid;
    else hi = mid;
  }
  return impressions / ((lo + hi) / 2);
}

/** Shrunk log ratio of two rates: (num+prior·r0)/(den+prior) over the baseline rate r0. */
function shrunkLogRatio(
  recentNum: number,
  recentDen: number,
  baseNum: number,
  baseDen: number,
  prior: number,
) {
  if (!(baseDen > 0) || !(recentDen > 0) || !(baseNum > 0)) return 0;
  const base = baseNum / baseDen;
  const priorDen = prior / base;
  const recent = (recentNum + prior) / (recentDen + priorDen);
  // The baseline is uncertain too: shrink it the same way toward itself (no-op) but floor the counts.
  return finite(Math.log(recent / base));
}

export function computeFeatures(history: AdHistory, asOf: string): FatigueFeatures {
  const end = dayNumber(asOf);
  const rows = (history.days ?? [])
    .filter(
      (d) =>
        d && typeof d.date === 'string' && Number.isFinite(dayNumber(d.date)) && dayNumber(d.date) <= end,
    )
    .map((d) => ({
      day: dayNumber(d.date),
      imp: num(d.impressions),
      clicks: Math.min(num(d.clicks), num(d.impressions)),
      conv: num(d.conversions),
      reach: d.reach == null ? null : num(d.reach),
    }))
    .filter((d) => d.imp > 0)
    .sort((a, b) => a.day - b.day);

  const launch = history.launchDate ? dayNumber(history.launchDate) : Number.NaN;
  const first = rows.length ? rows[0]!.day : end;
  const start = Number.isFinite(launch) ? Math.min(launch, first) : first;
  const ageDays = Math.max(0, end - start + 1);

  const base = rows.slice(0, BASELINE_DAYS);
  const recent = rows.slice(-RECENT_DAYS);
  const sum = (xs: typeof rows, f: (r: (typeof rows)[number]) => number) => xs.reduce((s, r) => s + f(r), 0);
  const cumImpressions = sum(rows, (r) => r.imp);
  const recentDailyImpressions = recent.length ? sum(recent, (r) => r.imp) / recent.length : 0;
  const impressionDays = recentDailyImpressions > 0 ? cumImpressions / recentDailyImpressions : 0;

  // Baseline and recent windows overlap for young ads: the ratio then says "no evidence of decay".
  const bImp = sum(base, (r) => r.imp);
  const bClk = sum(base, (r) => r.clicks);
  const rImp = sum(recent, (r) => r.imp);
  const rClk = sum(recent, (r) => r.clicks);
  const overlap = rows.length <= BASELINE_DAYS;
  const ctrLogRatio = overlap ? 0 : shrunkLogRatio(rClk, rImp, bClk, bImp, PRIOR_CLICKS);
  const cvrLogRatio = overlap
    ? 0
    : shrunkLogRatio(
        sum(recent, (r) => r.conv),
        rClk,
        sum(base, (r) => r.conv),
        bClk,
        PRIOR_CONVERSIONS,
      );

  // Impression-weighted least squares of ln CTR on day over the last 14 delivered days.
  const tail = rows.slice(-14);
  let ctrSlope = 0;
  let ctrSlopeSe = 1;
  let dailyLogCtrVariance = 0;
  if (tail.length >= 4) {
    const pts = tail.map((r) => ({ x: r.day, y: Math.log((r.clicks + 0.5) / (r.imp + 1)), w: r.imp }));
    const W = pts.reduce((s, p) => s + p.w, 0);
    const mx = pts.reduce((s, p) => s + p.w * p.x, 0) / W;
    const my = pts.reduce((s, p) => s + p.w * p.y, 0) / W;
    const sxx = pts.reduce((s, p) => s + p.w * (p.x - mx) ** 2, 0);
    const sxy = pts.reduce((s, p) => s + p.w * (p.x - mx) * (p.y - my), 0);
    ctrSlope = sxx > 0 ? finite(sxy / sxx) : 0;
    ctrSlope = Math.max(-0.5, Math.min(0.5, ctrSlope));
    // Var(slope) = Σ w²(x − x̄)² Var(ln CTR of the day) / Sxx². Daily CTRs vary more than the clicks'
    // Poisson 1 / clicks (auction, weekdays, rotation), so each day's variance is the larger of that
    // and its squared residual (a sandwich estimate, robust to the extra variation).
    const b = sxx > 0 ? sxy / sxx : 0;
    let v = 0;
    let resid = 0;
    tail.forEach((r, i) => {
      const p = pts[i]!;
      const e2 = (p.y - my - b * (p.x - mx)) ** 2;
      v += p.w ** 2 * (p.x - mx) ** 2 * Math.max(1 / (r.clicks + 0.5), e2);
      resid += p.w * e2;
    });
    ctrSlopeSe = sxx > 0 ? finite(Math.sqrt(v) / sxx, 1) : 1;
    dailyLogCtrVariance = finite(resid / W, 0);
  }

  // Error of ln(recent/baseline) CTR: Poisson (the recent side counting its pseudo-clicks), plus the
  // day-to-day variation beyond it seen around the recent trend, for each 7-day mean. Large when
  // clicks are few; 1 when the windows overlap (no evidence either way).
  const ctrLogRatioSe = overlap
    ? 1
    : finite(
        Math.sqrt(
          1 / (rClk + PRIOR_CLICKS) +
            1 / Math.max(1, bClk) +
            (2 * dailyLogCtrVariance) / Math.max(1, Math.min(recent.length, base.length)),
        ),
        1,
      );

  // Reach: audience estimates per day (median), cumulative frequency, and daily-frequency growth.
  const withReach = rows.filter((r) => r.reach !== null && r.reach > 0);
  const hasReach = withReach.length > 0;
  let cumulativeFrequency: number | null = null;
  let saturationRatio = 1;
  if (hasReach) {
    const audiences = withReach
      .slice(-14)
      .map((r) => audienceFromReach(r.imp, r.reach!))
      .filter((a): a is number => a !== null)
      .sort((a, b) => a - b);
    if (audiences.length)
      cumulativeFrequency = finite(cumImpressions / audiences[Math.floor(audiences.length / 2)]!);
    const freq = (xs: typeof rows) => {
      const reach = sum(xs, (r) => r.reach ?? 0);
      return reach > 0 ? sum(xs, (r) => r.imp) / reach : 1;
    };
    const early = withReach.slice(0, BASELINE_DAYS);
    const late = withReach.slice(-RECENT_DAYS);
    saturationRatio = withReach.length > BASELINE_DAYS ? finite(freq(late) / freq(early), 1) : 1;
  }

  return {
    ageDays,
    deliveredDays: rows.length,
    recentDeliveredDays: rows.filter((r) => r.day > end - 7).length,
    cumImpressions,
    recentDailyImpressions,
    impressionDays: finite(impressionDays),
    cumulativeFrequency,
    ctrLogRatio,
    ctrLogRatioSe,
    cvrLogRatio,
    ctrSlope,
    ctrSlopeSe,
    saturationRatio,
    baselineCtr: bImp > 0 ? bClk / bImp : 0,
    recentCtr: rImp > 0 ? rClk / rImp : 0,
    search: history.search === true,
    hasReach,
  };
}
