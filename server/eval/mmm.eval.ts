/**
 * Response curves and budget allocation (ORACLE issue), on two public simulated MMM data sets.
 *
 *   cd server && node --import tsx eval/mmm.eval.ts [--json] [--bootstrap N] [--quick] [--seed N]
 *     [--primary-only] [--processes N]   (the posterior's chains run on N processes, default one per
 *     core; the draws are the same whatever N)
 *
 * Protocol (fixed before running; nothing is tuned on the scores):
 * 1. PyMC-Marketing mmm_example (179 weeks, x1, x2): fit curves with controls intercept, t, t²,
 *    yearly Fourier (K = 2), event_1, event_2. ROAS_c = fitted contribution / spend; score the
 *    largest relative error vs the truth (Σ contribution_c / Σ x_c from the DERIVED file).
 *    Allocation: budget = total historical spend, bounds [0, budget], each channel's historical
 *    weekly pattern scaled. The recommended split is scored with the TRUE curves (α 0.4/0.2, λ 4/3,
 *    β 3000/2000, the generating process); gap = 1 − R_true(recommended) / R_true(true optimum),
 *    R = total media response. The true optimum is our allocator run on the true curves.
 * 2. Meridian geo_all_channels (40 geos × 156 weeks): y = conversions × revenue_per_conversion per
 *    capita (revenue_per_conversion varies by ±2 % only, so this is Meridian's KPI × revenue_per_kpi
 *    to within that), spend per capita, geo and week effects. Scored: ROI ranking vs Meridian's
 *    published posterior-mean ROI (TF run); allocation with budget = historical total and ±30 %
 *    bounds per channel (Meridian's optimize() defaults: fixed budget = historical spend,
 *    spend_constraint 0.3, objective the posterior-mean incremental outcome of the historical pattern
 *    scaled per channel): direction of change per channel vs the published optimization.
 *    (Impressions and spend are interchangeable here: every channel's cost per impression is
 *    constant to 1e-7 in the file.)
 *    History of the specification, disclosed because each step was taken after seeing a score:
 *    (a) least squares, logistic saturation, trend + Fourier, controls competitor sales, sentiment,
 *        Promo and organic impressions per capita as pooled linear terms: ROI Spearman −0.3, 3/5;
 *    (b) the same with a fixed effect per week (Meridian's geo default): Spearman 0.2, 3/5;
 *    (c) 2026-11-27: Meridian's own model choices — Hill saturation (slope 1), its
 *        default priors (ROI LogNormal(0.2, 0.9), half-saturation TruncatedNormal(0.8, 0.8) on
 *        [0.1, 10] median-spend units, adstock α uniform) and POSTERIOR MEANS from MCMC draws, with
 *        allocation on the expected response — still with week effects. Reason: Meridian's published
 *        ROIs are posterior means with wide intervals (e.g. Channel4 0.42–3.44), and for channels the
 *        data barely inform, a posterior mean sits near the prior mean (1.83) while least squares or
 *        a posterior mode does not, so (a)/(b) compared different estimands. Nothing in (c) was set
 *        from the scores: the priors and Hill are Meridian's documented defaults. Sampler length was set
 *        by convergence, not by the scores: runs of 1 chain × 200 and 1 × 500 draws gave very
 *        different ROIs (Spearman 0.9 and −0.5), a sign of a stuck chain, so the walk was moved to
 *        (logit α, log half-saturation, log ROI) coordinates and run as 4 dispersed chains with
 *        split-R̂: 4 × 250 draws after 3,000 burn-in gave R̂ up to 1.16 (not converged); 4 × 1,000
 *        after 5,000 (thin 4) gives R̂ ≤ 1.04, the default. Result: ROI Ch0 1.06, Ch1 1.03, Ch2 1.41,
 *        Ch3 0.65, Ch4 1.58 → Spearman 0.90 (Ch0/Ch2 swapped), directions 4/5 (Ch1 +5.4M vs −3.6M).
 *    (d) primary 2026-11-27 until (e): the rest of Meridian's documented model
 *        structure that (c) lacked, each point checked in google/meridian's code and docs before the
 *        run (adstock_hill.py, equations.py / model.py calculate_beta_x, prior_distribution.py,
 *        optimizer docs) and decided before it; no setting was changed after the score:
 *        - adstock window max_lag + 1 = 9 normalized weights (Meridian's default max_lag 8; we had 8);
 *        - adstock α ~ Uniform(0, 1) (we capped it at 0.95);
 *        - controls and the non-media treatment Promo with a coefficient per geo (Meridian's γ_gc =
 *          γ_c + ξ_c·z_gc, ξ_c ~ HalfNormal(5) on standardized data: nearly unpooled, so profiled
 *          per geo here; (c) had one pooled coefficient each);
 *        - Organic_channel0 as organic media with its own adstock α, Hill half-saturation (same
 *          priors, median-scaled per capita impressions) and a coefficient ≥ 0 (Meridian's β_om ~
 *          HalfNormal(5), nearly flat, profiled here), instead of a linear control.
 *        Checked and already the same: normalized geometric adstock, adstock before Hill, Hill slope
 *        1, the ec prior in units of the median non-zero per-capita media, ROI = incremental outcome
 *        over spend summed over geos and weeks (β derived from the sampled ROI), the optimizer's
 *        problem. The first full run of (d) (seed 1) gave ROI Ch0 1.62, Ch1 0.99, Ch2 1.29, Ch3 0.86,
 *        Ch4 2.32 → Spearman 1.00, directions 5/5, max R̂ 1.08 (Ch0), 821 s wall / 469 s CPU on a
 *        loaded machine. The same spec with other sampler seeds (primary only, to see the Monte
 *        Carlo spread, not to choose; `--seed N` sets the primary's seed): seed 2 ROI 1.65 / 0.93 /
 *        1.33 / 0.96 / 2.25, R̂ ≤ 1.04, Spearman 0.90 (Ch1 and Ch3 swapped: their posterior means
 *        are within 0.1 of each other and move by that much between seeds), directions 5/5; seed 3
 *        ROI 1.62 / 0.93 / 1.31 / 0.93 / 2.59, R̂ ≤ 1.07, Spearman 0.90 (Ch1 0.927 vs Ch3 0.931),
 *        directions 5/5. So
 *        the directions hold on all three seeds (Ch1's cut −5 to −9M vs −3.6M published) and the
 *        ranking does not: our posterior puts Ch1 and Ch3 level (Meridian: 0.94 vs 0.80), and the
 *        rank-match target is met by seed 1 (the eval's fixed seed) only, 1 seed in 3.
 *        The `--quick` smoke run (1 × 150, R̂ up to 1.60) was looked at before the full run: it also
 *        ranked all five in order, which is not evidence (not converged). Still not Meridian: no per-geo
 *        hierarchical MEDIA coefficients (β_gm = exp(β_m + η_m·z), η_m ~ HalfNormal(1): Meridian lets
 *        each geo's media effect differ; we pool them, η = 0), controls and week effects profiled
 *        rather than sampled, Metropolis rather than NUTS, week effects rather than the notebook's
 *        AKS knots (an adaptive-ridge spline selection we do not reproduce). (a), (b), a MAP under
 *        the same priors and structure, and piecewise-linear knots chosen by BIC are printed as
 *        sensitivity lines; (a) and (b) keep the pooled structure of their time (least squares
 *        cannot take organic media).
 *    (e) primary since 2026-11-27 (decided before its run, because it is Meridian's documented default
 *        and (d) lacked it, whatever the score): per-geo media coefficients as Meridian's default
 *        log-normal media effects (checked in google/meridian model.py `_get_roi_prior_beta_m_value`
 *        and the joint distribution, prior_distribution.py `eta_m` HalfNormal(1.0)):
 *        β_gm = exp(b_m + η_m·z_gm), z_gm ~ N(0, 1), η_m ~ HalfNormal(1), b_m = ln(ROI_m·spend_m) −
 *        ln Σ_g e^{η_m z_gm} X_gm (X_gm the geo's population-weighted saturated media), so ROI stays
 *        total incremental outcome over total spend across geos. Sampler (`perGeoMedia` in
 *        posterior.ts): the (d) walk on θ plus log η_m, and after each θ step, for channel
 *        (iteration mod 5), one random-walk Metropolis update per geo of z_gm with b_m held (40 single-
 *        site steps, step size adapted to 44 % acceptance in burn-in), an exact Gibbs draw of the
 *        common shift of that channel's z (which the likelihood does not see) and a Metropolis move
 *        (η_m, z_m) → (η_m e^{−ε}, z_m e^{ε}) that leaves every β_gm unchanged (Jacobian e^{40ε}).
 *        Differences from Meridian that remain: NUTS jointly on everything vs this Metropolis-within-
 *        Gibbs; controls and week effects still profiled; a concentrated (σ² profiled) likelihood.
 *        Same chain lengths as (d) (4 × 1,000 after 5,000, thin 4).
 *        Result, seed 1 (primary only, 1,611 s wall; the sensitivity lines are the pooled specs above,
 *        not rerun): ROI (90 %, R̂) Ch0 1.98 (0.41–3.83, 1.05), Ch1 0.93 (0.29–2.03, 1.05), Ch2 1.24
 *        (0.51–2.14, 1.05), Ch3 0.82 (0.30–1.58, 1.08), Ch4 1.80 (0.31–3.50, 1.15 — above 1.1, not
 *        converged) → Spearman 0.90 (Ch0 above Ch4; published 1.61 < 1.65), directions 5/5 (+12.2 /
 *        −4.4 / +3.6 / −25.7 / +14.3M vs +12.1 / −3.6 / +3.6 / −26.4 / +14.3M). Before ((d), seed 1):
 *        1.62 / 0.99 / 1.29 / 0.86 / 2.32, Spearman 1.00, 5/5, max R̂ 1.08. Ch1–Ch3 now 0.93 vs 0.82
 *        (Meridian 0.94 vs 0.80) and Ch4 1.80 (1.65), but Ch0 rises to 1.98 (1.61). Seeds 2 and 3 not
 *        run for (e) (time). `--quick` (1 × 60 after 600) took 105 s on the loaded machine; later cut to
 *        1 × 30 after 250 so that CI stays under 20 minutes (it is a smoke test, not a figure).
 *        Chain length of (e) then set by convergence, before any run at it: Ch4's R̂ 1.15 at 4 × 1,000
 *        after 5,000 → 4 × 2,000 after 10,000 (thin 4), the chains split over the cores
 *        (posterior.parallel.ts: the same draws as one process). Results, primary only
 *        (`--primary-only --seed N`, 1,474 s / 1,923 s / 1,935 s wall on a loaded 2-core machine):
 *          seed 1: 1.76 / 0.93 / 1.36 / 0.95 / 1.90, max R̂ 1.06, Spearman 0.90, directions 5/5;
 *          seed 2: 1.83 / 0.91 / 1.39 / 0.93 / 1.86, max R̂ 1.04, Spearman 0.90, directions 5/5;
 *          seed 3: 1.85 / 1.02 / 1.27 / 0.89 / 1.87, max R̂ 1.03, Spearman 1.00, directions 5/5
 *        (published 1.61 / 0.94 / 1.24 / 0.80 / 1.65). Converged, every channel inside Meridian's 90 %
 *        interval and ours about as wide; Ch4 now above Ch0 on every seed (as published) — the
 *        unconverged run had them swapped. The rank miss on seeds 1 and 2 is Ch1 vs Ch3 again: our
 *        posterior means are 0.02–0.13 apart and change order between seeds (Meridian: 0.94 vs 0.80).
 *        So: directions 5/5 on three seeds; the full ranking on one seed in three.
 *    (f) primary since 2026-11-27, decided before any run of it and whatever its score, because it is
 *        the published notebook's own documented setting (`ModelSpec(enable_aks=True)`) and (e) lacked
 *        it: (e) with the week effects replaced by time effects on knots chosen by Meridian's Automatic
 *        Knot Selection (`aks.ts`, reimplemented from google/meridian `meridian/model/knots.py` class
 *        `AKS` as released in v1.7.0 — the version the notebook's install cell shows — which Meridian
 *        keeps verbatim as `meridian/schema/serde/legacy_aks.py`, read at commit 210d1b4b35aa; the
 *        current knots.py read at 07c4c39c3469 and 277e7c694215). The algorithm: conversions per
 *        capita, standardized over all geos and weeks and centred per geo, regressed on the week index
 *        with degree-1 B-splines over candidate knots at weeks 1 … 153; adaptive ridge (L0
 *        approximation, ε = 1e-5) on the coefficients' second differences for 100 penalties
 *        logspace(−1, 2)/√40; per penalty the knots with selection weight > 0.99 are refitted by least
 *        squares and scored by AIC with σ₀² = (full-basis residual mean square)² (the v1.7.0 formula;
 *        Meridian changed it to the unsquared mean square in v1.8.0, after the notebook ran); kept count
 *        in [1, 153 − 9 model variables]; lowest AIC, ties to the larger penalty. The knots are
 *        interpolated linearly to the weeks and flat outside the first and last knot (Meridian's
 *        `l1_distance_weights`), each knot a control (the first absorbed by the geo intercepts), as
 *        `knots` does. Checked against an independent NumPy/SciPy run of the same steps (SciPy's
 *        B-spline design matrix, dense solves): the same knots. Not verified: the definition of
 *        `InputData.scaled_centered_kpi` itself (not in the stored sources; its docstring says
 *        "population-scaled and mean-centered by geo" and its unit test's one-geo output has mean 0 and
 *        standard deviation 1, which this matches; without the per-geo centring AKS would keep 51
 *        knots instead of 64).
 *        On this data AKS keeps 64 knots: weeks 1, 2, 4, 6, 7, 9, 12, 14, 17, 22, 23, 27, 29, 37, 40,
 *        43, 45, 48, 49, 50, 52, 56, 57, 60, 61, 64, 65, 67, 68, 70, 74, 78, 79, 83, 86, 87, 102, 103,
 *        104, 105, 108, 109, 110, 111, 113, 114, 115, 119, 120, 123, 125, 127, 128, 132, 133, 134, 135,
 *        136, 138, 139, 142, 144, 146, 152 (all 100 penalties converged; lowest AIC at penalty 2.85/√40 = 0.45, the largest of
 *        the penalties that keep these 64).
 *        Same sampler and chain lengths as (e) (4 × 2,000 after 10,000, thin 4). Two changes were
 *        needed to run it, neither a modelling choice: the input check asks for two observations per
 *        parameter counted in geo-weeks for panel data (it counted weeks, and the pooled least-squares
 *        start has 4 + 63 controls over 156 weeks × 40 geos), and the profiler dots a column that is
 *        the same in every geo (a knot weight) through week sums (exact; otherwise the 63 dense knot
 *        columns made each per-geo update about 9 times dearer than with week effects).
 *        The `--quick` smoke run (1 × 30 after 250) ran end to end first; its numbers (R̂ up to 3.0) are
 *        not evidence and were not used. A first full run (2026-11-27, on a machine at load 5–13) was
 *        stopped unfinished after 6,164 s to free the CPU for CI. Results (2026-11-28, `--primary-only
 *        --seed N`, one at a time on a 2-core machine also running short test jobs, 1,024 / 974 / 923 s wall):
 *          seed 1: ROI (90 %, R̂) Ch0 1.78 (0.42–3.47, 1.02), Ch1 0.95 (0.24–2.04, 1.01), Ch2 1.12
 *                  (0.40–2.16, 1.02), Ch3 0.84 (0.32–1.60, 1.05), Ch4 2.02 (0.53–4.31, 1.01) →
 *                  Spearman 1.00, directions 5/5 (+12.2 / −5.3 / +1.7 / −22.8 / +14.3M);
 *          seed 2: 1.84 / 0.94 / 1.14 / 0.86 / 1.90, max R̂ 1.04 → Spearman 1.00, directions 5/5
 *                  (+12.2 / −5.9 / +3.6 / −24.2 / +14.3M);
 *          seed 3: 1.83 / 0.96 / 1.12 / 0.85 / 1.76, max R̂ 1.04 → Spearman 0.90 (Ch0 above Ch4),
 *                  directions 5/5 (+12.2 / −8.3 / +3.4 / −21.6 / +14.3M)
 *        (published 1.61 / 0.94 / 1.24 / 0.80 / 1.65 and +12.1 / −3.6 / +3.6 / −26.4 / +14.3M). So with
 *        AKS knots: directions 5/5 on three seeds, the full ROI ranking on two seeds in three (the eval's
 *        fixed seed 1 among them). Ch1 and Ch3, level under (d)/(e), are now apart on every seed (0.95 vs
 *        0.85, as Meridian's 0.94 vs 0.80); the miss on seed 3 is Ch0 vs Ch4, whose published means
 *        differ by 0.035 (1.61 vs 1.65) and ours by 0.07 the other way; every mean is inside Meridian's
 *        90 % interval. Ch0 and Ch4 stay above their published means (by 0.1–0.4), Ch2 below (by 0.1).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { aksScaledKpi, automaticKnotSelection, knotWeightsAt } from '../src/modules/oracle/allocation/aks.ts';
import { type AllocationEntity, allocateBudget } from '../src/modules/oracle/allocation/allocate.ts';
import {
  type ChannelParams,
  channelTotals,
  fitResponseCurves,
  type MmmInput,
} from '../src/modules/oracle/allocation/curves.ts';
import { knotControls, selectKnots, weightControls } from '../src/modules/oracle/allocation/knots.ts';
import { sampleCurvePosteriorParallel } from '../src/modules/oracle/allocation/posterior.parallel.ts';
import { posteriorEntities } from '../src/modules/oracle/allocation/posterior.ts';
import { mapWithPriors } from '../src/modules/oracle/allocation/prior.ts';
import { channelEntities, gainInterval } from '../src/modules/oracle/allocation/response.ts';
import { adstock, type Saturation } from '../src/modules/oracle/allocation/transforms.ts';
import { evalDataRoot } from '../src/modules/oracle/eval-data.ts';

const DATA = process.env.MMM_DATA_DIR ?? evalDataRoot();

function readCsv(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head!.split(',');
  return lines.map((l) => {
    const v = l.split(',');
    return Object.fromEntries(cols.map((c, i) => [c, v[i]!]));
  });
}
const num = (rows: Record<string, string>[], col: string) => Float64Array.from(rows, (r) => Number(r[col]));

function fourier(doy: ArrayLike<number>, k: number, period: number) {
  const out: Array<{ name: string; values: Float64Array }> = [];
  for (let j = 1; j <= k; j++) {
    out.push({
      name: `sin${j}`,
      values: Float64Array.from(doy, (d) => Math.sin((2 * Math.PI * j * d) / period)),
    });
    out.push({
      name: `cos${j}`,
      values: Float64Array.from(doy, (d) => Math.cos((2 * Math.PI * j * d) / period)),
    });
  }
  return out;
}
const trend = (t: ArrayLike<number>, T: number) => [
  { name: 't', values: Float64Array.from(t, (v) => v / T) },
  { name: 't2', values: Float64Array.from(t, (v) => (v / T) ** 2) },
];

export interface PymcResult {
  rows: Array<{
    channel: string;
    roas: number;
    trueRoas: number;
    relError: number;
    ci: [number, number] | null;
  }>;
  maxRelError: number;
  optimumGap: number;
  currentGap: number;
  recommended: number[];
  trueOptimum: number[];
  adstockCheck: number;
  r2: number;
  /** Modelled gain of the recommendation over the historical split, point and bootstrap interval. */
  gain: number;
  gainInterval: { p05: number; p50: number; p95: number } | null;
  trueGain: number;
}

