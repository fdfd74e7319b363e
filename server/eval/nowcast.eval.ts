/**
 * Late-conversion nowcast on the simulator's restatement ground truth.
 *
 *   cd server && node --import tsx eval/nowcast.eval.ts [--quick] [--json] [--dev [--dense]]
 *     [--dev --seeds a,b,c --dates 2026-01-04,…]   (fresh development seeds / dates for a diagnosis)
 *
 * The simulator records each conversion `lag` days after its click day (per-account delay
 * distribution) and reports a day's conversions "as of" any later day, so it knows what a daily sync
 * would have stored at every age and what the day finally settles at. Protocol, per seed, account
 * and as-of day E (held-out seeds and dates fixed before the first run of version 1):
 * 1. History: the account synced once a day at the end of each day. For every day d in the 180 days
 *    to E, its ads' values at ages 0..min(27, E−d) become revisions exactly as the sync stores them
 *    (a revision at age k keeps the value held before the age-k sync), first seen at age 0; the
 *    day's spend and reported total as of E form the series the product reads.
 * 2. Curve: `completionCurve` (the product's, nowcast/completion.ts) on that history; prediction:
 *    `predictFinals` (the product's, nowcast/predict.ts) on the curve and the series.
 * 3. Scored days: d in [E−13, E], age a = E − d; reported = the value as of E; truth = the value as
 *    of E + 28 (final: lags are at most 14 days). Scored: the mean (`expectedConversions`), the
 *    median (`likelyConversions`) and the 80% and 95% bands. Baseline: "reported so far" (what rules
 *    would act on otherwise).
 * 4. Figures pooled over account-days with a final above 0, per age bucket and overall: coverage of
 *    each band; the model's own probability of its bands (a band of whole counts holds at least its
 *    nominal share, far more when nearly nothing is left to come, so raw coverage of a calibrated
 *    model sits above nominal); the calibration proper, "PIT": the mean share of the truth's
 *    probability interval [P(final < truth), P(final ≤ truth)] that falls in [0.1, 0.9] (resp.
 *    [0.025, 0.975]), which is 80% (95%) for a calibrated model whatever the counts; weighted
 *    absolute percentage error Σ|estimate − final| ÷ Σ final and bias Σ(estimate − final) ÷ Σ final;
 *    and the same errors for the last 7 days summed per account and as-of day (the window a rule
 *    reads: means summed; medians summed shown for contrast).
 * Development seeds (`--dev`: ncdev1–3 at other dates) are where settings were chosen (the
 * reference window of 42 days was compared with 28 and 56 there: no material difference; a
 * "nearest-mass" band was tried and dropped there); the held-out seeds were run once for version 2.
 * Version 2 on held-out seeds (3 seeds × 9 accounts × 3 dates): 80% PIT coverage 71.5% on the day
 * itself (too narrow), 81.4% / 78.5% / 79.8% at ages 1–3 / 4–7 / 8–13, 95% PIT 93.8–95.5%; per-day
 * WAPE of the median 30.9% / 11.8% / 2.9% / 0.4% against 49.3% / 13.2% / 3.2% / 0.4% reported; of
 * the mean 29.9% / 14.0% / 4.2% / 0.6% (a mean adds a fraction of a conversion to days that mostly
 * settle where they are: worse than the raw count day by day from age 1, unbiased over a window);
 * 7-day totals 6.6% (bias +0.5%) against 14.0% (−14.0%) reported. Version 1 (reported ÷ fraction):
 * 80% coverage 65% on the day itself, 88–99% later; per-day WAPE 45.8% / 17.2% / 4.5% / 0.6%; 7-day
 * totals 8.4% (+0.7%).
 * Version 3 (diagnosed and chosen on development seeds only, `--dev --dense`: the 3 dev seeds at 40
 * as-of days 3 days apart, 994 same-day account-days): on ordinary days the same-day 80% band was
 * already calibrated on dev (PIT 82.5%, 954 days); it failed on days where the simulator's spend
 * spike was in force (PIT 36%, mean +55%: the prior took conversions proportional to spend, the
 * simulator's response saturates and costs rise) and, less, under a cost surge (56%) or CTR collapse
 * (75%): a shift of the rate per spend the 42-day average does not see. Version 3 averages the prior
 * over spend elasticities (nowcast/predict.ts): spend-spike same days PIT 36% → 59% (mean +55% →
 * +32%), ordinary days 82.5% → 82.2%; the rate-shift cases are not addressed (cost surge 56% → 49%).
 * Same-day band on held-out (version 3: PIT 72.4% on 81 account-days, all three held-out dates
 * Sundays): diagnosed 2026-11-27 on six fresh development seeds (`--dev --seeds ncfresh1,…,ncfresh6
 * --dates 2026-05-03,2026-07-12,2026-09-20`, never used before) at the held-out dates: same-day 80%
 * PIT 81.0% (136 account-days), 95% PIT 96.0%. So neither the dates nor the weekday explain the
 * held-out shortfall; 81 account-days sharing 3 seeds and 3 dates give a standard error of about
 * 4.5 points before their correlation, so it is within what a calibrated band can show there. No
 * setting was changed.
 * Value: each conversion gets its own value (VALUE_SHAPE below) and the value nowcast is scored as
 * the product runs it (its own curve, unit μ(1 + c²) from nowcast/value.ts) against the version-2
 * unit μ. Version-2 held-out figures above; version 3 held-out: in the oracle README.
 * What is not covered: the database path (sync runs, observed_at, the 10-revision threshold) is
 * tested in oracle.nowcast.test.ts; here the pure estimator sees ideal daily syncs, so the partial
 * spend of a day synced during the day itself (its age 0 in the product) is not exercised. Order
 * values are drawn by this eval, not by the simulator (its value is conversions × a constant).
 */
