/**
 * Creative fatigue on the simulator's ground truth (ORACLE issue: AUC ≥ 0.80 at 7 days, ≥ 0.70 at 14).
 *
 *   cd server && node --import tsx eval/fatigue.eval.ts [--quick] [--json] [--write] [--dev]
 *
 * Protocol (fixed before the held-out seeds were ever run):
 * 1. Samples: for each seed and as-of date D, the observed rows are a connection with endDate = D
 *    (120 days of history); labels come from the ground truth with endDate = D + 14. An ad is scored
 *    if it delivered on one of the last 3 days to D. Ads whose true onset is on or before D are
 *    already fatigued: excluded from the AUC and counted. Positive at 7 (14) days: onset in
 *    (D, D+7] ((D, D+14]).
 * 2. Fit: the two logistic models (p7, p14) are fitted on the development seeds only.
 * 3. Score: AUC (Mann–Whitney, ties = ½) of p7 against the 7-day label and p14 against the 14-day
 *    label on the held-out seeds, pooled over seeds and dates, and per seed.
 * --dev reports a development-only split instead (fit dev1–2, score dev3–4): the number used while
 *    designing the features. --write stores the coefficients fitted on all development seeds.
 */
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { auc } from '../src/modules/oracle/fatigue/auc.ts';
import { computeFeatures } from '../src/modules/oracle/fatigue/features.ts';
import { fitLogistic } from '../src/modules/oracle/fatigue/logistic.ts';
import {
  assessFatigue,
  DESIGN,
  designVector,
  type FatigueCoefficients,
} from '../src/modules/oracle/fatigue/model.ts';
import { type FatigueSample, simulatedSamples } from '../src/modules/oracle/fatigue/simulated.ts';

export const DEV_SEEDS = ['dev1', 'dev2', 'dev3', 'dev4'];
/** Held-out: never used while designing. */
export const EVAL_SEEDS = ['eval101', 'eval102', 'eval103', 'eval104', 'eval105'];
export const AS_OF_DATES = [
  '2026-03-01',
  '2026-04-05',
  '2026-05-10',
  '2026-06-14',
  '2026-07-19',
  '2026-08-23',
];
const L2 = 1;

export interface FatigueEvalResult {
  auc7: number | null;
  auc14: number | null;
  /** Baseline: age alone as the score. */
  ageAuc7: number | null;
  ageAuc14: number | null;
  samples: number;
  positives7: number;
  positives14: number;
  alreadyFatiguedExcluded: number;
  perSeed: Array<{ seed: string; samples: number; auc7: number | null; auc14: number | null }>;
  classCounts: Record<string, number>;
  trainSeeds: string[];
  testSeeds: string[];
  dates: string[];
  coefficients: FatigueCoefficients;
  seconds: number;
  table: string;
}

async function collectSamples(seeds: string[], dates: string[]) {
  const samples: FatigueSample[] = [];
  let alreadyFatigued = 0;
  for (const seed of seeds) {
    for (const date of dates) {
      const set = await simulatedSamples(seed, date);
      samples.push(...set.samples);
      alreadyFatigued += set.alreadyFatigued;
    }
  }
  return { samples, alreadyFatigued };
}

export function fitCoefficients(samples: FatigueSample[], trainedOn: string[]): FatigueCoefficients {
  const X = samples.map((s) => designVector(computeFeatures(s.history, s.asOf)));
  const names = DESIGN.map((d) => d.name);
  return {
    p7: fitLogistic(
      names,
      X,
      samples.map((s) => s.y7),
      { l2: L2 },
    ),
    p14: fitLogistic(
      names,
      X,
      samples.map((s) => s.y14),
      { l2: L2 },
    ),
    trainedOn,
  };
}

const fmt = (x: number | null) => (x === null ? '  n/a' : x.toFixed(3));