export function runPymc(bootstrap: number): PymcResult {
  const dir = path.join(DATA, 'mmm_pymc_marketing');
  const rows = readCsv(path.join(dir, 'mmm_example.csv'));
  const truth = readCsv(path.join(dir, 'DERIVED_mmm_example_true_components.csv'));
  const T = rows.length;
  const x = ['x1', 'x2'].map((c) => num(rows, c));
  const input: MmmInput = {
    panels: 1,
    y: num(rows, 'y'),
    media: x.map((spend, i) => ({ name: `x${i + 1}`, spend })),
    controls: [
      ...trend(num(rows, 't'), T),
      ...fourier(num(rows, 'dayofyear'), 2, 365.25),
      { name: 'event_1', values: num(rows, 'event_1') },
      { name: 'event_2', values: num(rows, 'event_2') },
    ],
  };
  const fit = fitResponseCurves(input, { bootstrap });
  const trueParams: ChannelParams[] = [
    { alpha: 0.4, lambda: 4, beta: 3000, scale: 1 },
    { alpha: 0.2, lambda: 3, beta: 2000, scale: 1 },
  ];
  const adstockCheck = Math.max(
    ...['x1', 'x2'].flatMap((c, i) => {
      const a = adstock(x[i]!, trueParams[i]!.alpha);
      const d = num(truth, `${c}_adstock`);
      return Array.from(a, (v, t) => Math.abs(v - d[t]!));
    }),
  );
  const out = fit.channels.map((ch, i) => {
    const contribution = num(truth, `contribution_x${i + 1}`).reduce((s, v) => s + v, 0);
    const trueRoas = contribution / x[i]!.reduce((s, v) => s + v, 0);
    return {
      channel: ch.name,
      roas: ch.roas,
      trueRoas,
      relError: Math.abs(ch.roas / trueRoas - 1),
      ci: ch.roasInterval,
    };
  });
  const trueEntities = channelEntities(input, trueParams);
  const budget = trueEntities.reduce((s, e) => s + e.current!, 0);
  const fitted = allocateBudget(
    channelEntities(
      input,
      fit.channels.map((c) => c.params),
    ),
    budget,
  );
  const optimum = allocateBudget(trueEntities, budget);
  const trueOf = (spends: number[]) => trueEntities.reduce((s, e, i) => s + e.response(spends[i]!), 0);
  const recommended = fitted.allocations.map((a) => a.spend);
  const current = trueEntities.map((e) => e.current!);
  const draws = fit.channels[0]!.draws.map((_, b) => fit.channels.map((ch) => ch.draws[b]!));
  return {
    gain: fitted.gain ?? 0,
    gainInterval: gainInterval(input, draws, recommended, current),
    trueGain: trueOf(recommended) - trueOf(current),
    rows: out,
    maxRelError: Math.max(...out.map((r) => r.relError)),
    optimumGap: 1 - trueOf(recommended) / optimum.totalResponse,
    currentGap: 1 - trueOf(trueEntities.map((e) => e.current!)) / optimum.totalResponse,
    recommended,
    trueOptimum: optimum.allocations.map((a) => a.spend),
    adstockCheck,
    r2: fit.r2,
  };
}

