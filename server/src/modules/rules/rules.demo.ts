/**
 * The demo agency's automation rules: one that pauses ads whose click-through rate collapsed against
 * the week before while still spending, and one that scales campaigns with a strong return. Both
 * propose through the guardrails like any rule; `POST /api/v1/rules/{id}/backtest` shows what they
 * would have done over the demo's history.
 */
import type { Ctx } from '../auth/context.ts';
import type { Rules } from './index.ts';
import type { RuleInput } from './rules.schema.ts';

export const demoRules: RuleInput[] = [
  {
    name: 'Pause ads whose CTR collapsed',
    description:
      'CTR over the last 7 days fell by more than 40% against the 7 days before, on at least 5,000 impressions and 100 spent: the creative is likely fatigued.',
    scope: { level: 'ad' },
    conditions: {
      match: 'all',
      conditions: [
        {
          metric: 'ctr',
          window: { days: 7 },
          op: '<',
          value: -40,
          unit: 'percent',
          compare: 'previous_window',
        },
        { metric: 'impressions', window: { days: 7 }, op: '>=', value: 5000, unit: 'count' },
        { metric: 'spend', window: { days: 7 }, op: '>=', value: 100_000_000, unit: 'currency_micros' },
      ],
    },
    actions: [{ type: 'pause' }, { type: 'notify' }],
    schedule: { cron: '0 7 * * *' },
    cooldownHours: 72,
  },
  {
    name: 'Scale campaigns with ROAS above 3',
    description:
      'Return on ad spend above 3 over the last 7 days (nowcast-adjusted) on at least 200 spent: raise the daily budget by 10%.',
    scope: { level: 'campaign' },
    conditions: {
      match: 'all',
      conditions: [
        { metric: 'roas', window: { days: 7 }, op: '>', value: 3, unit: 'ratio' },
        { metric: 'spend', window: { days: 7 }, op: '>=', value: 200_000_000, unit: 'currency_micros' },
      ],
    },
    actions: [{ type: 'budget', direction: 'increase', percent: 10 }],
    schedule: { cron: '30 7 * * *' },
    cooldownHours: 72,
  },
];

export async function seedDemoRules(rules: Pick<Rules, 'create'>, ctx: Ctx) {
  for (const r of demoRules) await rules.create(ctx, r);
}
