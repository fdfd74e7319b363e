/**
 * Marketing automation: a campaign plan whose budget split comes from ORACLE's allocation, budget
 * changes proposed under guardrails, automation rule runs, and GoHighLevel follow-ups (workflow
 * enrolment or a message) proposed for leads nobody worked. It never changes a platform itself.
 */
import { z } from 'zod';
import { moneyText } from '../../../platform/format.ts';
import { addDays } from '../../analytics/periods.ts';
import {
  type CampaignSpendWarning,
  campaignSpendWarningSchema,
  withSpendWarnings,
} from '../agent-kit/campaign-spend.ts';
import { defineAgent } from '../agents.definition.ts';
import { marketingSummary } from './templates.ts';
import { marketingTools } from './tools.ts';

const id = z.string().min(1).max(64);

export const marketingInput = z.strictObject({
  clientId: id.optional(),
  objective: z.enum(['conversions', 'revenue']).default('revenue'),
  maxChangePct: z
    .number()
    .min(1)
    .max(100)
    .default(20)
    .describe('Largest budget move per campaign, in percent'),
  minChangePct: z.number().min(0).max(100).default(5).describe('Smaller recommended moves are not proposed'),
  proposeBudgetChanges: z.boolean().default(true),
  runRules: z.boolean().default(false),
  ruleIds: z.array(id).max(20).optional(),
  followUps: z
    .strictObject({
      workflowId: z.string().min(1).max(100).optional(),
      message: z
        .strictObject({
          type: z.enum(['SMS', 'Email']),
          text: z.string().min(1).max(1600),
          subject: z.string().min(1).max(200).optional(),
        })
        .optional(),
      staleDays: z.number().int().min(1).max(90).default(3),
      lookbackDays: z.number().int().min(1).max(90).default(14),
      limit: z.number().int().min(1).max(50).default(10),
    })
    .refine((f) => !f.workflowId !== !f.message, 'Give exactly one of workflowId and message')
    .optional()
    .describe('GoHighLevel follow-ups for leads nobody worked'),
});

const proposalResult = z.union([
  z.object({
    ok: z.literal(true),
    proposalId: z.string(),
    kind: z.string(),
    entityId: z.string(),
    status: z.string(),
    risk: z.string(),
    replayed: z.boolean(),
    before: z.unknown(),
    after: z.unknown(),
    checks: z.array(z.object({ check: z.string(), outcome: z.string() })),
  }),
  z.object({ ok: z.literal(false), entityId: z.string(), error: z.string() }),
]);

export const marketingOutput = z.object({
  plan: z.object({
    currency: z.string().nullable(),
    asOf: z.string(),
    allocation: z.object({
      available: z.boolean(),
      note: z.string().nullable(),
      predictionId: z.string().nullable(),
      expectedGainPerDay: z.number().nullable(),
    }),
    campaigns: z.array(
      z.object({
        campaignId: z.string(),
        name: z.string(),
        platform: z.string(),
        currency: z
          .string()
          .describe(
            "The campaign's (ad account's) currency: its budget, spend and recommendation are micros of it",
          ),
        dailyBudgetMicros: z.number().nullable(),
        avgDailySpendMicros: z.number(),
        recommendedDailyMicros: z.number().nullable(),
        changePct: z.number().nullable(),
        sharePct: z.number().nullable(),
        fitted: z.boolean(),
        action: z.enum(['increase', 'decrease', 'keep']),
      }),
    ),
    platformSplit: z.array(
      z.object({ platform: z.string(), recommendedDailyMicros: z.number(), sharePct: z.number() }),
    ),
    // Null when the campaigns spend in more than one currency: a sum would add them up.
    totals: z.object({
      currentDailyMicros: z.number().nullable(),
      plannedDailyMicros: z.number().nullable(),
      plannedMonthlyMicros: z.number().nullable(),
    }),
    warnings: z
      .array(campaignSpendWarningSchema)
      .default([])
      .describe(
        "Campaigns whose average daily spend is short: rows with no rate to the campaign's currency were left out (fx_rate_missing), or converted at an old rate (fx_rate_stale)",
      ),
  }),
  proposals: z.array(proposalResult),
  rules: z
    .array(
      z.object({
        ruleId: z.string(),
        status: z.string(),
        evaluated: z.number(),
        matched: z.number(),
        proposed: z.number(),
        error: z.string().nullable(),
      }),
    )
    .nullable(),
  followUps: z
    .object({
      leads: z.number(),
      items: z.array(z.object({ contactId: z.string(), name: z.string(), reason: z.string() })),
      proposals: z.array(proposalResult),
    })
    .nullable(),
  summary: z.string(),
});

