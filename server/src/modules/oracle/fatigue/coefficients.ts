/**
 * Fitted by `node --import tsx eval/fatigue.eval.ts --write` on the development seeds
 * (dev1, dev2, dev3, dev4) at 2026-03-01, 2026-04-05, 2026-05-10, 2026-06-14, 2026-07-19, 2026-08-23. Do not edit by hand.
 */
import type { FatigueCoefficients } from './model.ts';

export const FATIGUE_COEFFICIENTS: FatigueCoefficients = {
  p7: {
    names: [
      'age_months',
      'age_months_search',
      'log_impression_days',
      'cumulative_frequency',
      'ctr_decay',
      'ctr_slope_week',
      'cvr_decay',
      'log_saturation',
      'search',
      'has_reach',
    ],
    mean: [
      0.986983, 0.152377, 3.21455, 0.409507, 0.0119469, 0.00814903, 0.0561913, -0.0000709493, 0.16702,
      0.296129,
    ],
    sd: [0.646961, 0.401383, 0.94045, 0.773389, 0.135382, 0.426838, 0.172736, 0.00607881, 0.372994, 0.456549],
    intercept: -3.42979,
    coef: [
      0.475161, 1.43074, 0.303758, 2.91242, 0.146454, 0.0107882, 0.00425969, 0.231132, -1.62295, -3.18368,
    ],
  },
  p14: {
    names: [
      'age_months',
      'age_months_search',
      'log_impression_days',
      'cumulative_frequency',
      'ctr_decay',
      'ctr_slope_week',
      'cvr_decay',
      'log_saturation',
      'search',
      'has_reach',
    ],
    mean: [
      0.986983, 0.152377, 3.21455, 0.409507, 0.0119469, 0.00814903, 0.0561913, -0.0000709493, 0.16702,
      0.296129,
    ],
    sd: [0.646961, 0.401383, 0.94045, 0.773389, 0.135382, 0.426838, 0.172736, 0.00607881, 0.372994, 0.456549],
    intercept: -1.93702,
    coef: [
      0.390095, 1.65673, 0.264895, 2.26151, 0.150167, -0.0120077, 0.00780177, 0.324402, -1.61649, -1.98322,
    ],
  },
  trainedOn: ['dev1', 'dev2', 'dev3', 'dev4'],
};