const CHANNELS = ['Channel0', 'Channel1', 'Channel2', 'Channel3', 'Channel4'];

export interface MeridianResult {
  spec: string;
  rows: Array<{
    channel: string;
    roi: number;
    publishedRoi: number;
    ci: [number, number] | null;
    publishedCi: [number, number];
    change: number;
    publishedChange: number;
    binding: string | null;
  }>;
  rankMatch: boolean;
  spearman: number;
  directionsMatch: boolean;
  directionsAgreeing: number;
  gain: number;
  r2: number;
  acceptance: number | null;
  /** Split-R̂ of each channel's ROI (posterior only): above ~1.1 the chains disagree. */
  rhat: number[] | null;
}

function ranks(v: number[]) {
  const order = v.map((_, i) => i).sort((a, b) => v[b]! - v[a]!);
  const r = new Array<number>(v.length);
  order.forEach((i, k) => {
    r[i] = k;
  });
  return r;
}

/**
 * How the Meridian data are modelled:
 * - time: `weeks` = a fixed effect per week (Meridian's default for geo data: knots = n_times);
 *   `knots` = piecewise-linear time effects through K equally spaced knots, K by BIC on the national
 *   per-capita revenue (a stand-in for the AKS the published notebook enabled); `aks` = the same
 *   piecewise-linear time effects through the knots Meridian's Automatic Knot Selection picks
 *   (`aks.ts`, spec (f)); `trend` = t, t² and yearly Fourier (K = 2).
 * - estimator: `ls` = least squares (bootstrap interval); `map` = posterior mode under Meridian's
 *   priors; `posterior` = posterior mean and 90 % interval from MCMC draws under Meridian's priors,
 *   allocation on the expected response (as Meridian's optimizer does).
 * - structure: `map` and `posterior` use Meridian's (geo-level coefficients of the controls and of
 *   Promo, Organic_channel0 as organic media with adstock + Hill, 9 adstock weights, α up to 1);
 *   `ls` the pooled one (all four as pooled linear controls, 8 weights), as in specs (a) and (b).
 */
