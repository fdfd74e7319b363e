/**
 * Client management: health score (ROAS vs target and trend, pacing, anomalies, ORACLE churn risk),
 * churn risk, upsell opportunities (budget-limited campaigns whose response curve still pays),
 * a communication plan and the monthly client report (structured data and markdown).
 */
import { z } from 'zod';
import { addDays } from '../../analytics/periods.ts';
import {
  type CampaignSpendWarning,
  campaignSpendWarningSchema,
  withSpendWarnings,
} from '../agent-kit/campaign-spend.ts';
import { money, ratio } from '../agent-kit/period.ts';
import { defineAgent } from '../agents.definition.ts';
import { healthScore } from './health.ts';
import {
  clientSummary,
  communicationPlan,
  recommendations,
  reportMarkdown,
  type Upsell,
} from './templates.ts';
import { clientTools, monthBounds, monthNotStarted } from './tools.ts';

const id = z.string().min(1).max(64);

export const clientInput = z.strictObject({
  clientId: id,
  targetRoas: z
    .number()
    .positive()
    .max(1000)
    .optional()
    .describe("The client's ROAS target; default: its own prior 28 days"),
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional()
    .describe('Month of the report (YYYY-MM); default: the last full month of data'),
});

/** Days with data of a month (analytics/month-coverage.ts). */
const monthCoverage = z.object({
  month: z.string(),
  days: z.number(),
  firstDay: z.string().nullable(),
  lastDay: z.string().nullable(),
  daysWithData: z.number(),
  partial: z.boolean(),
});
const kpis = z.object({
  spendMicros: z.number(),
  conversions: z.number(),
  revenueMicros: z.number(),
  roas: z.number().nullable(),
  cpaMicros: z.number().nullable(),
  ctr: z.number().nullable(),
  clicks: z.number(),
  impressions: z.number(),
});

export const clientOutput = z.object({
  client: z.object({
    id: z.string(),
    name: z.string(),
    currency: z.string(),
    monthlyBudgetMicros: z.number().nullable(),
  }),
  asOf: z.string().nullable(),
  health: z.object({
    score: z.number().min(0).max(100).nullable(),
    level: z.enum(['healthy', 'watch', 'at_risk']).nullable(),
    components: z.array(
      z.object({
        component: z.string(),
        weight: z.number(),
        score: z.number().nullable(),
        detail: z.string(),
      }),
    ),
    roasLast28: z.number().nullable(),
    roasPrior28: z.number().nullable(),
  }),
  churn: z.object({
    risk: z.number().nullable(),
    level: z.string().nullable(),
    reasons: z.array(z.object({ factor: z.string(), detail: z.string(), contribution: z.number() })),
  }),
  upsells: z.array(
    z.object({
      campaignId: z.string(),
      name: z.string(),
      platform: z.string(),
      currency: z
        .string()
        .describe(
          "The campaign's (ad account's) currency: its budget, spend and the suggestion are micros of it",
        ),
      dailyBudgetMicros: z.number(),
      avgDailySpendMicros: z.number(),
      utilisation: z.number(),
      marginalRoas: z.number().nullable(),
      roas28: z.number().nullable(),
      suggestedDailyBudgetMicros: z.number(),
      reason: z.string(),
    }),
  ),
  warnings: z
    .array(campaignSpendWarningSchema)
    .default([])
    .describe(
      "Campaigns whose spend (and so their budget use, for upsells) is short: rows with no rate to the campaign's currency were left out (fx_rate_missing), or converted at an old rate (fx_rate_stale)",
    ),
  communicationPlan: z.object({
    cadence: z.string(),
    touches: z.array(z.object({ date: z.string(), channel: z.string(), topic: z.string() })),
  }),
  report: z.object({
    month: z.string(),
    previousMonth: z.string(),
    currency: z.string(),
    current: kpis.nullable(),
    previous: kpis.nullable(),
    coverage: z.object({ current: monthCoverage, previous: monthCoverage }),
    comparable: z.boolean(),
    topCampaigns: z.array(
      z.object({
        campaignId: z.string().nullable(),
        name: z.string().nullable(),
        platform: z.string().nullable(),
        spendMicros: z.number(),
        revenueMicros: z.number(),
        conversions: z.number(),
        roas: z.number().nullable(),
      }),
    ),
    recommendations: z.array(z.string()),
    markdown: z.string(),
  }),
  summary: z.string(),
});

type Input = z.infer<typeof clientInput>;
type Output = z.infer<typeof clientOutput>;
type Churn = {
  asOf: string | null;
  risk: number | null;
  level: string | null;
  reasons: Output['churn']['reasons'];
  pacing: { ratio: number | null } | null;
};
type Kpis = { currency: string; totals: { roas: number | null }; previous: { roas: number | null } | null };
type Anomalies = { available: true; count: number } | { available: false; reason: string };
type Headroom = {
  warnings: CampaignSpendWarning[];
  items: Array<
    Omit<Upsell, 'suggestedDailyBudgetMicros' | 'reason'> & {
      budgetLimited: boolean;
      recommendedDailyMicros: number | null;
    }
  >;
};
type Report = Omit<Output['report'], 'recommendations' | 'markdown'>;

