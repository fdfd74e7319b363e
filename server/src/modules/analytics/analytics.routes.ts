/** /api/v1/analytics: unified metrics (JSON or CSV) and the FX rates they are converted with. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { conflict } from '../../platform/errors.ts';
import { ctxOf } from '../auth/auth.plugin.ts';
import { metricsCsv } from './analytics.csv.ts';
import {
  fxRateSchema,
  fxRatesBodySchema,
  fxRatesQuerySchema,
  metricsQuerySchema,
  metricsResponseSchema,
} from './analytics.schema.ts';
import type { Analytics } from './analytics.service.ts';
import type { Fx } from './fx.service.ts';

/** What the routes need: the metrics service with its FX service beside it (see index.ts). */
export type AnalyticsDeps = { analytics: Analytics & { fx: Fx } };

export function analyticsRoutes(app: FastifyInstance, { analytics }: AnalyticsDeps) {
  const { fx } = analytics;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/analytics/metrics',
    {
      config: { permission: 'analytics:read' },
      schema: {
        tags: ['analytics'],
        summary: 'Unified metrics with filters, grouping, KPIs, period-over-period comparison; JSON or CSV',
        description:
          'Sums of the daily metrics of every platform between `from` and `to` (both included), grouped by `groupBy`, with KPIs computed from the sums of each group (never averaged). Amounts are converted to the organization’s reporting currency with the latest rate on or before each day (`fx.ratesUsed`); rows whose currency has no rate are left out and named in `warnings` (a CSV request fails with 409 instead). `format=csv` or `Accept: text/csv` returns CSV for spreadsheets (the JSON is unchanged by it): UTF-8 with a byte-order mark, one header line, then a line per row (without `groupBy`, one line of totals). Columns, always in this order: per `groupBy` dimension `Day`, `Week (Monday)`, `Month`, `Platform`, `Client ID` and `Client`, `Ad account ID` and `Ad account`, `Campaign ID` and `Campaign`, `Ad group ID` and `Ad group`, `Ad ID` and `Ad`; then `Impressions`, `Clicks`, `Spend (CUR)`, `Conversions`, `Conversion value (CUR)`, `Reach (sum of daily reach)`, `CTR (%)`, `CPC (CUR)`, `CPM (CUR)`, `CPA (CUR)`, `ROAS (conversion value / spend)`, `Conversion rate (%)`, `Frequency (daily average)`, where CUR is the reporting currency (e.g. `Spend (USD)`). Money is in currency units (sums to the minor unit, unit costs to 4 decimals), CTR and conversion rate are percents (1.25 = 1.25 %, 4 decimals), ROAS and frequency ratios (6 decimals); a ratio with a zero denominator is an empty cell. Without a time dimension the CSV also lists, with zeros and empty ratios, every client, ad account, campaign, ad group or ad (the finest of `groupBy`) that the filters select but that delivered nothing in the period, as the dashboard tables do; they sort as zero spend. A filter naming an id the organization does not have answers 404 `not_found` naming the filter (`details.filter`, `details.ids`).',
        querystring: metricsQuerySchema,
        response: { 200: metricsResponseSchema },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const accept = req.headers.accept ?? '';
      const csv = q.format === 'csv' || (q.format === undefined && /\btext\/csv\b/.test(accept));
      const { missingFx, ...result } = await analytics.metrics(ctxOf(req), {
        from: q.from,
        to: q.to,
        groupBy: q.groupBy ?? [],
        filter: {
          clientIds: q.clientId,
          platforms: q.platform,
          adAccountIds: q.adAccountId,
          campaignIds: q.campaignId,
          adGroupIds: q.adGroupId,
          adIds: q.adId,
        },
        compare: q.compare,
        sort: q.sort,
        limit: q.limit,
        checkFilterIds: true,
        includeUndelivered: csv,
      });
      if (!csv) return result;
      if (missingFx)
        throw conflict(
          'Some amounts cannot be converted to the reporting currency: load the missing FX rates',
          {
            warnings: result.warnings.filter((w) => w.code === 'fx_rate_missing'),
          },
        );
      // A stream skips the JSON serializer (and its response schema), as CSV should.
      const plain = reply as unknown as FastifyReply;
      return plain
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="metrics-${q.from}-${q.to}.csv"`)
        .send(metricsCsv(result));
    },
  );

  r.get(
    '/api/v1/analytics/fx-rates',
    {
      config: { permission: 'analytics:read' },
      schema: {
        tags: ['analytics'],
        summary: 'FX rates in effect (the organization’s own over the install’s), newest first',
        querystring: fxRatesQuerySchema,
        response: { 200: z.object({ items: z.array(fxRateSchema), truncated: z.boolean() }) },
      },
    },
    async (req) => fx.list(ctxOf(req), req.query),
  );

  r.put(
    '/api/v1/analytics/fx-rates',
    {
      config: { permission: 'organization:update' },
      schema: {
        tags: ['analytics'],
        summary: 'Insert or replace the organization’s FX rates (1 base = rate quote per day); audited',
        description:
          'Omnify fetches no rates: load them here (e.g. the ECB’s daily euro reference rates) or have the operator load install-wide ones. A rate here wins over the install’s for the same pair and day.',
        body: fxRatesBodySchema,
        response: { 200: z.object({ upserted: z.number() }) },
      },
    },
    async (req) => fx.upsert(ctxOf(req), req.body.rates),
  );
}