export interface MeridianSpec {
  time: 'weeks' | 'knots' | 'aks' | 'trend';
  estimator: 'ls' | 'map' | 'posterior';
  saturation: Saturation;
  bootstrap?: number;
  draws?: number;
  burnIn?: number;
  chains?: number;
  /** Sampler seed (default 1); other seeds check that a result is not Monte Carlo luck. */
  seed?: number;
  /** Posterior only: per-geo media coefficients (Meridian's log-normal media effects), spec (e). */
  perGeoMedia?: boolean;
}

/**
 * Meridian's default priors: ROI ~ LogNormal(0.2, 0.9); ec ~ TruncatedNormal(0.8, 0.8) on [0.1, 10]
 * (paid and organic media); adstock α ~ Uniform(0, 1).
 */
export const MERIDIAN_PRIORS = {
  roi: { mu: 0.2, sigma: 0.9 },
  halfSaturation: { mean: 0.8, sd: 0.8, lo: 0.1, hi: 10 },
  alphaMax: 1,
};

interface MeridianData {
  rows: Record<string, string>[];
  geos: string[];
  T: number;
  pop: Float64Array;
  y: Float64Array;
  base: MmmInput;
  /** Meridian's structure (see runMeridian): geo-level controls and Promo, organic media, 9 lags. */
  meridianBase: MmmInput;
  published: { roi: number[]; ci: Array<[number, number]>; change: number[] };
}

