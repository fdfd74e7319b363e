/**
 * `npm run eval`: every accuracy evaluation of ORACLE on the real data in ../shared/data, printed
 * next to the published figures. `--json results.json` also writes the figures as JSON; `--quick`
 * runs the faster subset CI uses (M4 on a sample of series, fatigue on fewer seeds, the nowcast on
 * one seed, MMM without bootstrap intervals).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultNabRoot } from '../src/modules/oracle/anomaly/nab.data.ts';
import { evalDataRoot, missingEvalData } from '../src/modules/oracle/eval-data.ts';
import { M4_DIR } from '../src/modules/oracle/forecast/m4.ts';
import { CDNOW_DIR, runCdnowEval } from './cdnow.eval.ts';
import { runFatigueEval } from './fatigue.eval.ts';
import { runM4Eval } from './m4.eval.ts';
import { runMmmEval } from './mmm.eval.ts';
import { runNabEval } from './nab.eval.ts';
import { runNowcastEval } from './nowcast.eval.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonAt = args.indexOf('--json');
const jsonPath = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
if (jsonAt >= 0 && !jsonPath) {
  console.error('--json needs a file path');
  process.exit(2);
}

// The published datasets must be there before minutes of work start: say which are missing and how
// to point at them, instead of a stack trace from the first file read.
const mmmRoot = process.env.MMM_DATA_DIR ?? evalDataRoot();
const missing = missingEvalData({
  m4: M4_DIR,
  anomaly_nab: defaultNabRoot(),
  clv_cdnow: CDNOW_DIR,
  mmm_pymc_marketing: path.join(mmmRoot, 'mmm_pymc_marketing'),
  mmm_meridian: path.join(mmmRoot, 'mmm_meridian'),
});
if (missing.length) {
  console.error('The evaluation data is not where it is looked for:');
  for (const m of missing) console.error(`  ${m.dataset}: ${m.path}`);
  console.error(
    'Put the shared data folder beside the repository (../shared/data), or set OMNIFY_EVAL_DATA to it ' +
      '(OMNIFY_M4_DIR, OMNIFY_NAB_DIR, CDNOW_DIR and MMM_DATA_DIR override single datasets).',
  );
  process.exit(2);
}

const started = performance.now();
let sectionStarted: number | null = null;
/** Prints the previous section's wall time (so a slow evaluation shows), then the next title. */
const section = (title?: string) => {
  const now = performance.now();
  if (sectionStarted !== null) console.log(`(${((now - sectionStarted) / 1000).toFixed(1)} s)`);
  sectionStarted = now;
  if (title) console.log(`\n=== ${title} ===`);
};

section(`M4 Weekly and Hourly${quick ? ' (quick: a sample of series)' : ''}`);
const m4 = await runM4Eval({ quick, progress: process.stderr.isTTY });
console.log(m4.table);
const owaLine = (name: string, r: { owa: number } | undefined, target: number) =>
  r
    ? `${name} OWA ${r.owa.toFixed(3)} (target ≤ ${target}: ${r.owa <= target ? 'met' : 'NOT met'})`
    : `${name}: not run`;
console.log(
  `${owaLine('Weekly', m4.weekly, 0.9)}; ${owaLine('Hourly', m4.hourly, 0.6)}` +
    (quick ? ' — on a sample of series; the full run (npm run eval) decides' : ''),
);

section('NAB realAdExchange (standard profile)');
const nab = runNabEval();
console.log(nab.table);
console.log(
  `Standard profile ${nab.standard.toFixed(2)} at θ ${nab.fixedThreshold} fixed in advance (target ≥ 70: ${nab.standard >= 70 ? 'met' : 'NOT met'}); ` +
    `${nab.standardSwept.toFixed(2)} with θ swept on these 6 files (optimistic: the threshold is chosen on the files scored)`,
);

section('CDNOW: BG/NBD and Gamma-Gamma');
const cdnow = runCdnowEval();
console.log(cdnow.table);

section(`Creative fatigue on held-out simulator seeds${quick ? ' (quick)' : ''}`);
const fatigue = await runFatigueEval({ quick });
console.log(fatigue.table);

section(`Late-conversion nowcast on held-out simulator seeds${quick ? ' (quick: one seed, two dates)' : ''}`);
const nowcast = runNowcastEval({ quick });
console.log(nowcast.table);

section(
  `MMM: response curves and budget allocation (PyMC-Marketing, Meridian)${quick ? ' (quick: no bootstrap intervals)' : ''}`,
);
const mmm = await runMmmEval(quick ? { bootstrap: 0, quick } : {});
console.log(mmm.table);
if (quick)
  console.log(
    'Quick: the Meridian posterior runs a few dozen draws of one chain to check that the sampler runs — its R̂ ' +
      'shows it has not converged, and its ROI, ranking and directions are not results. `npm run eval` runs the full chains (about 30 min).',
  );
section();

const pick = (r?: { smape: number; mase: number; owa: number }) =>
  r ? { smape: r.smape, mase: r.mase, owa: r.owa } : null;
const results = {
  quick,
  m4: { weekly: pick(m4.weekly), hourly: pick(m4.hourly) },
  // standard: the threshold fixed in advance (the honest figure); standardSwept: NAB's sweep on these files.
  nab: { standard: nab.standard, standardSwept: nab.standardSwept },
  fatigue: { auc7: fatigue.auc7, auc14: fatigue.auc14 },
  nowcast: {
    coverage80: nowcast.overall.coverage80,
    wapeNowcast: nowcast.overall.wapeNowcast,
    wapeReported: nowcast.overall.wapeReported,
    biasNowcast: nowcast.overall.biasNowcast,
    biasReported: nowcast.overall.biasReported,
    lastWeek: {
      wapeNowcast: nowcast.lastWeek.wapeNowcast,
      wapeReported: nowcast.lastWeek.wapeReported,
      biasNowcast: nowcast.lastWeek.biasNowcast,
      biasReported: nowcast.lastWeek.biasReported,
    },
  },
  cdnow: {
    bgnbd: { r: cdnow.bgnbd.r, alpha: cdnow.bgnbd.alpha, a: cdnow.bgnbd.a, b: cdnow.bgnbd.b },
    gammaGamma: { p: cdnow.gammaGamma.p, q: cdnow.gammaGamma.q, gamma: cdnow.gammaGamma.gamma },
  },
  mmm: {
    pymcRoasMaxRelError: mmm.pymcRoasMaxRelError,
    pymcOptimumGap: mmm.pymcOptimumGap,
    meridianRankMatch: mmm.meridianRankMatch,
    meridianDirectionsMatch: mmm.meridianDirectionsMatch,
  },
  seconds: Math.round((performance.now() - started) / 100) / 10,
};
if (jsonPath) {
  // Relative to where `npm run eval` was started, not to server/.
  const out = path.resolve(process.env.INIT_CWD ?? process.cwd(), jsonPath);
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nWrote ${out}`);
}
console.log(`\nDone in ${results.seconds} s.`);
