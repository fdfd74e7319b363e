/**
 * Client health, 0–100: a weighted mean of five component scores (each 0–100), over the components
 * that have data (weights renormalised), so a client without a monthly budget is judged on the rest
 * rather than given a free 100 for pacing. Linear ramps, stated in each component's detail:
 *
 * | component  | weight | 100 when                          | 0 when                       |
 * | ---------- | ------ | --------------------------------- | ---------------------------- |
 * | roas       | 0.30   | last 28 days ROAS ≥ target        | ≤ half the target            |
 * | roas_trend | 0.20   | ROAS not below the prior 28 days  | 50% below                    |
 * | pacing     | 0.15   | month-to-date spend within ±10%   | off by 50% or more           |
 * | anomalies  | 0.10   | no anomalous day in 14 days       | 4 or more                    |
 * | churn      | 0.25   | ORACLE churn risk 0               | churn risk 1                 |
 *
 * Without a target ROAS the prior 28 days' ROAS is the target (the client's own standard).
 */
import { clamp, round } from '../agent-kit/period.ts';

export type HealthComponentName = 'roas' | 'roas_trend' | 'pacing' | 'anomalies' | 'churn';

export interface HealthComponent {
  component: HealthComponentName;
  weight: number;
  score: number | null;
  detail: string;
}

export interface HealthInput {
  roasLast28: number | null;
  roasPrior28: number | null;
  targetRoas: number | null;
  pacingRatio: number | null;
  anomalies14d: number | null;
  churnRisk: number | null;
}

const ramp = (x: number, zeroAt: number, fullAt: number) =>
  100 * clamp((x - zeroAt) / (fullAt - zeroAt), 0, 1);

export function healthScore(h: HealthInput): {
  score: number | null;
  level: 'healthy' | 'watch' | 'at_risk' | null;
  components: HealthComponent[];
} {
  const target = h.targetRoas ?? h.roasPrior28;
  const components: HealthComponent[] = [
    {
      component: 'roas',
      weight: 0.3,
      score:
        h.roasLast28 !== null && target !== null && target > 0
          ? round(ramp(h.roasLast28 / target, 0.5, 1), 1)
          : null,
      detail:
        h.roasLast28 === null || target === null || target <= 0
          ? 'no ROAS or target to compare'
          : `ROAS ${h.roasLast28.toFixed(2)} vs target ${target.toFixed(2)}${h.targetRoas === null ? ' (the prior 28 days)' : ''}`,
    },
    {
      component: 'roas_trend',
      weight: 0.2,
      score:
        h.roasLast28 !== null && h.roasPrior28 !== null && h.roasPrior28 > 0
          ? round(ramp(h.roasLast28 / h.roasPrior28 - 1, -0.5, 0), 1)
          : null,
      detail:
        h.roasLast28 !== null && h.roasPrior28 !== null && h.roasPrior28 > 0
          ? `ROAS ${((h.roasLast28 / h.roasPrior28 - 1) * 100).toFixed(1)}% vs the prior 28 days`
          : 'no ROAS in one of the two windows',
    },
    {
      component: 'pacing',
      weight: 0.15,
      score: h.pacingRatio === null ? null : round(100 - ramp(Math.abs(h.pacingRatio - 1), 0.1, 0.5), 1),
      detail:
        h.pacingRatio === null
          ? 'no monthly budget to pace against'
          : `month-to-date spend at ${(h.pacingRatio * 100).toFixed(0)}% of plan`,
    },
    {
      component: 'anomalies',
      weight: 0.1,
      score: h.anomalies14d === null ? null : Math.max(0, 100 - 25 * h.anomalies14d),
      detail:
        h.anomalies14d === null
          ? 'anomaly scan not available'
          : `${h.anomalies14d} anomalous day(s) in the last 14 days`,
    },
    {
      component: 'churn',
      weight: 0.25,
      score: h.churnRisk === null ? null : round(100 * (1 - clamp(h.churnRisk, 0, 1)), 1),
      detail:
        h.churnRisk === null
          ? 'no churn score (no spend in 8 weeks)'
          : `ORACLE churn risk ${h.churnRisk.toFixed(2)}`,
    },
  ];
  const known = components.filter((c) => c.score !== null);
  const w = known.reduce((s, c) => s + c.weight, 0);
  if (w === 0) return { score: null, level: null, components };
  const score = round(known.reduce((s, c) => s + c.weight * (c.score as number), 0) / w, 1);
  return { score, level: score >= 70 ? 'healthy' : score >= 45 ? 'watch' : 'at_risk', components };
}