let meridianData: MeridianData | null = null;
function loadMeridian(): MeridianData {
  if (meridianData) return meridianData;
  const dir = path.join(DATA, 'mmm_meridian');
  const rows = readCsv(path.join(dir, 'geo_all_channels.csv'));
  rows.sort((a, b) => (a.geo! === b.geo! ? a.time!.localeCompare(b.time!) : 0));
  const geos = [...new Set(rows.map((r) => r.geo!))];
  const T = rows.length / geos.length;
  const pop = num(rows, 'population');
  const perCapita = (v: Float64Array) => v.map((x, i) => x / pop[i]!);
  const revenue = num(rows, 'conversions').map((c, i) => c * Number(rows[i]!.revenue_per_conversion));
  const y = perCapita(revenue);
  const base: MmmInput = {
    panels: geos.length,
    y,
    media: CHANNELS.map((c) => ({ name: c, spend: perCapita(num(rows, `${c}_spend`)) })),
    controls: [
      { name: 'competitor_sales_control', values: num(rows, 'competitor_sales_control') },
      { name: 'sentiment_score_control', values: num(rows, 'sentiment_score_control') },
      { name: 'Promo', values: num(rows, 'Promo') },
      { name: 'Organic_channel0', values: perCapita(num(rows, 'Organic_channel0_impression')) },
    ],
    panelScale: geos.map((_, g) => pop[g * T]!),
  };
  // Meridian's model of the same data: a coefficient per geo for each control and for the
  // non-media treatment Promo (γ_gc = γ_c + ξ_c·z_gc with ξ_c ~ HalfNormal(5) on standardized data,
  // approximated by unpooled geo coefficients), Organic_channel0 as organic media (own adstock and
  // Hill, coefficient ≥ 0; median-scaled per capita impressions) and adstock max_lag 8 (9 weights).
  const perGeo = (name: string, v: Float64Array) =>
    geos.map((geo, g) => ({
      name: `${name}@${geo}`,
      values: Float64Array.from(v, (x, i) => (Math.floor(i / T) === g ? x : 0)),
    }));
  const meridianBase: MmmInput = {
    ...base,
    controls: ['competitor_sales_control', 'sentiment_score_control', 'Promo'].flatMap((c) =>
      perGeo(c, num(rows, c)),
    ),
    organic: [{ name: 'Organic_channel0', values: perCapita(num(rows, 'Organic_channel0_impression')) }],
    adstockWindow: 9,
  };
  const tf = JSON.parse(
    readFileSync(path.join(dir, 'DERIVED_meridian_demo_published_results.json'), 'utf8'),
  ).getting_started_tf;
  // biome-ignore lint/suspicious/noExplicitAny: the published JSON's row shapes differ per table
  const find = (list: Array<{ channel: string } & Record<string, any>>, c: string) =>
    list.find((r) => r.channel === c)!;
  const published = {
    roi: CHANNELS.map((c) => find(tf.summary_report['ROI vs. marginal ROI'], c).roi as number),
    ci: CHANNELS.map((c) => {
      const r = find(tf.summary_report['ROI by channel with 90% credible interval'], c);
      return [r.ci_lo, r.ci_hi] as [number, number];
    }),
    change: CHANNELS.map(
      (c) =>
        find(tf.optimization_reports[0]['Change in optimized spend for each channel'], c).spend as number,
    ),
  };
  meridianData = { rows, geos, T, pop, y, base, meridianBase, published };
  return meridianData;
}

