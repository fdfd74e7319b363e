/**
 * Our anomaly detector on NAB's realAdExchange files, scored by our TypeScript port of NAB's
 * scorer, next to NAB's published detectors on the same six files.
 *
 *   cd server && node --import tsx eval/nab.eval.ts [--json]
 *
 * 1. The scorer is checked first: every published detector output we have (numenta,
 *    windowedGaussian, bayesChangePt, relativeEntropy, random, null) is re-scored at its published
 *    threshold and compared with NAB's per-file scores and TP/TN/FP/FN counts.
 * 2. Our detector runs causally over each file (each point sees only its past).
 * 3. Thresholds, two ways: (a) fixed in advance, the detector's default 0.5 chosen before this
 *    evaluation was ever run; (b) NAB's own optimisation (the sweeper's exhaustive search), over these
 *    six files. The published detectors' "corpus θ" numbers used thresholds optimised over all 58 NAB
 *    files — these six among them — so (b) is a larger advantage than theirs; its fair comparison
 *    is the "θ swept on these 6" column, where the published detectors get the same sweep.
 */
import { pathToFileURL } from 'node:url';
import { DEFAULT_THRESHOLD, detectAnomalies } from '../src/modules/oracle/anomaly/detector.ts';
import {
  defaultNabRoot,
  detectorsWithOutputs,
  loadAdExchange,
  loadDerivedSubsetScores,
  loadDetectorOutput,
  loadProfiles,
  loadPublishedScores,
  loadThresholds,
  type NabSeries,
} from '../src/modules/oracle/anomaly/nab.data.ts';
import {
  type NabFile,
  type NabProfileName,
  normalizedScore,
  scoreCorpus,
  sweepThreshold,
} from '../src/modules/oracle/anomaly/nab.scoring.ts';
import { parseTime } from '../src/modules/oracle/anomaly/series.csv.ts';

const PROFILES: NabProfileName[] = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'];

/**
 * Standard-profile scores of the published detectors with their thresholds re-swept on these six
 * files, as SCORING.md §9 reports them; used only for detectors whose per-row outputs are not in
 * the snapshot (the others are recomputed here).
 */
const SWEPT_FROM_SCORING_MD: Record<string, number> = {
  ARTime: 75.23,
  contextOSE: 72.8,
  knncad: 71.02,
  twitterADVec: 49.62,
  randomCutForest: 73.01,
  htmjava: 71.24,
  numentaTM: 71.58,
  earthgeckoSkyline: 56.8,
  skyline: 60.3,
  expose: 44.14,
};

export interface NabEvalResult {
  /** Our standard-profile score at the threshold fixed in advance (DEFAULT_THRESHOLD): the figure. */
  standard: number;
  /** Our standard-profile score with the threshold optimised NAB's way (sweep) on these same files. */
  standardSwept: number;
  sweptThreshold: number;
  fixedThreshold: number;
  ours: Record<NabProfileName, { fixed: number; swept: number; threshold: number }>;
  perFile: Array<{ file: string; windows: number; detected: number; falsePositives: number; raw: number }>;
  scorerCheck: { comparisons: number; maxAbsDiff: number; countMismatches: number };
  published: Array<{ detector: string; corpus: Partial<Record<NabProfileName, number>>; swept?: number }>;
  table: string;
  detectorMs: number;
  points: number;
}

const toFile = (s: NabSeries, scores: ArrayLike<number>): NabFile => ({
  name: s.name,
  scores,
  windows: s.windows,
});

