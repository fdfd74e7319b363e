/** Analytics agent tools: KPIs, weekly trend, campaigns, ORACLE forecasts and anomalies, attribution. */
import { z } from 'zod';
import { addDays, daysInclusive } from '../../analytics/periods.ts';
import { allPages, assertScope, orUnavailable, periodSchema, round } from '../agent-kit/period.ts';
import { defineTool, type ToolContext } from '../agents.definition.ts';
import { attribute, attributionModels, UNATTRIBUTED } from './attribution.ts';
import { buildConversions, type Level } from './touchpoints.ts';

const id = z.string().min(1).max(64);
const scope = { clientId: id.optional(), campaignId: id.optional() };
const filterOf = (i: { clientId?: string; campaignId?: string }) => ({
  ...(i.clientId ? { clientIds: [i.clientId] } : {}),
  ...(i.campaignId ? { campaignIds: [i.campaignId] } : {}),
});

async function attributionRun(
  i: {
    clientId?: string;
    period: { from: string; to: string };
    conversion: 'won_opportunity' | 'lead';
    level: Level;
    halfLifeDays: number;
  },
  tc: ToolContext,
) {
  const { ctx, services } = tc;
  await assertScope(tc, i);
  const crm = services.catalog.crm;
  const limit = 1000;
  const [contacts, opportunities, ads, campaigns] = await Promise.all([
    allPages((cursor) => crm.listContacts(ctx, { clientId: i.clientId, limit, cursor })),
    allPages((cursor) =>
      crm.listOpportunities(ctx, {
        clientId: i.clientId,
        status: 'won',
        wonFrom: i.period.from,
        wonTo: i.period.to,
        limit,
        cursor,
      }),
    ),
    allPages((cursor) => services.catalog.listAds(ctx, { clientId: i.clientId, limit, cursor })),
    allPages((cursor) => services.catalog.listCampaigns(ctx, { clientId: i.clientId, limit, cursor })),
  ]);
  const { conversions, stats } = buildConversions({
    contacts: contacts.items,
    opportunities: opportunities.items,
    ads: ads.items,
    campaigns: campaigns.items,
    conversion: i.conversion,
    level: i.level,
    from: i.period.from,
    to: i.period.to,
  });
  const spend = await services.analytics.metrics(ctx, {
    from: i.period.from,
    to: i.period.to,
    groupBy: [i.level],
    filter: filterOf(i),
    limit: 10_000,
  });
  const spendOf = new Map<string, number>();
  for (const r of spend.rows) {
    const key =
      i.level === 'platform' ? `platform:${r.platform}` : i.level === 'campaign' ? r.campaignId : r.adId;
    if (key) spendOf.set(key, r.spendMicros);
  }
  const names = new Map<string, { name: string; platform: string | null }>([
    [UNATTRIBUTED, { name: 'Unattributed (no paid click before the conversion)', platform: null }],
  ]);
  for (const a of ads.items) names.set(a.id, { name: a.name, platform: a.platform });
  for (const c of campaigns.items) names.set(c.id, { name: c.name, platform: c.platform });

  const byModel = Object.fromEntries(
    attributionModels.map((m) => [
      m,
      new Map(attribute(conversions, m, { halfLifeDays: i.halfLifeDays }).map((c) => [c.key, c])),
    ]),
  );
  const keys = new Set(Object.values(byModel).flatMap((m) => [...m.keys()]));
  const rows = [...keys].map((key) => {
    const meta = names.get(key) ?? {
      name: key.replace(/^platform:/, ''),
      platform: key.startsWith('platform:') ? key.slice(9) : null,
    };
    const credits = Object.fromEntries(
      attributionModels.map((m) => {
        const c = byModel[m]?.get(key);
        return [m, { conversions: round(c?.conversions ?? 0, 6), valueMicros: Math.round(c?.value ?? 0) }];
      }),
    ) as Record<(typeof attributionModels)[number], { conversions: number; valueMicros: number }>;
    const spendMicros = spendOf.get(key) ?? null;
    const linear = credits.linear.conversions;
    return {
      key,
      name: meta.name,
      platform: meta.platform,
      spendMicros,
      cpaLinearMicros: spendMicros !== null && linear > 0 ? Math.round(spendMicros / linear) : null,
      credits,
    };
  });
  rows.sort(
    (a, b) => b.credits.linear.conversions - a.credits.linear.conversions || a.key.localeCompare(b.key),
  );
  const currencies = [...new Set(conversions.map((c) => c.currency).filter((c): c is string => c !== null))];
  return {
    conversion: i.conversion,
    level: i.level,
    halfLifeDays: i.halfLifeDays,
    period: i.period,
    conversions: conversions.length,
    totalValueMicros: conversions.reduce((s, c) => s + c.value, 0),
    valueCurrency: currencies.length === 1 ? (currencies[0] as string) : null,
    mixedCurrencies: currencies.length > 1,
    spendCurrency: spend.currency,
    unattributed: round(byModel.linear?.get(UNATTRIBUTED)?.conversions ?? 0, 6),
    journeys: stats,
    truncated: contacts.truncated || opportunities.truncated || ads.truncated,
    rows: rows.slice(0, 100),
    rowCount: rows.length,
  };
}

/** The days of an ISO week (its Monday) inside the period: a week the period cuts is partial. */
export function weekCoverage(week: string, period: { from: string; to: string }) {
  // ISO days compare as text: the later start and the earlier end.
  const from = [week, period.from].sort()[1] as string;
  const to = [addDays(week, 6), period.to].sort()[0] as string;
  const days = daysInclusive(from, to);
  return { week, from, to, days, partial: days < 7 };
}