/** The national per-capita outcome per week and the number of knots BIC picks for it. */
export function meridianKnots(): number {
  const { geos, T, pop, y } = loadMeridian();
  const national = Array.from({ length: T }, (_, t) => {
    let num = 0;
    let den = 0;
    for (let g = 0; g < geos.length; g++) {
      num += y[g * T + t]! * pop[g * T + t]!;
      den += pop[g * T + t]!;
    }
    return num / den;
  });
  return selectKnots(national, Math.floor(T / 2)).knots;
}

/**
 * The knots Meridian's AKS selects on this data (header, (f)): its input is the KPI (conversions) per
 * capita; the default upper bound on the number of knots subtracts the model's 9 variables (5 media,
 * 1 organic, 1 non-media treatment, 2 controls).
 */
let aksCache: number[] | null = null;
export function meridianAksKnots(): number[] {
  if (aksCache) return aksCache;
  const { rows, geos, T } = loadMeridian();
  const population = geos.map((_, g) => Number(rows[g * T]!.population));
  const y = aksScaledKpi(num(rows, 'conversions'), population, geos.length);
  aksCache = automaticKnotSelection(y, geos.length, { features: CHANNELS.length + 4 }).knots;
  return aksCache;
}

const lsCache = new Map<string, ReturnType<typeof fitResponseCurves>>();

/**
 * Progress of the posterior's chains on stderr (a full Meridian run takes tens of minutes): at most
 * one line a minute, plus one as each chain finishes, with the elapsed wall time.
 */
function progressLine(label: string) {
  const t0 = Date.now();
  let last = t0;
  return (chain: number, done: number, total: number) => {
    const now = Date.now();
    if (done < total && now - last < 60_000) return;
    last = now;
    const pct = Math.round((100 * done) / total);
    process.stderr.write(
      `  [${label}] chain ${chain + 1}: ${done}/${total} iterations (${pct} %), ${Math.round((now - t0) / 1000)} s\n`,
    );
  };
}