import { pathToFileURL } from 'node:url';
import { isIsoDate } from '../src/modules/analytics/periods.ts';
import { parseSimulatorConfig } from '../src/modules/connectors/simulator/config.ts';
import { createEngine } from '../src/modules/connectors/simulator/engine.ts';
import { gammaNoise, streamFor } from '../src/modules/connectors/simulator/random.ts';
import { reportedConversions } from '../src/modules/connectors/simulator/reports.ts';
import {
  completionCurve,
  type DayObservation,
  SETTLED_AGE,
} from '../src/modules/oracle/nowcast/completion.ts';
import { type DayPrediction, predictFinals, type SeriesDay } from '../src/modules/oracle/nowcast/predict.ts';
import { type ValueRow, valueUnit } from '../src/modules/oracle/nowcast/value.ts';

/** Held-out: run once per version of the model, never to choose a setting. */
export const NOWCAST_SEEDS = ['nc201', 'nc202', 'nc203'];
export const NOWCAST_DATES = ['2026-05-03', '2026-07-12', '2026-09-20'];
/** Development: where settings of the model were chosen (`--dev`). */
export const NOWCAST_DEV_SEEDS = ['ncdev1', 'ncdev2', 'ncdev3'];
export const NOWCAST_DEV_DATES = ['2026-04-05', '2026-06-14', '2026-08-23'];
/**
 * Dense development dates (`--dev --dense`): 40 as-of days 3 days apart, every weekday, so that the
 * same-day band is judged on about a thousand account-days instead of 81 (±1.3 points, not ±4.5).
 */
export const NOWCAST_DENSE_DATES = Array.from({ length: 40 }, (_, i) =>
  new Date(Date.parse('2026-01-10T00:00:00Z') + i * 3 * 86_400_000).toISOString().slice(0, 10),
);
/**
 * Order values: the simulator's conversion value is a constant per lead, so the eval gives each
 * conversion its own value, the account's lead value × gamma noise of this shape (coefficient of
 * variation 1/√1.5 ≈ 0.82, like order values), drawn per ad, click day and conversion from a seeded
 * stream. Conversions arrive in a random order independent of their values, so the k-th to arrive
 * carrying the k-th draw is the same in distribution.
 */
const VALUE_SHAPE = 1.5;
const HISTORY_DAYS = 180;
const RECENT_DAYS = 14;
/** The simulator's longest conversion lag, in days. */
const MAX_LAG = 14;
const BUCKETS: Array<[string, number, number]> = [
  ['age 0', 0, 0],
  ['age 1-3', 1, 3],
  ['age 4-7', 4, 7],
  ['age 8-13', 8, 13],
];

