/** ORACLE predictions under /api/v1/oracle. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { pageSchema } from '../../platform/pagination.ts';
import type { Storage } from '../../storage/db.ts';
import type { Audit, AuditInput } from '../audit/audit.service.ts';
import { ctxOf } from '../auth/auth.plugin.ts';
import type { Ctx } from '../auth/context.ts';
import {
  adIdParams,
  allocationBody,
  allocationSchema,
  anomalySchema,
  churnQuery,
  churnSchema,
  clvQuery,
  clvSchema,
  createdForecastSchema,
  createForecastBody,
  fatigueListSchema,
  fatigueSchema,
  forecastSchema,
  listAnomaliesQuery,
  listFatigueQuery,
  listForecastsQuery,
  listPredictionsQuery,
  nowcastQuery,
  nowcastSchema,
  predictionSchema,
  scanAnomaliesBody,
  scanResultSchema,
  scorecardSchema,
} from './oracle.schema.ts';
import type { EntityRef, EntityType } from './oracle.series.ts';
import type { Oracle } from './oracle.service.ts';

const entityOf = (type: EntityType | undefined, id: string | undefined): EntityRef | undefined =>
  type === undefined ? undefined : { type, id: type === 'organization' ? '' : (id ?? '') };

export function oracleRoutes(
  app: FastifyInstance,
  { oracle, audit, storage }: { oracle: Oracle; audit: Audit; storage: Storage },
) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  /**
   * A POST that stored something on a person's (or API key's) behalf is audited once it has: a new
   * forecast, newly stored anomalies (which may start workflows), an allocation. The nightly job
   * calls the service directly and is not audited (it would fill the log), nor are computations that
   * stored nothing. Recorded right after the service's own transaction: the rows are derived and
   * idempotent, so a failed audit write (a 500) leaves nothing a retry would not find again.
   */
  const record = (ctx: Ctx, entry: Omit<AuditInput, 'organizationId' | 'actor' | 'origin'>) =>
    storage.withTenant(ctx.organizationId, (trx) => audit.recordFor(trx, ctx, entry));

  r.post(
    '/api/v1/oracle/forecasts',
    {
      // Computing writes only derived predictions (idempotent on their inputs): a read of the data.
      config: { permission: 'analytics:read' },
      schema: {
        tags: ['oracle'],
        summary:
          'Forecast spend, conversions, revenue or ROAS of an ad, campaign, client, platform or the organization, with 80% and 95% intervals',
        body: createForecastBody,
        response: { 200: createdForecastSchema },
      },
    },
    async (req) => {
      const b = req.body;
      const ctx = ctxOf(req);
      const forecast = await oracle.createForecast(ctx, {
        entity: entityOf(b.entityType, b.entityId) as EntityRef,
        metric: b.metric,
        horizon: b.horizon,
        from: b.from,
      });
      if (!forecast.reused)
        await record(ctx, {
          action: 'oracle.forecast_created',
          target: { type: 'forecast', id: forecast.id },
          input: b,
          metadata: {
            entityType: forecast.entityType,
            entityId: forecast.entityId,
            metric: forecast.metric,
            horizon: forecast.horizon,
            model: forecast.model,
          },
        });
      return forecast;
    },
  );

  r.get(
    '/api/v1/oracle/forecasts',
    {
      config: { permission: 'analytics:read' },
      schema: {
        tags: ['oracle'],
        summary: 'Stored forecasts, newest first (the latest is the first item; the rest is history)',
        querystring: listForecastsQuery,
        response: { 200: pageSchema(forecastSchema) },
      },
    },
    async (req) => {
      const q = req.query;
      return oracle.listForecasts(ctxOf(req), {
        entity: entityOf(q.entityType, q.entityId),
        metric: q.metric,
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );

  r.post(
    '/api/v1/oracle/anomalies',
    {
      config: { permission: 'analytics:read' },
      schema: {
        tags: ['oracle'],
        summary:
          'Scan the daily metrics of an ad, campaign, client, platform or the organization for anomalies, with their likely cause',
        body: scanAnomaliesBody,
        response: { 200: scanResultSchema },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      const scan = await oracle.scanAnomalies(ctx, {
        entity: entityOf(req.body.entityType, req.body.entityId) as EntityRef,
        from: req.body.from,
      });
      if (scan.stored > 0)
        await record(ctx, {
          action: 'oracle.anomalies_recorded',
          target: { type: scan.entityType, id: scan.entityId ?? ctx.organizationId },
          input: req.body,
          metadata: { stored: scan.stored, from: scan.from, to: scan.to, modelVersion: scan.modelVersion },
        });
      return scan;
    },
  );

  r.get(
    '/api/v1/oracle/predictions',
    {
      config: { permission: 'analytics:read' },
      schema: {
        tags: ['oracle'],
        summary:
          'Prediction history: every stored prediction row (forecasts and their scores, anomalies, fatigue, allocations), newest first, by type, entity, run, metric and day computed',
        querystring: listPredictionsQuery,
        response: { 200: pageSchema(predictionSchema) },
      },
    },
    async (req) => {
      const { entityType, entityId, ...q } = req.query;
      return oracle.listPredictions(ctxOf(req), { ...q, entity: entityOf(entityType, entityId) });
    },
  );

  r.get(
    '/api/v1/oracle/anomalies',
    {
      config: { permission: 'analytics:read' },
      schema: {
        tags: ['oracle'],
        summary: 'Stored anomalies, most recently found first',
        querystring: listAnomaliesQuery,
        response: { 200: pageSchema(anomalySchema) },
      },
    },
    async (req) =>
      oracle.listAnomalies(ctxOf(req), {
        entity: entityOf(req.query.entityType, req.query.entityId),
        allVersions: req.query.allVersions === 'true',
        limit: req.query.limit,
        cursor: req.query.cursor,
      }),
  );

  r.get(
    '/api/v1/oracle/fatigue',
    {
      config: { permission: 'analytics:read' },
      schema: {
        tags: ['oracle'],
        summary:
          'Creative fatigue of every ad that delivered in the last 28 days: 7/14-day fatigue probability, predicted drop, risk factors, refresh date and class',
        querystring: listFatigueQuery,
        response: { 200: fatigueListSchema },
      },
    },
    async (req) => oracle.listFatigue(ctxOf(req), req.query),
  );

  r.get(
    '/api/v1/oracle/fatigue/:adId',
    {
      config: { permission: 'analytics:read' },
      schema: {
        tags: ['oracle'],
        summary: "Creative fatigue of one ad as of the organization's last day with data",
        params: adIdParams,
        response: { 200: fatigueSchema },
      },
    },
    async (req) => oracle.getFatigue(ctxOf(req), req.params.adId),
  );

  r.get(
    '/api/v1/oracle/nowcast',
    {
      config: { permission: 'analytics:read' },
      schema: {
        tags: ['oracle'],
        summary:
          "Expected final conversions, CPA and ROAS of recent days (80% interval) from each ad account's conversion delay, learnt from platform restatements",
        querystring: nowcastQuery,
        response: { 200: nowcastSchema },
      },
    },
    async (req) => oracle.nowcast(ctxOf(req), req.query),
  );

  r.get(
    '/api/v1/oracle/scorecard',
    {
      config: { permission: 'analytics:read' },
      schema: {
        tags: ['oracle'],
        summary:
          'Forecast accuracy per model and metric (MASE vs seasonal naive, 80/95% coverage) and the series switched to seasonal naive',
        response: { 200: scorecardSchema },
      },
    },
    async (req) => oracle.scorecard(ctxOf(req)),
  );

  r.get(
    '/api/v1/oracle/churn',
    {
      config: { permission: 'analytics:read' },
      schema: {
        tags: ['oracle'],
        summary:
          'Agency-client churn risk from spend pacing against the monthly budget and the 4-week ROAS/CPA trend, with the top reasons',
        querystring: churnQuery,
        response: { 200: churnSchema },
      },
    },
    async (req) => oracle.churn(ctxOf(req), req.query),
  );

  r.get(
    '/api/v1/oracle/clv',
    {
      config: { permission: 'analytics:read' },
      schema: {
        tags: ['oracle'],
        summary:
          "Customer value of a client's CRM contacts: BG/NBD and Gamma-Gamma fitted on its won opportunities, expected purchases and value per contact over the horizon, parameters and fit diagnostics",
        querystring: clvQuery,
        response: { 200: clvSchema },
      },
    },
    async (req) => oracle.clv(ctxOf(req), req.query),
  );

  r.post(
    '/api/v1/oracle/allocations',
    {
      // Stores a derived prediction only: a read of the data.
      config: { permission: 'analytics:read' },
      schema: {
        tags: ['oracle'],
        summary:
          'Split a daily budget across campaigns or platforms to maximize conversions or revenue (or meet a target ROAS/CPA) from fitted response curves, with bounds, binding constraints and the expected gain',
        body: allocationBody,
        response: { 200: allocationSchema },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      const { newRun, ...allocation } = await oracle.allocate(ctx, req.body);
      // The same inputs answer the stored run again: only a newly stored run is recorded (the
      // Predictions page asks on every visit, viewers included).
      if (newRun)
        await record(ctx, {
          action: 'oracle.allocation_computed',
          target: { type: 'allocation', id: allocation.predictionId },
          input: req.body,
          metadata: {
            level: allocation.level,
            objective: allocation.objective,
            clientId: allocation.clientId,
            recommendedDailyMicros: allocation.totals.recommendedDailyMicros,
          },
        });
      return allocation;
    },
  );
}
