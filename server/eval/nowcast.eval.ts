/**
 * Late-conversion nowcast on the simulator's restatement ground truth.
 *
 *   cd server && node --import tsx eval/nowcast.eval.ts [--quick] [--json]
 *
 * The simulator records each conversion `lag` days after its click day (per-account delay
 * distribution) and reports a day's conversions "as of" any later day, so it knows what a daily sync
 * would have stored at every age and what the day finally settles at. Protocol, per seed, account
 * and as-of day E (seeds and dates fixed before the first run; none was used to design the nowcast):
 * 1. History: the account synced once a day at the end of each day. For every day d in the 180 days
 *    to E, its ads' values at ages 0..min(27, E−d) become revisions exactly as the sync stores them
 *    (a revision at age k keeps the value held before the age-k sync), first seen at age 0.
 * 2. Curve: `completionCurve` (the product's, nowcast/completion.ts) on that history.
 * 3. Scored days: d in [E−13, E], age a = E − d; reported = the value as of E; nowcast = reported ÷
 *    fraction(a), 80% band = reported ÷ hi … reported ÷ lo; truth = the value as of E + 28 (final:
 *    lags are at most 14 days). Baseline: "reported so far" (what rules would act on otherwise).
 * 4. Figures pooled over account-days with a final above 0: coverage of the 80% band, weighted
 *    absolute percentage error Σ|estimate − final| ÷ Σ final, and bias Σ(estimate − final) ÷ Σ final,
 *    per age bucket and overall; and the same errors for the last 7 days summed per account and
 *    as-of day (the window a rule reads).
 * What is not covered: the database path (sync runs, observed_at, the 10-revision threshold) is
 * tested in oracle.nowcast.test.ts; here the pure estimator sees ideal daily syncs.
 */
import { pathToFileURL } from 'node:url';
import { parseSimulatorConfig } from '../src/modules/connectors/simulator/config.ts';
import { createEngine } from '../src/modules/connectors/simulator/engine.ts';
import { reportedConversions } from '../src/modules/connectors/simulator/reports.ts';
import {
  completionAt,
  completionCurve,
  type DayObservation,
  SETTLED_AGE,
} from '../src/modules/oracle/nowcast/completion.ts';

export const NOWCAST_SEEDS = ['nc201', 'nc202', 'nc203'];
export const NOWCAST_DATES = ['2026-05-03', '2026-07-12', '2026-09-20'];
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
  absNow: number;
  absNaive: number;
  biasNow: number;
  biasNaive: number;
}
const empty = (): Acc => ({
  days: 0,
  final: 0,
  covered: 0,
  absNow: 0,
  absNaive: 0,
  biasNow: 0,
  biasNaive: 0,
});

export interface NowcastBucket {
  bucket: string;
  accountDays: number;
  coverage80: number | null;
  wapeNowcast: number | null;
  wapeReported: number | null;
  biasNowcast: number | null;
  biasReported: number | null;
}

export interface NowcastEvalResult {
  overall: NowcastBucket;
  /** Per account and as-of day, the last 7 days summed (no band: coverage null). */
  lastWeek: NowcastBucket;
  buckets: NowcastBucket[];
  accounts: number;
  seeds: string[];
  dates: string[];
  table: string;
  seconds: number;
}

const DAY_MS = 86_400_000;
const dayOf = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);

