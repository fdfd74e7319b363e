/** Client management tools: the client, ORACLE churn and anomalies, KPIs, budget headroom, the month's report data. */
import { z } from 'zod';
import { invalidInput } from '../../../platform/errors.ts';
import { monthBoundsOf, monthCoverage, previousMonth } from '../../analytics/month-coverage.ts';
import { addDays } from '../../analytics/periods.ts';
import { campaignSpendInOwnCurrency } from '../agent-kit/campaign-spend.ts';
import { allPages, assertScope, orUnavailable, periodSchema } from '../agent-kit/period.ts';
import { defineTool } from '../agents.definition.ts';

const id = z.string().min(1).max(64);
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'A month written YYYY-MM');

export const monthBounds = (m: string) => ({ ...monthBoundsOf(m), previous: previousMonth(m) });

/** A month after the current one (UTC): there is nothing to report on yet. */
export const monthNotStarted = (m: string, now: Date) => m > now.toISOString().slice(0, 7);

/** A campaign counts as limited by its budget when it spent at least this share of it on average. */
const BUDGET_LIMITED = 0.9;

export const clientTools = [
  defineTool({
    name: 'client_profile',
    description: 'The client: name, status, currency and monthly budget.',
    input: z.strictObject({ clientId: id }),
    async run(i, { ctx, services }) {
      const c = await services.clients.get(ctx, i.clientId);
      return {
        id: c.id,
        name: c.name,
        status: c.status,
        currency: c.currency,
        monthlyBudgetMicros: c.monthlyBudgetMicros,
      };
    },
  }),
  defineTool({
    name: 'churn_risk',
    description:
      "ORACLE's churn risk of the client (0–1) with its factors: spend pacing against the monthly budget and the 4-week ROAS and CPA trend.",
    input: z.strictObject({ clientId: id }),
    async run(i, { ctx, services }) {
      const r = await services.oracle.churn(ctx, { clientId: i.clientId });
      const c = r.items[0];
      if (!c) return { asOf: null, risk: null, level: null, reasons: [], pacing: null, trend: null };
      return {
        asOf: c.asOf,
        risk: c.risk,
        level: c.level,
        reasons: c.reasons,
        pacing: c.pacing,
        trend: c.trend,
        warnings: c.warnings,
      };
    },
  }),
  defineTool({
    name: 'client_kpis',
    description:
      "The client's totals and KPIs over a period with the change vs the period of the same length before.",
    input: z.strictObject({ clientId: id, period: periodSchema }),
    async run(i, tc) {
      await assertScope(tc, i);
      const m = await tc.services.analytics.metrics(tc.ctx, {
        ...i.period,
        groupBy: [],
        filter: { clientIds: [i.clientId] },
        compare: 'previous_period',
        limit: 1,
      });
      return { currency: m.currency, totals: m.totals, previous: m.comparison?.totals ?? null };
    },
  }),
  defineTool({
    name: 'client_anomalies',
    description: "Anomalous days of the client's daily metrics (ORACLE scan) since a day.",
    input: z.strictObject({ clientId: id, since: z.string() }),
    async run(i, { ctx, services }) {
      return orUnavailable(async () => {
        const s = await services.oracle.scanAnomalies(ctx, { entity: { type: 'client', id: i.clientId } });
        const items = s.items
          .filter((a) => a.date >= i.since)
          .map((a) => ({
            date: a.date,
            severity: a.severity,
            cause: a.cause,
            flaggedMetrics: a.flaggedMetrics,
          }));
        return { available: true as const, count: items.length, items: items.slice(0, 10) };
      });
    },
  }),
  defineTool({
    name: 'budget_headroom',
    description:
      "Campaigns of the client limited by their budget (28-day average spend ≥ 90% of the daily budget) with their marginal ROAS from ORACLE response curves: upsell candidates. Budget, spend and recommendation are micros of the campaign's own currency (`currency`). `warnings` (fx_rate_missing, fx_rate_stale) name campaigns whose spend lacks rows that could not be converted to their currency.",
    input: z.strictObject({ clientId: id, asOf: z.string() }),
    async run(i, tc) {
      const { ctx, services } = tc;
      const from = addDays(i.asOf, -27);
      const [campaigns, allocation] = await Promise.all([
        allPages((cursor) =>
          services.catalog.listCampaigns(ctx, { clientId: i.clientId, status: 'active', limit: 500, cursor }),
        ),
        orUnavailable(() =>
          services.oracle.allocate(ctx, {
            clientId: i.clientId,
            level: 'campaign',
            objective: 'revenue',
            maxChangePct: 30,
          }),
        ),
      ]);
      // The budget is in the campaign's currency: so is the spend it is divided into.
      const { spend: spendOf, warnings } = await campaignSpendInOwnCurrency(tc, {
        from,
        to: i.asOf,
        campaigns: campaigns.items,
      });
      const curve = new Map(
        'allocations' in allocation ? allocation.allocations.map((a) => [a.entityId, a]) : [],
      );
      const curveCurrency = 'allocations' in allocation ? allocation.currency : null;
      const items = campaigns.items.flatMap((c) => {
        const row = spendOf.get(c.id);
        if (!c.dailyBudgetMicros || !row) return [];
        const avgDaily = row.spendMicros / 28;
        const utilisation = avgDaily / c.dailyBudgetMicros;
        // ORACLE's recommendation is in the currency of the data it fitted: used only when it is this campaign's.
        const a = curveCurrency === c.currency ? curve.get(c.id) : undefined;
        return [
          {
            campaignId: c.id,
            name: c.name,
            platform: c.platform,
            currency: c.currency,
            dailyBudgetMicros: c.dailyBudgetMicros,
            avgDailySpendMicros: Math.round(avgDaily),
            utilisation: Math.round(utilisation * 1000) / 1000,
            budgetLimited: utilisation >= BUDGET_LIMITED,
            roas28: row.roas,
            marginalRoas: a?.fitted ? a.marginalResponse : null,
            recommendedDailyMicros: a?.fitted ? a.recommendedDailyMicros : null,
          },
        ];
      });
      return { allocation: 'allocations' in allocation ? 'fitted' : allocation.reason, items, warnings };
    },
  }),
  defineTool({
    name: 'month_report_data',
    description:
      "The client's KPIs of a calendar month and of the month before, which days of each month have data (`coverage`: a month cut short by the retention purge or by when data starts is `partial`, and its change is not comparable), and its top campaigns of the month by revenue.",
    input: z.strictObject({ clientId: id, month }),
    async run(i, tc) {
      if (monthNotStarted(i.month, tc.now))
        throw invalidInput(`That month has not started yet (${i.month})`, { field: 'month' });
      await assertScope(tc, i);
      const { ctx, services } = tc;
      const b = monthBounds(i.month);
      const prev = monthBounds(b.previous);
      const filter = { clientIds: [i.clientId] };
      const [months, days, top] = await Promise.all([
        services.analytics.metrics(ctx, { from: prev.from, to: b.to, groupBy: ['month'], filter, limit: 2 }),
        services.analytics.metrics(ctx, { from: prev.from, to: b.to, groupBy: ['day'], filter, limit: 62 }),
        services.analytics.metrics(ctx, {
          from: b.from,
          to: b.to,
          groupBy: ['campaign'],
          filter,
          sort: '-conversionValueMicros',
          limit: 5,
        }),
      ]);
      const pick = (m: string) => months.rows.find((r) => r.month === m) ?? null;
      const kpis = (r: (typeof months.rows)[number] | null) =>
        r && {
          spendMicros: r.spendMicros,
          conversions: r.conversions,
          revenueMicros: r.conversionValueMicros,
          roas: r.roas,
          cpaMicros: r.cpaMicros,
          ctr: r.ctr,
          clicks: r.clicks,
          impressions: r.impressions,
        };
      const dataDays = days.rows.map((r) => r.day as string);
      const coverage = {
        current: monthCoverage(i.month, dataDays),
        previous: monthCoverage(b.previous, dataDays),
      };
      return {
        currency: months.currency,
        month: i.month,
        previousMonth: b.previous,
        coverage,
        comparable: !coverage.current.partial && !coverage.previous.partial,
        current: kpis(pick(i.month)),
        previous: kpis(pick(b.previous)),
        topCampaigns: top.rows.map((r) => ({
          campaignId: r.campaignId ?? null,
          name: r.campaignName ?? null,
          platform: r.platform ?? null,
          spendMicros: r.spendMicros,
          revenueMicros: r.conversionValueMicros,
          conversions: r.conversions,
          roas: r.roas,
        })),
      };
    },
  }),
];