type Input = z.infer<typeof marketingInput>;
type Output = z.infer<typeof marketingOutput>;
type Allocation =
  | {
      available: true;
      currency: string;
      to: string;
      totals: { currentDailyMicros: number; recommendedDailyMicros: number; expectedGain: number };
      predictionId: string;
      allocations: Array<{
        entityId: string;
        currentDailyMicros: number;
        recommendedDailyMicros: number;
        changePct: number | null;
        fitted: boolean;
        binding: string | null;
      }>;
    }
  | { available: false; reason: string };
type Budgets = {
  campaigns: Array<{
    campaignId: string;
    name: string;
    platform: string;
    currency: string;
    dailyBudgetMicros: number | null;
    avgDailySpendMicros: number;
  }>;
  warnings: CampaignSpendWarning[];
};
type Leads = { total: number; items: Array<{ contactId: string; name: string; reason: string }> };

/** Days in an average month, for the monthly projection of a daily plan. */
const DAYS_PER_MONTH = 30.4;

export const marketingAutomation = defineAgent<Input, Output>({
  kind: 'marketing_automation',
  instructions: [
    'You are the marketing automation agent of a marketing agency. You never change a platform yourself: you propose.',
    'Build the campaign plan from budget_allocation (ORACLE response curves) and campaign_budgets; propose_budget_changes for fitted campaigns whose recommended move is at least minChangePct, never beyond maxChangePct, each with its reason.',
    'Run run_rules when asked. For follow-ups, find leads_needing_follow_up and propose_crm_follow_ups with the workflow or message given.',
    'Answer with the output schema and a short summary of what was proposed and what waits for approval.',
  ].join(' '),
  input: marketingInput,
  output: marketingOutput,
  tools: marketingTools,
  async builtin(input, run) {
    const allocation = await run.call<Allocation>('budget_allocation', {
      clientId: input.clientId,
      objective: input.objective,
      maxChangePct: input.maxChangePct,
    });
    const asOf = allocation.available ? allocation.to : addDays(run.now.toISOString().slice(0, 10), -1);
    const { campaigns: budgets, warnings } = await run.call<Budgets>('campaign_budgets', {
      clientId: input.clientId,
      asOf,
    });
    const rec = new Map(allocation.available ? allocation.allocations.map((a) => [a.entityId, a]) : []);
    const plannedTotal = allocation.available ? allocation.totals.recommendedDailyMicros : 0;
    const campaigns: Output['plan']['campaigns'] = budgets.map((b) => {
      // ORACLE's figures are in the currency of the data it allocated: only comparable with this
      // campaign's budget and spend when that is the campaign's own currency.
      const a =
        allocation.available && allocation.currency === b.currency ? rec.get(b.campaignId) : undefined;
      const change = a?.fitted ? a.changePct : null;
      return {
        campaignId: b.campaignId,
        name: b.name,
        platform: b.platform,
        currency: b.currency,
        dailyBudgetMicros: b.dailyBudgetMicros,
        avgDailySpendMicros: b.avgDailySpendMicros,
        recommendedDailyMicros: a ? a.recommendedDailyMicros : null,
        changePct: change,
        sharePct:
          a && plannedTotal > 0 ? Math.round((a.recommendedDailyMicros / plannedTotal) * 1000) / 10 : null,
        fitted: a?.fitted ?? false,
        action:
          change !== null && Math.abs(change) >= input.minChangePct
            ? change > 0
              ? 'increase'
              : 'decrease'
            : 'keep',
      };
    });
    const byPlatform = new Map<string, number>();
    for (const c of campaigns)
      if (c.recommendedDailyMicros !== null)
        byPlatform.set(c.platform, (byPlatform.get(c.platform) ?? 0) + c.recommendedDailyMicros);
    const changes = campaigns
      .filter((c) => c.action !== 'keep' && c.dailyBudgetMicros !== null && c.changePct !== null)
      .map((c) => {
        const percent = Math.max(-input.maxChangePct, Math.min(input.maxChangePct, c.changePct as number));
        return {
          campaignId: c.campaignId,
          percent: Math.round(percent * 100) / 100,
          // Every amount in the campaign's own currency, as its budget: spend and the recommendation
          // come from the campaign's rows unconverted (campaign_budgets and ORACLE read them so).
          reason: `ORACLE allocation (${input.objective}): daily spend ${moneyText(c.avgDailySpendMicros, c.currency)} → ${moneyText(c.recommendedDailyMicros as number, c.currency)} (daily budget ${moneyText(c.dailyBudgetMicros as number, c.currency)}) maximises ${input.objective} under the fitted response curves`,
        };
      });
    const proposals =
      input.proposeBudgetChanges && changes.length
        ? await run.call<Output['proposals']>('propose_budget_changes', { changes })
        : [];
    const rules = input.runRules
      ? await run.call<NonNullable<Output['rules']>>('run_rules', { ruleIds: input.ruleIds })
      : null;
    let followUps: Output['followUps'] = null;
    if (input.followUps) {
      const { workflowId, message, ...find } = input.followUps;
      const leads = await run.call<Leads>('leads_needing_follow_up', {
        clientId: input.clientId,
        asOf,
        ...find,
      });
      const crm = leads.items.length
        ? await run.call<Output['proposals']>('propose_crm_follow_ups', {
            contactIds: leads.items.map((l) => l.contactId),
            ...(workflowId ? { workflowId } : { message }),
            reason: 'Lead without a follow-up (stale open deal or new lead without a deal)',
          })
        : [];
      followUps = { leads: leads.total, items: leads.items, proposals: crm };
    }
    const currentTotal = campaigns.reduce((s, c) => s + c.avgDailySpendMicros, 0);
    const planned = allocation.available ? plannedTotal : currentTotal;
    // Totals add campaigns up: they exist, with a currency, only when every campaign spends in one
    // (the allocation's campaigns share one, but campaigns without recent spend may not).
    const oneCurrency = new Set(budgets.map((b) => b.currency)).size <= 1;
    return {
      plan: {
        currency: !oneCurrency
          ? null
          : allocation.available
            ? allocation.currency
            : (budgets[0]?.currency ?? null),
        asOf,
        allocation: allocation.available
          ? {
              available: true,
              note: null,
              predictionId: allocation.predictionId,
              expectedGainPerDay: allocation.totals.expectedGain,
            }
          : { available: false, note: allocation.reason, predictionId: null, expectedGainPerDay: null },
        campaigns,
        platformSplit: [...byPlatform].map(([platform, micros]) => ({
          platform,
          recommendedDailyMicros: micros,
          sharePct: plannedTotal > 0 ? Math.round((micros / plannedTotal) * 1000) / 10 : 0,
        })),
        totals: oneCurrency
          ? {
              currentDailyMicros: currentTotal,
              plannedDailyMicros: planned,
              plannedMonthlyMicros: Math.round(planned * DAYS_PER_MONTH),
            }
          : { currentDailyMicros: null, plannedDailyMicros: null, plannedMonthlyMicros: null },
        warnings,
      },
      proposals,
      rules,
      followUps,
      summary: withSpendWarnings(
        warnings,
        marketingSummary({
          currency: allocation.available ? allocation.currency : null,
          campaigns: campaigns.length,
          currentDailyMicros: allocation.available ? allocation.totals.currentDailyMicros : currentTotal,
          plannedDailyMicros: planned,
          allocationNote: allocation.available ? null : allocation.reason,
          proposals,
          rules,
          followUps: followUps && {
            leads: followUps.leads,
            proposed: followUps.proposals.filter((p) => p.ok).length,
          },
        }),
      ),
    };
  },
});