export function runNabEval(root = defaultNabRoot()): NabEvalResult {
  const series = loadAdExchange(root);
  const profiles = loadProfiles(root);
  const thresholds = loadThresholds(root);
  const windowCount = series.reduce((n, s) => n + s.windows.length, 0);

  // 1. The scorer against NAB's own per-file numbers.
  let comparisons = 0;
  let maxAbsDiff = 0;
  let countMismatches = 0;
  const sweptPublished = new Map<string, number>();
  for (const det of detectorsWithOutputs) {
    const files = series.map((s) => toFile(s, loadDetectorOutput(root, det, s.short)!.anomaly_score!));
    for (const prof of PROFILES) {
      const published = loadPublishedScores(root, det, prof);
      const ours = scoreCorpus(files, thresholds[det]![prof].threshold, profiles[prof]);
      for (const r of ours.perFile) {
        const p = published.get(r.name);
        if (!p) continue; // random's CSV predates these files (SCORING.md §8)
        comparisons++;
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(p.score - r.score));
        if (p.tp !== r.tp || p.tn !== r.tn || p.fp !== r.fp || p.fn !== r.fn) countMismatches++;
      }
    }
    const sw = sweepThreshold(files, profiles.standard);
    sweptPublished.set(det, normalizedScore(sw.score, windowCount, profiles.standard));
  }

  // 2. Our detector, causally, file by file.
  const started = performance.now();
  const ourFiles = series.map((s) => {
    const out = detectAnomalies(s.timestamps.map((t, i) => ({ t: parseTime(t)!, value: s.values[i]! })));
    return toFile(
      s,
      out.map((p) => p.score),
    );
  });
  const detectorMs = performance.now() - started;
  const points = series.reduce((n, s) => n + s.values.length, 0);

  // 3. Thresholds: fixed in advance, and swept NAB's way.
  const ours = {} as NabEvalResult['ours'];
  for (const prof of PROFILES) {
    const p = profiles[prof];
    const sw = sweepThreshold(ourFiles, p);
    ours[prof] = {
      fixed: normalizedScore(scoreCorpus(ourFiles, DEFAULT_THRESHOLD, p).score, windowCount, p),
      swept: normalizedScore(sw.score, windowCount, p),
      threshold: sw.threshold,
    };
  }
  const fixedRun = scoreCorpus(ourFiles, DEFAULT_THRESHOLD, profiles.standard);
  const perFile = fixedRun.perFile.map((r, i) => {
    const f = ourFiles[i]!;
    const detected = f.windows.filter(([l, rr]) => {
      for (let k = l; k <= rr; k++) if (f.scores[k]! >= DEFAULT_THRESHOLD) return true;
      return false;
    }).length;
    return {
      file: series[i]!.short,
      windows: f.windows.length,
      detected,
      falsePositives: r.fp,
      raw: r.score,
    };
  });

  const derived = loadDerivedSubsetScores(root);
  const published = [...derived.entries()].map(([detector, byProfile]) => ({
    detector,
    corpus: Object.fromEntries(PROFILES.map((p) => [p, byProfile[p]?.normalized])) as Partial<
      Record<NabProfileName, number>
    >,
    swept: sweptPublished.get(detector) ?? SWEPT_FROM_SCORING_MD[detector],
  }));

  const result: NabEvalResult = {
    standard: ours.standard.fixed,
    standardSwept: ours.standard.swept,
    sweptThreshold: ours.standard.threshold,
    fixedThreshold: DEFAULT_THRESHOLD,
    ours,
    perFile,
    scorerCheck: { comparisons, maxAbsDiff, countMismatches },
    published,
    table: '',
    detectorMs,
    points,
  };
  result.table = formatTable(result);
  return result;
}

function formatTable(r: NabEvalResult): string {
  const f = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(2));
  const rows = [...r.published].sort((a, b) => (b.corpus.standard ?? 0) - (a.corpus.standard ?? 0));
  const lines = [
    'NAB realAdExchange (6 files, 14 windows), normalised 0–100 (null = 0, perfect = 100)',
    '',
    '| detector | standard, corpus θ | standard, θ swept on these 6 | low FP, corpus θ | low FN, corpus θ |',
    '|---|---|---|---|---|',
    `| **omnify** (θ = ${r.fixedThreshold} fixed in advance / swept θ = ${r.sweptThreshold.toFixed(4)}) | **${f(r.ours.standard.fixed)}** | **${f(r.ours.standard.swept)}** | ${f(r.ours.reward_low_FP_rate.fixed)} | ${f(r.ours.reward_low_FN_rate.fixed)} |`,
    ...rows.map(
      (p) =>
        `| ${p.detector} | ${f(p.corpus.standard)} | ${f(p.swept)} | ${f(p.corpus.reward_low_FP_rate)} | ${f(p.corpus.reward_low_FN_rate)} |`,
    ),
    '',
    'omnify with θ swept per profile: ' +
      PROFILES.map((p) => `${p} ${f(r.ours[p].swept)} (θ ${r.ours[p].threshold.toFixed(4)})`).join(', '),
    'Corpus θ: published thresholds (optimised by NAB over all 58 files); for omnify the fixed default.',
    'Swept θ: NAB sweeper over these 6 files only (recomputed from outputs where the snapshot has them,',
    'else SCORING.md §9). Published numbers come from results/DERIVED_realAdExchange_scores_by_detector.csv.',
    '',
    `omnify per file at θ = ${r.fixedThreshold}: ` +
      r.perFile
        .map(
          (p) =>
            `${p.file} ${p.detected}/${p.windows} windows, ${p.falsePositives} FP rows, raw ${p.raw.toFixed(3)}`,
        )
        .join('; '),
    `scorer check: ${r.scorerCheck.comparisons} published per-file scores reproduced, max |diff| ${r.scorerCheck.maxAbsDiff.toExponential(1)}, ${r.scorerCheck.countMismatches} TP/TN/FP/FN mismatches`,
    `detector: ${r.points} points in ${r.detectorMs.toFixed(0)} ms`,
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const r = runNabEval();
  if (process.argv.includes('--json')) console.log(JSON.stringify({ ...r, table: undefined }, null, 2));
  console.log(r.table);
  console.log(`total ${((performance.now() - started) / 1000).toFixed(2)} s`);
}