export async function runMeridian(spec: MeridianSpec, processes = 1): Promise<MeridianResult> {
  const { rows, geos, T, base, meridianBase, published } = loadMeridian();
  const t = Float64Array.from(rows, (_, i) => i % T);
  const doy = Float64Array.from(rows, (r) => {
    const d = new Date(`${r.time}T00:00:00Z`);
    return (d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000;
  });
  const knots = spec.time === 'knots' ? meridianKnots() : 0;
  const aksKnots = spec.time === 'aks' ? meridianAksKnots() : [];
  // Least squares (the earlier specs, and the start of the MAP and the sampler) on the pooled
  // structure; the MAP and the posterior on Meridian's (organic media need the sampler's model).
  const structured = spec.estimator !== 'ls';
  const timeControls = [
    ...(spec.time === 'trend' ? [...trend(t, T), ...fourier(doy, 2, 365.25)] : []),
    ...(spec.time === 'knots' ? knotControls(geos.length, T, knots) : []),
    ...(spec.time === 'aks' ? weightControls(geos.length, T, knotWeightsAt(T, aksKnots)) : []),
  ];
  const model: MmmInput = {
    ...meridianBase,
    controls: [...meridianBase.controls, ...timeControls],
    timeEffects: spec.time === 'weeks',
  };
  const input: MmmInput = {
    ...base,
    controls: [
      ...base.controls,
      ...(spec.time === 'trend' ? [...trend(t, T), ...fourier(doy, 2, 365.25)] : []),
      ...(spec.time === 'knots' ? knotControls(geos.length, T, knots) : []),
      ...(spec.time === 'aks' ? weightControls(geos.length, T, knotWeightsAt(T, aksKnots)) : []),
    ],
    timeEffects: spec.time === 'weeks',
  };
  const bootstrap = spec.estimator === 'ls' ? (spec.bootstrap ?? 0) : 0;
  const key = `${spec.time}/${spec.saturation}/${bootstrap}`;
  const fit = lsCache.get(key) ?? fitResponseCurves(input, { bootstrap, saturation: spec.saturation });
  lsCache.set(key, fit);
  const start = fit.channels.map((c) => c.params);
  let roi: number[];
  let ci: Array<[number, number] | null>;
  let entities: AllocationEntity[];
  let acceptance: number | null = null;
  let rhat: number[] | null = null;
  const bounds = { lower: 0.3, upper: 0.3 };
  if (spec.estimator === 'posterior') {
    const post = await sampleCurvePosteriorParallel(
      model,
      start,
      MERIDIAN_PRIORS,
      {
        draws: spec.draws ?? 1000,
        burnIn: spec.burnIn ?? 5000,
        thin: 4,
        seed: spec.seed ?? 1,
        chains: spec.chains ?? 4,
        ...(spec.perGeoMedia ? { perGeoMedia: true } : {}),
        onProgress: progressLine(`${spec.time}/seed ${spec.seed ?? 1}`),
      },
      processes,
    );
    rhat = post.rhat;
    roi = post.roi.map((r) => r.mean);
    ci = post.roi.map((r) => [r.p05, r.p95]);
    entities = posteriorEntities(model, post.draws, bounds, 50);
    acceptance = post.acceptance;
  } else {
    const m = structured ? model : input;
    const params = spec.estimator === 'map' ? mapWithPriors(m, start, MERIDIAN_PRIORS).params : start;
    roi = params.map((p, c) => {
      const totals = channelTotals(m, c, p);
      return totals.contribution / totals.spend;
    });
    ci = spec.estimator === 'ls' ? fit.channels.map((c) => c.roasInterval) : params.map(() => null);
    entities = channelEntities(m, params, bounds);
  }
  const budget = entities.reduce((s, e) => s + e.current!, 0);
  const alloc = allocateBudget(entities, budget);
  const [ra, rb] = [ranks(roi), ranks(published.roi)];
  const n = roi.length;
  const d2 = ra.reduce((s, r, i) => s + (r - rb[i]!) ** 2, 0);
  const change = alloc.allocations.map((a) => a.spend - a.current!);
  const agree = change.filter((c, i) => Math.sign(c) === Math.sign(published.change[i]!)).length;
  const time =
    spec.time === 'knots'
      ? `${knots} BIC knots`
      : spec.time === 'aks'
        ? `${aksKnots.length} AKS knots`
        : spec.time === 'weeks'
          ? 'week effects'
          : 'trend + Fourier';
  return {
    spec: `${spec.estimator}, ${spec.saturation}, ${time}${structured ? ', geo-level controls and Promo, organic Hill, 9 lags' : ''}${spec.perGeoMedia ? ', per-geo media effects' : ''}`,
    rows: CHANNELS.map((c, i) => ({
      channel: c,
      roi: roi[i]!,
      publishedRoi: published.roi[i]!,
      ci: ci[i]!,
      publishedCi: published.ci[i]!,
      change: change[i]!,
      publishedChange: published.change[i]!,
      binding: alloc.allocations[i]!.binding,
    })),
    rankMatch: ra.every((r, i) => r === rb[i]),
    spearman: 1 - (6 * d2) / (n * (n * n - 1)),
    directionsMatch: agree === n,
    directionsAgreeing: agree,
    gain: alloc.gain ?? 0,
    r2: fit.r2,
    acceptance,
    rhat,
  };
}

export interface MmmEvalResult {
  pymcRoasMaxRelError: number;
  pymcOptimumGap: number;
  meridianRankMatch: boolean;
  meridianDirectionsMatch: boolean;
  table: string;
  pymc: PymcResult;
  meridian: MeridianResult;
  meridianSensitivity: MeridianResult[];
  seconds: number;
}

const f = (v: number, d = 3) => v.toFixed(d);

function meridianTable(m: MeridianResult): string[] {
  return [
    `Meridian geo_all_channels — ${m.spec} (within-geo R² of the least-squares start ${f(m.r2)}${m.acceptance === null ? '' : `; MCMC acceptance ${f(m.acceptance, 2)}`}), ±30% bounds, budget = historical total`,
    `channel | ROI | 90% interval${m.rhat ? ' | R̂' : ''} | published ROI | published 90% | change | published change | binds`,
    ...m.rows.map(
      (r, i) =>
        `${r.channel} | ${f(r.roi)} | ${r.ci ? `${f(r.ci[0], 2)}–${f(r.ci[1], 2)}` : '—'}${m.rhat ? ` | ${f(m.rhat[i]!, 2)}` : ''} | ${f(r.publishedRoi)} | ${f(r.publishedCi[0], 2)}–${f(r.publishedCi[1], 2)} | ${(r.change / 1e6).toFixed(1)}M | ${(r.publishedChange / 1e6).toFixed(1)}M | ${r.binding ?? '—'}`,
    ),
    `ROI rank match ${m.rankMatch} (Spearman ${f(m.spearman, 2)}); directions ${m.directionsAgreeing}/5 (match ${m.directionsMatch}); modelled gain ${(m.gain / 1e6).toFixed(1)}M`,
  ];
}

const sensitivityLine = (m: MeridianResult) =>
  `sensitivity, ${m.spec}: ROI ${m.rows.map((r) => f(r.roi, 2)).join(' / ')}${m.rhat ? ` (max R̂ ${f(Math.max(...m.rhat), 2)})` : ''}; rank match ${m.rankMatch} (Spearman ${f(m.spearman, 2)}); directions ${m.directionsAgreeing}/5 (${m.rows.map((r) => (r.change >= 0 ? '+' : '−')).join('')})`;

export async function runMmmEval(
  opts: {
    bootstrap?: number;
    quick?: boolean;
    seed?: number;
    /** Processes the posterior's chains are dealt to (default: one per core; same draws either way). */
    processes?: number;
    /** The primary only, without the sensitivity lines (for other sampler seeds). */
    primaryOnly?: boolean;
  } = {},
): Promise<MmmEvalResult> {
  const processes = opts.processes ?? os.availableParallelism();
  const start = performance.now();
  const pymc = runPymc(opts.bootstrap ?? 20);
  // Primary (see the header, (f)): Meridian's priors, saturation and model structure, per-geo media
  // effects, posterior means, time effects on the knots Meridian's AKS selects (the notebook's setting).
  const meridian = await runMeridian(
    {
      time: 'aks',
      estimator: 'posterior',
      saturation: 'hill',
      perGeoMedia: true,
      // Chain length set by convergence (header, (e)): 4 × 1,000 after 5,000 left Ch4 at R̂ 1.15.
      draws: 2000,
      burnIn: 10_000,
      ...(opts.seed === undefined ? {} : { seed: opts.seed }),
      // Smoke run only (not converged): it checks the run end to end in CI, nothing more. Shorter
      // than (d)'s 1 × 150 after 1,500 because every iteration also updates one channel's 40 per-geo
      // effects (1 × 60 after 600 made the whole quick eval 123 s on an idle machine; CI keeps 20 min).
      ...(opts.quick ? { draws: 30, burnIn: 250, chains: 1 } : {}),
    },
    processes,
  );
  // Sensitivity lines (full run only: each least-squares fit on the geo data takes ~40 s).
  const sensitivity: MeridianResult[] = [];
  if (!opts.quick && !opts.primaryOnly)
    for (const spec of [
      // The previous primary: least squares, logistic saturation, week effects.
      { time: 'weeks', estimator: 'ls', saturation: 'logistic', bootstrap: opts.bootstrap ?? 10 },
      { time: 'knots', estimator: 'posterior', saturation: 'hill' },
      { time: 'weeks', estimator: 'map', saturation: 'hill' },
      { time: 'trend', estimator: 'ls', saturation: 'logistic' },
    ] satisfies MeridianSpec[])
      sensitivity.push(await runMeridian(spec, processes));
  const lines = [
    `PyMC-Marketing mmm_example (R² ${f(pymc.r2)}): ROAS vs truth`,
    'channel | ROAS | 90% CI | true ROAS | rel. error | recommended | true optimum',
    ...pymc.rows.map(
      (r, i) =>
        `${r.channel} | ${f(r.roas, 1)} | ${r.ci ? `${f(r.ci[0], 1)}–${f(r.ci[1], 1)}` : '—'} | ${f(r.trueRoas, 1)} | ${f(100 * r.relError, 2)}% | ${f(pymc.recommended[i]!, 2)} | ${f(pymc.trueOptimum[i]!, 2)}`,
    ),
    `gain of the recommendation over the historical split: modelled ${f(pymc.gain, 0)} (90% ${pymc.gainInterval ? `${f(pymc.gainInterval.p05, 0)}–${f(pymc.gainInterval.p95, 0)}` : '—'}), true ${f(pymc.trueGain, 0)}`,
    `max ROAS rel. error ${f(100 * pymc.maxRelError, 2)}% (target ≤ 15%); optimum gap of the recommended split ${f(100 * pymc.optimumGap, 3)}% (target ≤ 1%; historical split: ${f(100 * pymc.currentGap, 2)}%)`,
    '',
    ...meridianTable(meridian),
    `published directions: ${meridian.rows.map((r) => (r.publishedChange >= 0 ? '+' : '−')).join('')} (Channel0…4)`,
    ...sensitivity.map(sensitivityLine),
  ];
  return {
    pymcRoasMaxRelError: pymc.maxRelError,
    pymcOptimumGap: pymc.optimumGap,
    meridianRankMatch: meridian.rankMatch,
    meridianDirectionsMatch: meridian.directionsMatch,
    table: lines.join('\n'),
    pymc,
    meridian,
    meridianSensitivity: sensitivity,
    seconds: (performance.now() - start) / 1000,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const b = args.indexOf('--bootstrap');
  const sd = args.indexOf('--seed');
  const pr = args.indexOf('--processes');
  const r = await runMmmEval({
    ...(b >= 0 ? { bootstrap: Number(args[b + 1]) } : {}),
    ...(sd >= 0 ? { seed: Number(args[sd + 1]) } : {}),
    ...(pr >= 0 ? { processes: Number(args[pr + 1]) } : {}),
    quick: args.includes('--quick'),
    primaryOnly: args.includes('--primary-only'),
  });
  if (args.includes('--json')) {
    const { table: _t, ...rest } = r;
    console.log(JSON.stringify(rest, null, 2));
  } else console.log(`${r.table}\n\n${r.seconds.toFixed(1)} s`);
}