/** The last month fully covered up to `asOf` (its own month when asOf is the month's last day). */
export function lastFullMonth(asOf: string): string {
  const m = asOf.slice(0, 7);
  return monthBounds(m).to === asOf
    ? m
    : new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)) - 2, 1)).toISOString().slice(0, 7);
}

export const clientManagement = defineAgent<Input, Output>({
  kind: 'client_management',
  instructions: [
    'You are the client management agent of a marketing agency.',
    'For the client asked: read client_profile and churn_risk, client_kpis for the last 28 days against the 28 before, client_anomalies of the last 14 days,',
    'budget_headroom for upsell candidates (budget-limited campaigns whose marginal ROAS is at least 1) and month_report_data for the monthly report.',
    'Score health 0–100 (ROAS vs target 30%, ROAS trend 20%, pacing 15%, anomalies 10%, churn 25%), propose a communication plan and write the report in markdown.',
    'Only use numbers the tools returned. Answer with the output schema.',
  ].join(' '),
  input: clientInput,
  output: clientOutput,
  tools: clientTools,
  checkInput: (input, now) =>
    input.month && monthNotStarted(input.month, now)
      ? [
          {
            path: ['month'],
            message: `That month has not started yet (${input.month}; today is ${now.toISOString().slice(0, 10)}, UTC)`,
          },
        ]
      : [],
  async builtin(input, run) {
    const profile = await run.call<Output['client']>('client_profile', { clientId: input.clientId });
    const churn = await run.call<Churn>('churn_risk', { clientId: input.clientId });
    const asOf = churn.asOf ?? addDays(run.now.toISOString().slice(0, 10), -1);
    const k = await run.call<Kpis>('client_kpis', {
      clientId: input.clientId,
      period: { from: addDays(asOf, -27), to: asOf },
    });
    const anomalies = await run.call<Anomalies>('client_anomalies', {
      clientId: input.clientId,
      since: addDays(asOf, -13),
    });
    const headroom = await run.call<Headroom>('budget_headroom', { clientId: input.clientId, asOf });
    const month = input.month ?? lastFullMonth(asOf);
    const report = await run.call<Report>('month_report_data', { clientId: input.clientId, month });

    const health = healthScore({
      roasLast28: k.totals.roas,
      roasPrior28: k.previous?.roas ?? null,
      targetRoas: input.targetRoas ?? null,
      pacingRatio: churn.pacing?.ratio ?? null,
      anomalies14d: anomalies.available ? anomalies.count : null,
      churnRisk: churn.risk,
    });
    const upsells: Upsell[] = headroom.items.flatMap((c) => {
      if (!c.budgetLimited) return [];
      const fittedGood = c.marginalRoas !== null && c.marginalRoas >= 1;
      const unfittedGood = c.marginalRoas === null && c.roas28 !== null && c.roas28 >= 2;
      if (!fittedGood && !unfittedGood) return [];
      const suggested =
        c.recommendedDailyMicros && c.recommendedDailyMicros > c.dailyBudgetMicros
          ? c.recommendedDailyMicros
          : Math.round(c.dailyBudgetMicros * 1.2);
      const { budgetLimited: _b, recommendedDailyMicros: _r, ...rest } = c;
      const spends = `spends ${Math.round(c.utilisation * 100)}% of its budget (${money(c.avgDailySpendMicros, c.currency)} of ${money(c.dailyBudgetMicros, c.currency)} a day)`;
      return [
        {
          ...rest,
          suggestedDailyBudgetMicros: suggested,
          reason: fittedGood
            ? `${spends} and its response curve still returns ${ratio(c.marginalRoas)} per extra unit spent`
            : `${spends} at a 28-day ROAS of ${ratio(c.roas28)} (too little history for a response curve)`,
        },
      ];
    });
    upsells.sort((a, b) => (b.marginalRoas ?? b.roas28 ?? 0) - (a.marginalRoas ?? a.roas28 ?? 0));
    const recs = recommendations(health.components, upsells, churn.reasons);
    const weakest =
      [...health.components]
        .filter((c) => c.score !== null)
        .sort((a, b) => (a.score as number) - (b.score as number))[0] ?? null;
    const topics = [
      ...churn.reasons.map((r) => r.detail),
      ...(weakest && (weakest.score as number) < 70 ? [weakest.detail] : []),
    ];
    return {
      client: {
        id: profile.id,
        name: profile.name,
        currency: profile.currency,
        monthlyBudgetMicros: profile.monthlyBudgetMicros,
      },
      asOf: churn.asOf,
      health: { ...health, roasLast28: k.totals.roas, roasPrior28: k.previous?.roas ?? null },
      churn: {
        risk: churn.risk,
        level: churn.level,
        reasons: churn.reasons.map((r) => ({
          factor: r.factor,
          detail: r.detail,
          contribution: r.contribution,
        })),
      },
      upsells,
      warnings: headroom.warnings,
      communicationPlan: communicationPlan(health.level, run.now.toISOString().slice(0, 10), topics, upsells),
      report: {
        ...report,
        recommendations: recs,
        markdown: reportMarkdown({
          ...report,
          clientName: profile.name,
          healthScore: health.score,
          recommendations: recs,
        }),
      },
      summary: withSpendWarnings(
        headroom.warnings,
        clientSummary({
          name: profile.name,
          score: health.score,
          level: health.level,
          churnLevel: churn.level,
          upsells: upsells.length,
          weakest,
        }),
      ),
    };
  },
});