interface Acc {
  days: number;
  final: number;
  covered: number;
  covered95: number;
  /** Σ of the model's own probability of its bands (what coverage would be if it were right). */
  mass80: number;
  mass95: number;
  /** Σ of the share of each day's (non-randomized) PIT interval inside [0.1, 0.9] and [0.025, 0.975]. */
  pit80: number;
  pit95: number;
  absNow: number;
  absMedian: number;
  absNaive: number;
  biasNow: number;
  biasMedian: number;
  biasNaive: number;
}
const empty = (): Acc => ({
  days: 0,
  final: 0,
  covered: 0,
  covered95: 0,
  mass80: 0,
  mass95: 0,
  pit80: 0,
  pit95: 0,
  absNow: 0,
  absMedian: 0,
  absNaive: 0,
  biasNow: 0,
  biasMedian: 0,
  biasNaive: 0,
});

export interface NowcastBucket {
  bucket: string;
  accountDays: number;
  coverage80: number | null;
  coverage95: number | null;
  /** The model's own mean probability of its 80% and 95% bands (≥ nominal: whole counts). */
  modelCoverage80: number | null;
  modelCoverage95: number | null;
  /**
   * Coverage corrected for whole counts: the mean share of [P(final < truth), P(final ≤ truth)]
   * inside [0.1, 0.9] (and [0.025, 0.975]). 80% (95%) exactly when the model is calibrated.
   */
  pitCoverage80: number | null;
  pitCoverage95: number | null;
  /** Of the expected (mean) final: `expectedConversions`. */
  wapeNowcast: number | null;
  /** Of the median final: `likelyConversions`. */
  wapeMedian: number | null;
  wapeReported: number | null;
  biasNowcast: number | null;
  biasMedian: number | null;
  biasReported: number | null;
}

export interface NowcastEvalResult {
  overall: NowcastBucket;
  /** Per account and as-of day, the last 7 days summed (no band: coverage null). */
  lastWeek: NowcastBucket;
  buckets: NowcastBucket[];
  /** The same day (age 0) by the simulator's anomaly in force on it ('none': an ordinary day). */
  sameDay: NowcastBucket[];
  /**
   * Conversion value with varying order values, per age bucket: as the product models it (`now`:
   * unit μ(1 + c²), nowcast/value.ts) and with the mean value as the unit (`fixedUnit`, version 2).
   */
  value: { now: NowcastBucket[]; fixedUnit: NowcastBucket[]; meanCv2: number | null };
  accounts: number;
  seeds: string[];
  dates: string[];
  table: string;
  seconds: number;
}

const DAY_MS = 86_400_000;

/** Share of the PIT interval [below, upTo] (a whole count's mass) inside [lo, hi]. */
function pitShare(below: number, upTo: number, lo: number, hi: number): number {
  if (upTo - below < 1e-12) return below >= lo && below <= hi ? 1 : 0;
  return Math.max(0, Math.min(upTo, hi) - Math.max(below, lo)) / (upTo - below);
}
const dayOf = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);

/** Which anomaly of the simulator (if any) is in force on a day: for the same-day breakdown. */
const ANOMALY_ROWS = ['none', 'spend_spike', 'cost_surge', 'ctr_collapse', 'tracking_break'] as const;

/** Adds one scored day to an accumulator; `half` = half a unit for value (PIT on the nearest unit). */
function score(acc: Acc, p: DayPrediction, truth: number, reported: number, half = 0): void {
  acc.days++;
  acc.final += truth;
  // Value bands are units × a count: rounding of the order of 1e-16 of the value (micros), not 1e-9.
  const tol = 1e-9 * Math.max(1, Math.abs(truth));
  if (truth >= p.lo80 - tol && truth <= p.hi80 + tol) acc.covered++;
  if (truth >= p.lo95 - tol && truth <= p.hi95 + tol) acc.covered95++;
  acc.mass80 += p.mass80;
  acc.mass95 += p.mass95;
  // Counts: [P(final < truth), P(final ≤ truth)]. Value: the model's finals are whole units above
  // what is reported, the truth is not: the interval of the nearest unit.
  const below = half > 0 ? p.cdf(truth - half) : p.cdf(truth - 1);
  const upTo = half > 0 ? p.cdf(truth + half) : p.cdf(truth);
  acc.pit80 += pitShare(below, upTo, 0.1, 0.9);
  acc.pit95 += pitShare(below, upTo, 0.025, 0.975);
  acc.absNow += Math.abs(p.mean - truth);
  acc.absMedian += Math.abs(p.median - truth);
  acc.absNaive += Math.abs(reported - truth);
  acc.biasNow += p.mean - truth;
  acc.biasMedian += p.median - truth;
  acc.biasNaive += reported - truth;
}

