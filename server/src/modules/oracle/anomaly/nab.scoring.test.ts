import { describe, expect, it } from 'vitest';
import {
  AD_EXCHANGE_FILES,
  defaultNabRoot,
  loadAdExchange,
  loadDetectorOutput,
  nabAvailable,
} from './nab.data.ts';
import {
  NAB_PROFILES,
  type NabFile,
  normalizedScore,
  probationRows,
  rowValues,
  scaledSigmoid,
  scoreCorpus,
  scoreFile,
  sweepThreshold,
} from './nab.scoring.ts';

const standard = NAB_PROFILES.standard;

/** numenta's detections on exchange-2_cpc at its published standard threshold (SCORING.md §5). */
function numentaExchange2Cpc(): NabFile {
  const scores = new Float64Array(1624);
  for (const row of [2, 4, 5, 6, 8, 9, 45, 325, 1037, 1042, 1483]) scores[row] = 0.9;
  return { name: 'exchange-2_cpc', scores, windows: [[244, 406]] };
}

describe('NAB scoring', () => {
  it('uses the scaled sigmoid and probation of NAB', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.986614, 6);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.848284, 6);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.986614, 6);
    expect(scaledSigmoid(3.01)).toBe(-1);
    expect(probationRows(1624)).toBe(243);
    expect(probationRows(22_695)).toBe(750);
  });

  it('reproduces numenta on exchange-2_cpc: probation ignored, earliest window hit, each FP priced', () => {
    const r = scoreFile(numentaExchange2Cpc(), 0.5421877, standard);
    expect(r.score).toBeCloseTo(0.53195803375, 9);
    expect([r.tp, r.tn, r.fp, r.fn]).toEqual([1, 1215, 3, 162]);
  });

  it('prices a false positive by the window before it, not after', () => {
    const { value } = rowValues(1000, [[300, 399]], standard);
    expect(value[300]).toBeCloseTo(1, 12); // first row of the window is worth A_TP
    expect(value[399]).toBeGreaterThan(0);
    expect(value[399]).toBeLessThan(0.1);
    expect(value[250]).toBe(-0.11); // before any window
    expect(value[401]).toBeGreaterThan(-0.11); // just after: forgiven a little
    expect(value[401]).toBeLessThan(0);
    expect(value[900]).toBe(-0.11); // more than 3 widths later
  });

  it('counts a missed window once, whatever its width, and normalises null to 0 and perfect to 100', () => {
    const windows: Array<[number, number]> = [
      [300, 399],
      [600, 619],
    ];
    const none: NabFile = { name: 'f', scores: new Float64Array(1000), windows };
    expect(scoreFile(none, 0.5, standard).score).toBe(-2);
    const perfect = new Float64Array(1000);
    perfect[300] = 1;
    perfect[600] = 1;
    const best = scoreFile({ ...none, scores: perfect }, 0.5, standard).score;
    expect(normalizedScore(-2, 2, standard)).toBe(0);
    expect(normalizedScore(best, 2, standard)).toBeCloseTo(100, 9);
    expect(normalizedScore(7.52183, 14, standard)).toBeCloseTo(76.864, 3);
  });

  it('sweeps thresholds like the sweeper: best corpus score, the higher threshold on a tie', () => {
    const scores = new Float64Array(1000);
    scores[300] = 0.7; // in the window
    scores[800] = 0.9; // a false positive above it
    const file: NabFile = { name: 'f', scores, windows: [[300, 399]] };
    const swept = sweepThreshold([file], standard);
    expect(swept.threshold).toBe(0.7);
    expect(swept.score).toBeCloseTo(scoreCorpus([file], 0.7, standard).score, 12);
    const only = sweepThreshold([{ ...file, scores: new Float64Array(1000).fill(0.3) }], standard);
    expect(only.threshold).toBe(1.1); // detecting everything is worse than nothing
  });

  it.skipIf(!nabAvailable())(
    'reproduces the published numenta scores on the six realAdExchange files',
    () => {
      const root = defaultNabRoot();
      const files = loadAdExchange(root).map((s) => ({
        name: s.name,
        scores: loadDetectorOutput(root, 'numenta', s.short)!.anomaly_score!,
        windows: s.windows,
      }));
      expect(files).toHaveLength(AD_EXCHANGE_FILES.length);
      const r = scoreCorpus(files, 0.5421876907348634, standard);
      expect(r.perFile[0]!.score).toBeCloseTo(0.53195803375, 9);
      expect(r.score).toBeCloseTo(7.52183, 5);
      expect(normalizedScore(r.score, 14, standard)).toBeCloseTo(76.86, 2);
    },
  );
});
