/**
 * Analytics agent: KPIs against the previous period, weekly trend, campaign ranking, ORACLE
 * forecast and anomalies, and CRM attribution under five models, turned into insights.
 */
import { z } from 'zod';
import { type Period, periodSchema, resolvePeriod } from '../agent-kit/period.ts';
import { defineAgent } from '../agents.definition.ts';
import { attributionModels } from './attribution.ts';
import {
  analyticsSummary,
  campaignInsights,
  forecastInsight,
  type Insight,
  kpiInsights,
  trendInsight,
} from './templates.ts';
import { analyticsTools } from './tools.ts';

const id = z.string().min(1).max(64);

export const analyticsInput = z.strictObject({
  clientId: id.optional(),
  campaignId: id.optional(),
  period: periodSchema.optional(),
  attribution: z
    .strictObject({
      conversion: z.enum(['won_opportunity', 'lead']).default('won_opportunity'),
      level: z.enum(['ad', 'campaign', 'platform']).default('campaign'),
      halfLifeDays: z.number().min(0.1).max(365).default(7),
    })
    .optional()
    .describe('Attribution settings (default: won deals to campaigns, 7-day half-life)'),
});

const credit = z.object({ conversions: z.number(), valueMicros: z.number() });
const unavailable = z.object({ available: z.literal(false), reason: z.string() });

export const attributionSchema = z.object({
  conversion: z.enum(['won_opportunity', 'lead']),
  level: z.enum(['ad', 'campaign', 'platform']),
  halfLifeDays: z.number(),
  period: z.object({ from: z.string(), to: z.string() }),
  conversions: z.number(),
  totalValueMicros: z.number(),
  valueCurrency: z.string().nullable(),
  mixedCurrencies: z.boolean(),
  spendCurrency: z.string(),
  unattributed: z.number(),
  journeys: z.object({
    contacts: z.number(),
    contactsWithClickId: z.number(),
    touches: z.number(),
    resolvedToAd: z.number(),
    resolvedToCampaign: z.number(),
  }),
  truncated: z.boolean(),
  rows: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      platform: z.string().nullable(),
      spendMicros: z.number().nullable(),
      cpaLinearMicros: z.number().nullable(),
      credits: z.object(
        Object.fromEntries(attributionModels.map((m) => [m, credit])) as Record<
          (typeof attributionModels)[number],
          typeof credit
        >,
      ),
    }),
  ),
  rowCount: z.number(),
});

export const analyticsOutput = z.object({
  period: z.object({ from: z.string(), to: z.string() }),
  currency: z.string(),
  totals: z.record(z.string(), z.number().nullable()),
  deltas: z
    .record(
      z.string(),
      z.object({
        previous: z.number().nullable(),
        change: z.number().nullable(),
        changeRatio: z.number().nullable(),
      }),
    )
    .nullable(),
  weeks: z.array(
    z.object({
      week: z.string().describe('The Monday of the ISO week'),
      from: z.string().describe('First day of the week inside the period'),
      to: z.string().describe('Last day of the week inside the period'),
      days: z.number().describe('Days of the week inside the period (7 for a full week)'),
      partial: z.boolean().describe('The period cuts this week: its figures cover only `days` days'),
      spendMicros: z.number(),
      conversions: z.number(),
      revenueMicros: z.number(),
      roas: z.number().nullable(),
      cpaMicros: z.number().nullable(),
    }),
  ),
  campaigns: z.array(
    z.object({
      campaignId: z.string().nullable(),
      name: z.string().nullable(),
      platform: z.string().nullable(),
      spendMicros: z.number(),
      conversions: z.number(),
      revenueMicros: z.number(),
      roas: z.number().nullable(),
      cpaMicros: z.number().nullable(),
    }),
  ),
  forecast: z.union([
    z.object({
      available: z.literal(true),
      metric: z.string(),
      unit: z.string(),
      currency: z.string(),
      model: z.string(),
      confidence: z.number().nullable(),
      from: z.string().nullable(),
      to: z.string().nullable(),
      horizon: z.number(),
      totalMean: z.number().nullable(),
      dailyMean: z.number().nullable(),
      seriesTo: z.string(),
      warnings: z.array(z.string()),
    }),
    unavailable,
  ]),
  anomalies: z.union([
    z.object({
      available: z.literal(true),
      items: z.array(
        z.object({
          date: z.string(),
          severity: z.string(),
          cause: z.string().nullable(),
          flaggedMetrics: z.array(z.string()),
          score: z.number(),
        }),
      ),
    }),
    unavailable,
  ]),
  attribution: attributionSchema,
  insights: z.array(
    z.object({ kind: z.string(), severity: z.enum(['info', 'positive', 'warning']), text: z.string() }),
  ),
  summary: z.string(),
});