export async function runFatigueEval(
  opts: { quick?: boolean; dev?: boolean } = {},
): Promise<FatigueEvalResult> {
  const started = Date.now();
  const dates = opts.quick ? AS_OF_DATES.filter((_, i) => i % 2 === 1) : AS_OF_DATES;
  const trainSeeds = opts.dev ? DEV_SEEDS.slice(0, 2) : opts.quick ? DEV_SEEDS.slice(0, 2) : DEV_SEEDS;
  const testSeeds = opts.dev ? DEV_SEEDS.slice(2) : opts.quick ? EVAL_SEEDS.slice(0, 2) : EVAL_SEEDS;
  const train = await collectSamples(trainSeeds, dates);
  const coefficients = fitCoefficients(train.samples, trainSeeds);
  const test = await collectSamples(testSeeds, dates);
  const scored = test.samples.map((s) => ({
    s,
    a: assessFatigue(s.history, { asOf: s.asOf, coefficients }),
  }));
  const classCounts: Record<string, number> = {};
  for (const { a } of scored) classCounts[a.class] = (classCounts[a.class] ?? 0) + 1;
  const score = (rows: typeof scored) => ({
    auc7: auc(
      rows.map((r) => r.a.p7),
      rows.map((r) => r.s.y7),
    ),
    auc14: auc(
      rows.map((r) => r.a.p14),
      rows.map((r) => r.s.y14),
    ),
  });
  const pooled = score(scored);
  const perSeed = testSeeds.map((seed) => {
    const rows = scored.filter((r) => r.s.seed === seed);
    return { seed, samples: rows.length, ...score(rows) };
  });
  const ageAuc7 = auc(
    scored.map((r) => r.a.features.ageDays),
    scored.map((r) => r.s.y7),
  );
  const ageAuc14 = auc(
    scored.map((r) => r.a.features.ageDays),
    scored.map((r) => r.s.y14),
  );
  const positives7 = test.samples.filter((s) => s.y7).length;
  const positives14 = test.samples.filter((s) => s.y14).length;
  const seconds = (Date.now() - started) / 1000;
  const lines = [
    `Creative fatigue — train ${trainSeeds.join(',')}; test ${testSeeds.join(',')}; as-of ${dates.join(', ')}`,
    `samples ${test.samples.length} (positives: ${positives7} at 7d, ${positives14} at 14d); already fatigued at as-of, excluded: ${test.alreadyFatigued}`,
    '',
    'seed        samples   AUC@7   AUC@14',
    ...perSeed.map(
      (p) => `${p.seed.padEnd(12)}${String(p.samples).padStart(7)}   ${fmt(p.auc7)}   ${fmt(p.auc14)}`,
    ),
    `${'pooled'.padEnd(12)}${String(scored.length).padStart(7)}   ${fmt(pooled.auc7)}   ${fmt(pooled.auc14)}   (target ≥ 0.800 / ≥ 0.700)`,
    `${'age only'.padEnd(12)}${String(scored.length).padStart(7)}   ${fmt(ageAuc7)}   ${fmt(ageAuc14)}   (baseline)`,
    '',
    `classes: ${Object.entries(classCounts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `p7 coefficients (standardised): ${DESIGN.map((d, j) => `${d.name} ${coefficients.p7.coef[j]!.toFixed(2)}`).join(', ')}`,
    `run time ${seconds.toFixed(1)} s`,
  ];
  return {
    ...pooled,
    ageAuc7,
    ageAuc14,
    samples: scored.length,
    positives7,
    positives14,
    alreadyFatiguedExcluded: test.alreadyFatigued,
    perSeed,
    classCounts,
    trainSeeds,
    testSeeds,
    dates,
    coefficients,
    seconds,
    table: lines.join('\n'),
  };
}

/** Fits on every development seed and writes src/modules/oracle/fatigue/coefficients.ts. */
async function writeCoefficients() {
  const train = await collectSamples(DEV_SEEDS, AS_OF_DATES);
  const c = fitCoefficients(train.samples, DEV_SEEDS);
  const round = (m: FatigueCoefficients['p7']) => ({
    ...m,
    mean: m.mean.map((v) => Number(v.toPrecision(6))),
    sd: m.sd.map((v) => Number(v.toPrecision(6))),
    intercept: Number(m.intercept.toPrecision(6)),
    coef: m.coef.map((v) => Number(v.toPrecision(6))),
  });
  const body = JSON.stringify({ p7: round(c.p7), p14: round(c.p14), trainedOn: c.trainedOn }, null, 2);
  const file = new URL('../src/modules/oracle/fatigue/coefficients.ts', import.meta.url);
  await writeFile(
    file,
    `/**\n * Fitted by \`node --import tsx eval/fatigue.eval.ts --write\` on the development seeds\n * (${DEV_SEEDS.join(', ')}) at ${AS_OF_DATES.join(', ')}. Do not edit by hand.\n */\nimport type { FatigueCoefficients } from './model.ts';\n\nexport const FATIGUE_COEFFICIENTS: FatigueCoefficients = ${body};\n`,
  );
  console.log(`wrote ${file.pathname} (${train.samples.length} samples)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = new Set(process.argv.slice(2));
  if (args.has('--write')) await writeCoefficients();
  else {
    const r = await runFatigueEval({ quick: args.has('--quick'), dev: args.has('--dev') });
    if (args.has('--json')) {
      const { coefficients: _c, ...rest } = r;
      console.log(JSON.stringify({ fatigue: rest }, null, 2));
    } else console.log(r.table);
  }
}