export function runNowcastEval(opts: { quick?: boolean } = {}): NowcastEvalResult {
  const started = performance.now();
  const seeds = opts.quick ? NOWCAST_SEEDS.slice(0, 1) : NOWCAST_SEEDS;
  const dates = opts.quick ? NOWCAST_DATES.slice(0, 2) : NOWCAST_DATES;
  const engine = createEngine();
  const total = empty();
  const byBucket = BUCKETS.map(() => empty());
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
      // A click day's reported conversions by age, cached: lags are at most 14 days, so from age 14
      // on the value is final, and as-of windows of different dates overlap.
      const cache = new Map<string, number[]>();
      const valueAt = (s: (typeof sim.ads)[number], day: number, asOf: number) => {
        const key = `${s.ad.externalId}|${day}`;
        let byAge = cache.get(key);
        if (!byAge) {
          byAge = Array.from({ length: MAX_LAG + 1 }, (_, k) => reportedConversions(sim, s, day, day + k));
          cache.set(key, byAge);
        }
        return byAge[Math.min(MAX_LAG, asOf - day)] as number;
      };
      for (const date of dates) {
        const e = dayOf(date);
        const history: DayObservation[] = [];
        for (let d = e - HISTORY_DAYS + 1; d <= e; d++) {
          const ads: DayObservation['ads'] = [];
          let final = 0;
          const currentAge = e - d;
          for (const s of sim.ads) {
            if ((s.impressions[d - sim.firstDay] ?? 0) === 0) continue;
            const maxAge = Math.min(SETTLED_AGE - 1, currentAge);
            const held = Array.from({ length: maxAge + 1 }, (_, k) => valueAt(s, d, d + k));
            const current = valueAt(s, d, e);
            const revisions: Array<{ age: number; value: number }> = [];
            for (let k = 1; k <= maxAge; k++)
              if (held[k] !== held[k - 1]) revisions.push({ age: k, value: held[k - 1] as number });
            // Past age 27 a change is still a restatement the sync records at that age.
            if (currentAge > maxAge && current !== held[maxAge])
              revisions.push({ age: maxAge + 1, value: held[maxAge] as number });
            ads.push({ final: current, revisions });
            final += current;
          }
          history.push({ final, ads, currentAge, firstSeenAge: 0 });
        }
        const curve = completionCurve(history);
        const week = { reported: 0, nowcast: 0, truth: 0 };
        for (let a = 0; a < RECENT_DAYS; a++) {
          const d = e - a;
          let reported = 0;
          let truth = 0;
          for (const s of sim.ads) {
            if ((s.impressions[d - sim.firstDay] ?? 0) === 0) continue;
            reported += valueAt(s, d, e);
            truth += valueAt(s, d, e + SETTLED_AGE);
          }
          const c = completionAt(curve, a);
          const nowcast = reported / c.fraction;
          if (a < 7) {
            week.reported += reported;
            week.nowcast += nowcast;
            week.truth += truth;
          }
          if (!(truth > 0)) continue;
          const lo = reported / c.hi;
          const hi = reported / c.lo;
          const bucket = BUCKETS.findIndex(([, from, to]) => a >= from && a <= to);
          for (const acc of [total, byBucket[bucket] as Acc]) {
            acc.days++;
            acc.final += truth;
            if (truth >= lo - 1e-9 && truth <= hi + 1e-9) acc.covered++;
            acc.absNow += Math.abs(nowcast - truth);
            acc.absNaive += Math.abs(reported - truth);
            acc.biasNow += nowcast - truth;
            acc.biasNaive += reported - truth;
          }
        }
        if (week.truth > 0) {
          weeks.days++;
          weeks.final += week.truth;
          weeks.absNow += Math.abs(week.nowcast - week.truth);
          weeks.absNaive += Math.abs(week.reported - week.truth);
          weeks.biasNow += week.nowcast - week.truth;
          weeks.biasNaive += week.reported - week.truth;
        }
      }
    }
  }
  const summarize = (bucket: string, a: Acc): NowcastBucket => ({
    bucket,
    accountDays: a.days,
    coverage80: a.days ? a.covered / a.days : null,
    wapeNowcast: a.final ? a.absNow / a.final : null,
    wapeReported: a.final ? a.absNaive / a.final : null,
    biasNowcast: a.final ? a.biasNow / a.final : null,
    biasReported: a.final ? a.biasNaive / a.final : null,
  });
  const buckets = BUCKETS.map(([name], i) => summarize(name, byBucket[i] as Acc));
  const overall = summarize(`all (age 0-${RECENT_DAYS - 1})`, total);
  const lastWeek = { ...summarize('last 7 days, summed', weeks), coverage80: null };
  const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
  const lines = [
    `Nowcast of final conversions on ${seeds.length} held-out simulator seed(s) × ${accounts / seeds.length} accounts × ${dates.length} as-of days (${seeds.join(', ')}; ${dates.join(', ')})`,
    '',
    'bucket            account-days  80% coverage  WAPE nowcast  WAPE reported  bias nowcast  bias reported',
    ...[...buckets, overall, lastWeek].map(
      (b) =>
        `${b.bucket.padEnd(18)}${String(b.accountDays).padStart(12)}  ${pct(b.coverage80).padStart(12)}  ${pct(b.wapeNowcast).padStart(12)}  ${pct(b.wapeReported).padStart(13)}  ${pct(b.biasNowcast).padStart(12)}  ${pct(b.biasReported).padStart(13)}`,
    ),
    '',
    'WAPE = Σ|estimate − final| ÷ Σ final; bias = Σ(estimate − final) ÷ Σ final; "reported" = the figure as synced so far (the naive baseline).',
    'Target of the 80% band: 80% coverage. Ideal daily syncs; the database path is tested separately.',
  ];
  return {
    overall,
    lastWeek,
    buckets,
    accounts,
    seeds,
    dates,
    table: lines.join('\n'),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = runNowcastEval({ quick: process.argv.includes('--quick') });
  console.log(r.table);
  if (process.argv.includes('--json')) console.log(JSON.stringify({ ...r, table: undefined }, null, 2));
  console.log(`\n${r.seconds} s`);
}