export const analyticsTools = [
  defineTool({
    name: 'kpis',
    description:
      'Totals and KPIs (spend, conversions, revenue, ROAS, CPA, CTR…) for a period, with the change vs the previous period of the same length.',
    input: z.strictObject({ ...scope, period: periodSchema }),
    async run(i, tc) {
      const { ctx, services } = tc;
      await assertScope(tc, i);
      const m = await services.analytics.metrics(ctx, {
        from: i.period.from,
        to: i.period.to,
        groupBy: [],
        filter: filterOf(i),
        compare: 'previous_period',
        limit: 1,
      });
      return {
        currency: m.currency,
        totals: m.totals,
        comparison: m.comparison,
        warnings: m.warnings.map((w) => w.message),
      };
    },
  }),
  defineTool({
    name: 'weekly_trend',
    description:
      'Spend, conversions, revenue and ROAS per ISO week (labelled by its Monday) over a period. A week the period cuts is `partial`: `from`, `to` and `days` say which of its days the figures cover.',
    input: z.strictObject({ ...scope, period: periodSchema }),
    async run(i, { ctx, services }) {
      const m = await services.analytics.metrics(ctx, {
        from: i.period.from,
        to: i.period.to,
        groupBy: ['week'],
        filter: filterOf(i),
        sort: 'week',
        limit: 200,
      });
      return {
        currency: m.currency,
        weeks: m.rows.map((r) => ({
          ...weekCoverage(r.week as string, i.period),
          spendMicros: r.spendMicros,
          conversions: r.conversions,
          revenueMicros: r.conversionValueMicros,
          roas: r.roas,
          cpaMicros: r.cpaMicros,
        })),
      };
    },
  }),
  defineTool({
    name: 'campaign_breakdown',
    description: 'Campaigns by spend over a period with their conversions, ROAS and CPA.',
    input: z.strictObject({
      clientId: id.optional(),
      period: periodSchema,
      limit: z.number().int().min(1).max(200).default(20),
    }),
    async run(i, { ctx, services }) {
      const m = await services.analytics.metrics(ctx, {
        from: i.period.from,
        to: i.period.to,
        groupBy: ['campaign'],
        filter: filterOf(i),
        sort: '-spendMicros',
        limit: i.limit,
      });
      return {
        currency: m.currency,
        totalSpendMicros: m.totals.spendMicros,
        campaigns: m.rows.map((r) => ({
          campaignId: r.campaignId ?? null,
          name: r.campaignName ?? null,
          platform: r.platform ?? null,
          spendMicros: r.spendMicros,
          conversions: r.conversions,
          revenueMicros: r.conversionValueMicros,
          roas: r.roas,
          cpaMicros: r.cpaMicros,
        })),
      };
    },
  }),
  defineTool({
    name: 'forecast',
    description:
      "ORACLE's forecast of an entity's daily metric (spend, conversions, revenue or roas) 1–90 days ahead, summed over the horizon.",
    input: z.strictObject({
      entityType: z.enum(['campaign', 'client', 'organization']),
      entityId: id.optional(),
      metric: z.enum(['spend', 'conversions', 'revenue', 'roas']),
      horizon: z.number().int().min(1).max(90).default(30),
    }),
    async run(i, { ctx, services }) {
      return orUnavailable(async () => {
        const f = await services.oracle.createForecast(ctx, {
          entity: { type: i.entityType, id: i.entityType === 'organization' ? '' : (i.entityId ?? '') },
          metric: i.metric,
          horizon: i.horizon,
        });
        const total = f.points.reduce((s, p) => s + p.mean, 0);
        return {
          available: true as const,
          metric: f.metric,
          unit: f.unit,
          currency: f.explanation.currency,
          model: f.model,
          confidence: f.confidence,
          from: f.points[0]?.date ?? null,
          to: f.points.at(-1)?.date ?? null,
          horizon: f.horizon,
          totalMean: i.metric === 'roas' ? null : total,
          dailyMean: f.points.length ? total / f.points.length : null,
          seriesTo: f.explanation.seriesTo,
          warnings: f.explanation.warnings,
        };
      });
    },
  }),
  defineTool({
    name: 'anomalies',
    description:
      "Scans an entity's daily metrics with ORACLE and returns the flagged days with their likely causes.",
    input: z.strictObject({
      entityType: z.enum(['campaign', 'client', 'organization']),
      entityId: id.optional(),
      since: z.string().optional(),
    }),
    async run(i, { ctx, services }) {
      return orUnavailable(async () => {
        const s = await services.oracle.scanAnomalies(ctx, {
          entity: { type: i.entityType, id: i.entityType === 'organization' ? '' : (i.entityId ?? '') },
        });
        return {
          available: true as const,
          items: s.items
            .filter((a) => !i.since || a.date >= i.since)
            .slice(0, 20)
            .map((a) => ({
              date: a.date,
              severity: a.severity,
              cause: a.cause,
              flaggedMetrics: a.flaggedMetrics,
              score: a.score,
            })),
        };
      });
    },
  }),
  defineTool({
    name: 'attribution',
    description:
      'Attribution of won opportunities (or new leads) to ads, campaigns or platforms through the click ids on CRM contacts, under first touch, last touch, linear, time decay and position based models.',
    input: z.strictObject({
      clientId: id.optional(),
      period: periodSchema,
      conversion: z.enum(['won_opportunity', 'lead']).default('won_opportunity'),
      level: z.enum(['ad', 'campaign', 'platform']).default('campaign'),
      halfLifeDays: z.number().min(0.1).max(365).default(7),
    }),
    run: attributionRun,
  }),
];