export function runNowcastEval(
  opts: {
    quick?: boolean;
    dev?: boolean;
    dense?: boolean;
    /**
     * Other seeds (with `dev`): fresh development seeds for a question the usual ones have already
     * been looked at for. Never the held-out ones.
     */
    seeds?: string[];
    /** Other as-of dates (with `dev`). */
    dates?: string[];
  } = {},
): NowcastEvalResult {
  const started = performance.now();
  if (opts.dense && !opts.dev) throw new Error('--dense is for the development seeds (--dev)');
  if ((opts.seeds || opts.dates) && !opts.dev)
    throw new Error('--seeds and --dates are for development (--dev)');
  if (opts.seeds?.some((s) => NOWCAST_SEEDS.includes(s)))
    throw new Error('the held-out seeds are not development seeds');
  for (const d of opts.dates ?? [])
    if (!isIsoDate(d)) throw new Error(`bad date ${d}: a calendar day YYYY-MM-DD`);
  const allSeeds = opts.seeds ?? (opts.dev ? NOWCAST_DEV_SEEDS : NOWCAST_SEEDS);
  const allDates = [
    ...(opts.dates ?? (opts.dense ? NOWCAST_DENSE_DATES : opts.dev ? NOWCAST_DEV_DATES : NOWCAST_DATES)),
  ].sort();
  const seeds = opts.quick ? allSeeds.slice(0, 1) : allSeeds;
  const dates = opts.quick ? allDates.slice(0, 2) : allDates;
  const engine = createEngine();
  const total = empty();
  const byBucket = BUCKETS.map(() => empty());
  // The same day by the anomaly in force on it (where the account's usual rate per spend fails).
  const sameDay = ANOMALY_ROWS.map(() => empty());
  // Value: the product's unit (order-value variance included) and the v2 unit (mean value only).
  const valueNow = BUCKETS.map(() => empty());
  const valueFixed = BUCKETS.map(() => empty());
  let cv2Sum = 0;
  let cv2Count = 0;
  // The last 7 days summed per account and as-of day: the window a rule reads.
  const weeks = empty();
  let accounts = 0;
  for (const seed of seeds) {
    const lastDate = dates[dates.length - 1] as string;
    // One simulation to the last as-of day + 28 covers every as-of view (the world is stationary).
    const endDay = dayOf(lastDate) + SETTLED_AGE;
    const config = parseSimulatorConfig({
      seed,
      clients: '3',
      days: String(endDay - (dayOf(dates[0] as string) - HISTORY_DAYS) + 1),
      endDate: new Date(endDay * DAY_MS).toISOString().slice(0, 10),
    });
    for (const account of engine.world(config).accounts) {
      const { sim } = engine.simulate(config, account, []);
      accounts++;
      type Ad = (typeof sim.ads)[number];
      // A click day's reported conversions by age, cached: lags are at most 14 days, so from age 14
      // on the value is final, and as-of windows of different dates overlap.
      const cache = new Map<string, number[]>();
      const countAt = (s: Ad, day: number, asOf: number) => {
        const key = `${s.ad.externalId}|${day}`;
        let byAge = cache.get(key);
        if (!byAge) {
          byAge = Array.from({ length: MAX_LAG + 1 }, (_, k) => reportedConversions(sim, s, day, day + k));
          cache.set(key, byAge);
        }
        return byAge[Math.min(MAX_LAG, asOf - day)] as number;
      };
      // The value of a click day's first `count` conversions to arrive (cumulative, cached).
      const lead = sim.account.client.leadValueMicros;
      const values = new Map<string, number[]>();
      const valueOfFirst = (s: Ad, day: number, count: number) => {
        const key = `${s.ad.externalId}|${day}`;
        let sums = values.get(key);
        if (!sums) {
          const r = streamFor(`${seed}|nowcast-order-value|${key}`);
          const n = countAt(s, day, day + MAX_LAG);
          sums = [0];
          for (let j = 0; j < n; j++) sums.push((sums[j] as number) + lead * gammaNoise(r, VALUE_SHAPE));
          values.set(key, sums);
        }
        return sums[count] as number;
      };
      const anomalyOn = (day: number) =>
        Math.max(
          0,
          ANOMALY_ROWS.findIndex((k) =>
            sim.anomalies.some((x) => x.kind === k && day >= x.fromDay && day <= x.toDay),
          ),
        );
      for (const date of dates) {
        const e = dayOf(date);
        const history: DayObservation[] = [];
        const valueHistory: DayObservation[] = [];
        const valueRows: ValueRow[] = [];
        // The account's days as the product reads them: reported so far, spend, whether rows exist.
        const series: SeriesDay[] = [];
        const valueSeries: Array<{ age: number; reported: number; exposure: number; active: boolean }> = [];
        for (let d = e - HISTORY_DAYS + 1; d <= e; d++) {
          const ads: DayObservation['ads'] = [];
          const valueAds: DayObservation['ads'] = [];
          let final = 0;
          let finalValue = 0;
          let spend = 0;
          const currentAge = e - d;
          for (const s of sim.ads) {
            if ((s.impressions[d - sim.firstDay] ?? 0) === 0) continue;
            spend += s.spendMicros[d - sim.firstDay] ?? 0;
            const maxAge = Math.min(SETTLED_AGE - 1, currentAge);
            const held = Array.from({ length: maxAge + 1 }, (_, k) => countAt(s, d, d + k));
            const current = countAt(s, d, e);
            // Revisions exactly as the sync stores them, of a figure by age (a count, or its value).
            const revisionsOf = (figure: (n: number) => number) => {
              const revisions: Array<{ age: number; value: number }> = [];
              for (let k = 1; k <= maxAge; k++)
                if (held[k] !== held[k - 1]) revisions.push({ age: k, value: figure(held[k - 1] as number) });
              // Past age 27 a change is still a restatement the sync records at that age.
              if (currentAge > maxAge && current !== held[maxAge])
                revisions.push({ age: maxAge + 1, value: figure(held[maxAge] as number) });
              return revisions;
            };
            ads.push({ final: current, revisions: revisionsOf((n) => n) });
            const currentValue = valueOfFirst(s, d, current);
            valueAds.push({ final: currentValue, revisions: revisionsOf((n) => valueOfFirst(s, d, n)) });
            valueRows.push({ conversions: current, value: currentValue });
            final += current;
            finalValue += currentValue;
          }
          history.push({ final, ads, currentAge, firstSeenAge: 0 });
          valueHistory.push({ final: finalValue, ads: valueAds, currentAge, firstSeenAge: 0 });
          series.push({ age: currentAge, reported: final, exposure: spend, active: ads.length > 0 });
          valueSeries.push({
            age: currentAge,
            reported: finalValue,
            exposure: spend,
            active: ads.length > 0,
          });
        }
        const curve = completionCurve(history);
        // Scored days are the last RECENT_DAYS entries of the series (age a at index length − 1 − a).
        const scoredIdx = Array.from({ length: RECENT_DAYS }, (_, a) => series.length - 1 - a);
        const predictions = predictFinals(curve, series, scoredIdx);
        // Value as the product models it (nowcast/value.ts), and with the mean value as the unit (v2).
        const valueCurve = completionCurve(valueHistory);
        const valueDays = valueSeries.filter((v) => v.reported > 0).length;
        const vu = valueUnit(valueRows, valueDays);
        cv2Sum += vu.cv2;
        cv2Count++;
        const inUnits = (u: number): SeriesDay[] =>
          valueSeries.map((v) => ({ ...v, reported: v.reported / u }));
        const valueNowPred = predictFinals(valueCurve, inUnits(vu.unit), scoredIdx, vu.unit);
        const valueFixedPred = predictFinals(valueCurve, inUnits(vu.mean), scoredIdx, vu.mean);
        const week = { reported: 0, nowcast: 0, median: 0, truth: 0 };
        for (let a = 0; a < RECENT_DAYS; a++) {
          const d = e - a;
          let reported = 0;
          let truth = 0;
          let reportedValue = 0;
          let truthValue = 0;
          for (const s of sim.ads) {
            if ((s.impressions[d - sim.firstDay] ?? 0) === 0) continue;
            reported += countAt(s, d, e);
            truth += countAt(s, d, e + SETTLED_AGE);
            reportedValue += valueOfFirst(s, d, countAt(s, d, e));
            truthValue += valueOfFirst(s, d, countAt(s, d, e + SETTLED_AGE));
          }
          const p = predictions[a] as DayPrediction;
          if (series[series.length - 1 - a]?.reported !== reported)
            throw new Error('the series and the scored day disagree');
          if (a < 7) {
            week.reported += reported;
            week.nowcast += p.mean;
            week.median += p.median;
            week.truth += truth;
          }
          const bucket = BUCKETS.findIndex(([, from, to]) => a >= from && a <= to);
          if (truthValue > 0) {
            score(
              valueNow[bucket] as Acc,
              valueNowPred[a] as DayPrediction,
              truthValue,
              reportedValue,
              vu.unit / 2,
            );
            score(
              valueFixed[bucket] as Acc,
              valueFixedPred[a] as DayPrediction,
              truthValue,
              reportedValue,
              vu.mean / 2,
            );
          }
          if (!(truth > 0)) continue;
          for (const acc of [total, byBucket[bucket] as Acc]) score(acc, p, truth, reported);
          if (a === 0) score(sameDay[anomalyOn(d)] as Acc, p, truth, reported);
        }
        if (week.truth > 0) {
          weeks.days++;
          weeks.final += week.truth;
          weeks.absNow += Math.abs(week.nowcast - week.truth);
          weeks.absMedian += Math.abs(week.median - week.truth);
          weeks.absNaive += Math.abs(week.reported - week.truth);
          weeks.biasNow += week.nowcast - week.truth;
          weeks.biasMedian += week.median - week.truth;
          weeks.biasNaive += week.reported - week.truth;
        }
      }
    }
  }
  const summarize = (bucket: string, a: Acc): NowcastBucket => ({
    bucket,
    accountDays: a.days,
    coverage80: a.days ? a.covered / a.days : null,
    coverage95: a.days ? a.covered95 / a.days : null,
    modelCoverage80: a.days ? a.mass80 / a.days : null,
    modelCoverage95: a.days ? a.mass95 / a.days : null,
    pitCoverage80: a.days ? a.pit80 / a.days : null,
    pitCoverage95: a.days ? a.pit95 / a.days : null,
    wapeNowcast: a.final ? a.absNow / a.final : null,
    wapeMedian: a.final ? a.absMedian / a.final : null,
    wapeReported: a.final ? a.absNaive / a.final : null,
    biasNowcast: a.final ? a.biasNow / a.final : null,
    biasMedian: a.final ? a.biasMedian / a.final : null,
    biasReported: a.final ? a.biasNaive / a.final : null,
  });
  const buckets = BUCKETS.map(([name], i) => summarize(name, byBucket[i] as Acc));
  const overall = summarize(`all (age 0-${RECENT_DAYS - 1})`, total);
  const lastWeek = {
    ...summarize('last 7 days, summed', weeks),
    coverage80: null,
    coverage95: null,
    modelCoverage80: null,
    modelCoverage95: null,
    pitCoverage80: null,
    pitCoverage95: null,
  };
  const sameDayRows = ANOMALY_ROWS.map((k, i) => summarize(`age 0, ${k}`, sameDay[i] as Acc));
  const valueRowsNow = BUCKETS.map(([name], i) => summarize(`${name}`, valueNow[i] as Acc));
  const valueRowsFixed = BUCKETS.map(([name], i) => summarize(`${name}`, valueFixed[i] as Acc));
  const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
  const cols: Array<[string, (b: NowcastBucket) => number | null]> = [
    ['cover 80%', (b) => b.coverage80],
    ['(model 80%)', (b) => b.modelCoverage80],
    ['PIT 80%', (b) => b.pitCoverage80],
    ['cover 95%', (b) => b.coverage95],
    ['(model 95%)', (b) => b.modelCoverage95],
    ['PIT 95%', (b) => b.pitCoverage95],
    ['WAPE mean', (b) => b.wapeNowcast],
    ['WAPE median', (b) => b.wapeMedian],
    ['WAPE reported', (b) => b.wapeReported],
    ['bias mean', (b) => b.biasNowcast],
    ['bias median', (b) => b.biasMedian],
    ['bias reported', (b) => b.biasReported],
  ];
  const valueMeanCv2 = cv2Count ? cv2Sum / cv2Count : null;
  const row = (b: NowcastBucket) =>
    `${b.bucket.padEnd(20)}${String(b.accountDays).padStart(12)}${cols.map(([, f]) => pct(f(b)).padStart(14)).join('')}`;
  const lines = [
    `Nowcast of final conversions on ${seeds.length} ${opts.dev ? 'DEVELOPMENT' : 'held-out'} simulator seed(s) × ${accounts / seeds.length} accounts × ${dates.length} as-of days (${seeds.join(', ')}; ${dates.join(', ')})`,
    '',
    `${'bucket'.padEnd(20)}${'account-days'.padStart(12)}${cols.map(([h]) => h.padStart(14)).join('')}`,
    ...[...buckets, overall, lastWeek].map(row),
    '',
    'The same day by the simulator anomaly in force on it (spend spike: spend × 2–3.5 at a higher cost; cost surge, CTR collapse:',
    'fewer conversions per spend; tracking break: conversions lost):',
    ...sameDayRows.map(row),
    '',
    `Conversion value when order values vary (eval-drawn: lead value × gamma, shape ${VALUE_SHAPE}, c² = ${(1 / VALUE_SHAPE).toFixed(2)}; estimated c² ${valueMeanCv2 === null ? '—' : valueMeanCv2.toFixed(2)} on average).`,
    'Model: expectedValueMicros and the ROAS bands; value bands are whole units above the reported value, PIT on the nearest unit.',
    'Value counted in units of μ(1 + c²) (the product, nowcast/value.ts):',
    ...valueRowsNow.map(row),
    'Value counted in units of the mean value μ (version 2: each conversion worth the average):',
    ...valueRowsFixed.map(row),
    '',
    'mean = expectedConversions (adds up over days: the last-7-days row sums it), median = likelyConversions (the single-day figure),',
    'reported = the figure as synced so far (the naive baseline). WAPE = Σ|estimate − final| ÷ Σ final; bias = Σ(estimate − final) ÷ Σ final.',
    'Bands: 10th–90th and 2.5th–97.5th percentiles of the final count. "cover" = share of finals inside; "(model)" = the probability the',
    'model itself gives its band (whole counts: at least nominal, far above when nearly nothing is left to come); "PIT" = coverage allowing',
    'for whole counts (the share of each final’s probability interval inside [0.1, 0.9] / [0.025, 0.975]): 80% / 95% when calibrated.',
    'Ideal daily syncs; the database path is tested separately.',
  ];
  return {
    overall,
    lastWeek,
    buckets,
    sameDay: sameDayRows,
    value: { now: valueRowsNow, fixedUnit: valueRowsFixed, meanCv2: valueMeanCv2 },
    accounts,
    seeds,
    dates,
    table: lines.join('\n'),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const list = (flag: string) => {
    const i = process.argv.indexOf(flag);
    return i >= 0 ? (process.argv[i + 1] ?? '').split(',').filter(Boolean) : undefined;
  };
  const seeds = list('--seeds');
  const dates = list('--dates');
  const r = runNowcastEval({
    quick: process.argv.includes('--quick'),
    dev: process.argv.includes('--dev'),
    dense: process.argv.includes('--dense'),
    ...(seeds ? { seeds } : {}),
    ...(dates ? { dates } : {}),
  });
  console.log(r.table);
  if (process.argv.includes('--json')) console.log(JSON.stringify({ ...r, table: undefined }, null, 2));
  console.log(`\n${r.seconds} s`);
}