type Input = z.infer<typeof analyticsInput>;
type Output = z.infer<typeof analyticsOutput>;

export const analyticsAgent = defineAgent<Input, Output>({
  kind: 'analytics',
  instructions: [
    'You are the analytics agent of a marketing agency.',
    'For the period asked (default: the last 28 full days) call kpis, weekly_trend and campaign_breakdown, forecast (conversions, 30 days) and anomalies through ORACLE,',
    'and attribution of won deals over CRM click ids. Compare attribution models where they disagree.',
    'Only state numbers the tools returned. Answer with the output schema and a short summary.',
  ].join(' '),
  input: analyticsInput,
  output: analyticsOutput,
  tools: analyticsTools,
  async builtin(input, run) {
    const period: Period = resolvePeriod(input.period, run.now);
    const scope = { clientId: input.clientId, campaignId: input.campaignId };
    const entity = input.campaignId
      ? { entityType: 'campaign', entityId: input.campaignId }
      : input.clientId
        ? { entityType: 'client', entityId: input.clientId }
        : { entityType: 'organization' };
    const kpis = await run.call<{
      currency: string;
      totals: Output['totals'];
      comparison: { deltas: NonNullable<Output['deltas']> } | null;
    }>('kpis', { ...scope, period });
    const trend = await run.call<{ weeks: Output['weeks'] }>('weekly_trend', { ...scope, period });
    const breakdown = await run.call<{ totalSpendMicros: number; campaigns: Output['campaigns'] }>(
      'campaign_breakdown',
      { clientId: input.clientId, period },
    );
    const campaigns = input.campaignId
      ? breakdown.campaigns.filter((c) => c.campaignId === input.campaignId)
      : breakdown.campaigns;
    const forecast = await run.call<Output['forecast']>('forecast', {
      ...entity,
      metric: 'conversions',
      horizon: 30,
    });
    const anomalies = await run.call<Output['anomalies']>('anomalies', { ...entity, since: period.from });
    const attribution = await run.call<Output['attribution']>('attribution', {
      clientId: input.clientId,
      period,
      ...input.attribution,
    });

    const currency = kpis.currency;
    const totals = kpis.totals;
    const insights: Insight[] = [...kpiInsights(kpis.comparison?.deltas ?? null, currency)];
    const trendI = trendInsight(trend.weeks);
    if (trendI) insights.push(trendI);
    insights.push(...campaignInsights(campaigns, breakdown.totalSpendMicros, currency));
    if (anomalies.available && anomalies.items.length)
      insights.push({
        kind: 'anomaly',
        severity: 'warning',
        text: `${anomalies.items.length} anomalous day${anomalies.items.length === 1 ? '' : 's'} since ${period.from}; latest ${anomalies.items[0]?.date}${anomalies.items[0]?.cause ? ` (${anomalies.items[0].cause})` : ''}.`,
      });
    const paid = attribution.rows.filter((r) => r.key !== 'unattributed');
    const byFirst = [...paid].sort(
      (a, b) => b.credits.first_touch.conversions - a.credits.first_touch.conversions,
    )[0];
    const byLast = [...paid].sort(
      (a, b) => b.credits.last_touch.conversions - a.credits.last_touch.conversions,
    )[0];
    if (byFirst && byLast && byFirst.key !== byLast.key)
      insights.push({
        kind: 'attribution',
        severity: 'info',
        text: `First touch credits ${byFirst.name} most, last touch ${byLast.name}: one opens journeys the other closes.`,
      });
    const forecastI = forecast.available ? forecastInsight(forecast, totals.conversions ?? 0, period) : null;
    if (forecastI) insights.push(forecastI);
    return {
      period,
      currency,
      totals,
      deltas: kpis.comparison?.deltas ?? null,
      weeks: trend.weeks,
      campaigns,
      forecast,
      anomalies,
      attribution,
      insights,
      summary: analyticsSummary({
        period,
        currency,
        spendMicros: totals.spendMicros ?? 0,
        conversions: totals.conversions ?? 0,
        roas: totals.roas ?? null,
        insights,
        forecastConversions: forecast.available ? forecast.totalMean : null,
        attribution: {
          conversions: attribution.conversions,
          unattributed: attribution.unattributed,
          top: paid[0]?.name ?? null,
        },
      }),
    };
  },
});
