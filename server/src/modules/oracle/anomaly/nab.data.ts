/**
 * Reads the NAB snapshot kept beside the repository (`../shared/data/anomaly_nab`, or
 * `$OMNIFY_NAB_DIR`): the realAdExchange series, their label windows, NAB's profiles and
 * thresholds, and the published detectors' per-row outputs and per-file scores.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { evalDataDir } from '../eval-data.ts';
import { type CostProfile, type NabProfileName, windowsToRows } from './nab.scoring.ts';

export const AD_EXCHANGE_FILES = [
  'exchange-2_cpc',
  'exchange-2_cpm',
  'exchange-3_cpc',
  'exchange-3_cpm',
  'exchange-4_cpc',
  'exchange-4_cpm',
] as const;

export function defaultNabRoot(): string {
  return process.env.OMNIFY_NAB_DIR ?? evalDataDir('anomaly_nab');
}

export const nabAvailable = (root = defaultNabRoot()) =>
  existsSync(path.join(root, 'labels/combined_windows.json'));

export interface NabSeries {
  /** NAB's key, e.g. `realAdExchange/exchange-2_cpc_results.csv`. */
  name: string;
  short: string;
  timestamps: string[];
  values: number[];
  windows: Array<[number, number]>;
}

function csvRows(file: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  return { header: lines[0]!.split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

export function loadAdExchange(root = defaultNabRoot()): NabSeries[] {
  const windows = JSON.parse(readFileSync(path.join(root, 'labels/combined_windows.json'), 'utf8')) as Record<
    string,
    Array<[string, string]>
  >;
  return AD_EXCHANGE_FILES.map((short) => {
    const name = `realAdExchange/${short}_results.csv`;
    const { rows } = csvRows(path.join(root, 'data', name));
    const timestamps = rows.map((r) => r[0]!);
    return {
      name,
      short,
      timestamps,
      values: rows.map((r) => Number(r[1])),
      windows: windowsToRows(timestamps, windows[name] ?? []),
    };
  });
}

/** One published detector's per-row output for one file: every numeric column by name. */
export function loadDetectorOutput(root: string, detector: string, short: string) {
  const file = path.join(root, 'results/detector_outputs', detector, `${detector}_${short}_results.csv`);
  if (!existsSync(file)) return null;
  const { header, rows } = csvRows(file);
  const columns: Record<string, number[]> = {};
  header.forEach((h, j) => {
    if (h !== 'timestamp') columns[h] = rows.map((r) => Number(r[j]));
  });
  return columns;
}

export const detectorsWithOutputs = [
  'numenta',
  'windowedGaussian',
  'bayesChangePt',
  'relativeEntropy',
  'random',
  'null',
];

export interface PublishedFileScore {
  threshold: number;
  score: number;
  tp: number;
  tn: number;
  fp: number;
  fn: number;
}

/** `results/scores/<detector>_<profile>_scores.csv`, keyed by NAB file name. */
export function loadPublishedScores(root: string, detector: string, profile: NabProfileName) {
  const file = path.join(root, 'results/scores', `${detector}_${profile}_scores.csv`);
  const out = new Map<string, PublishedFileScore>();
  if (!existsSync(file)) return out;
  for (const r of csvRows(file).rows) {
    if (r[0] === 'Totals') continue;
    out.set(r[2]!, {
      threshold: Number(r[3]),
      score: Number(r[4]),
      tp: Number(r[5]),
      tn: Number(r[6]),
      fp: Number(r[7]),
      fn: Number(r[8]),
    });
  }
  return out;
}

export function loadThresholds(root: string) {
  return JSON.parse(readFileSync(path.join(root, 'config/thresholds.json'), 'utf8')) as Record<
    string,
    Record<NabProfileName, { threshold: number; score: number }>
  >;
}

export function loadProfiles(root: string): Record<NabProfileName, CostProfile> {
  const raw = JSON.parse(readFileSync(path.join(root, 'config/profiles.json'), 'utf8')) as Record<
    NabProfileName,
    { CostMatrix: CostProfile }
  >;
  const pick = (n: NabProfileName) => {
    const c = raw[n].CostMatrix;
    return { tpWeight: c.tpWeight, fpWeight: c.fpWeight, fnWeight: c.fnWeight };
  };
  return {
    standard: pick('standard'),
    reward_low_FP_rate: pick('reward_low_FP_rate'),
    reward_low_FN_rate: pick('reward_low_FN_rate'),
  };
}

/** `results/DERIVED_realAdExchange_scores_by_detector.csv`: published subset scores at corpus θ. */
export function loadDerivedSubsetScores(root: string) {
  const out = new Map<string, Partial<Record<NabProfileName, { raw: number; normalized: number }>>>();
  for (const r of csvRows(path.join(root, 'results/DERIVED_realAdExchange_scores_by_detector.csv')).rows) {
    const entry = out.get(r[0]!) ?? {};
    entry[r[1] as NabProfileName] = { raw: Number(r[3]), normalized: Number(r[8]) };
    out.set(r[0]!, entry);
  }
  return out;
}
