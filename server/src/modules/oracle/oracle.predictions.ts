/**
 * Prediction history: every stored prediction row of the organization (forecasts and their scores,
 * anomalies, fatigue, allocations), newest first, filtered by type, entity, run and when it was
 * computed. The typed routes (/forecasts, /anomalies, …) answer the latest in their own shapes; this
 * one answers what was predicted at any time, row by row, as stored (type, entity, horizon, value,
 * interval, confidence, model@version, hash of inputs, explanation).
 */

import { notFound } from '../../platform/errors.ts';
import { decodeCursor, type Page, toPage } from '../../platform/pagination.ts';
import type { Storage } from '../../storage/db.ts';
import type { PredictionsTable } from '../../storage/schema.ts';
import { addDays } from '../analytics/periods.ts';
import type { Ctx } from '../auth/context.ts';
import type { EntityRef, SeriesReader } from './oracle.series.ts';

export const predictionTypes = ['forecast', 'forecast_score', 'anomaly', 'fatigue', 'allocation'] as const;
export type PredictionType = (typeof predictionTypes)[number];

export interface StoredPrediction {
  id: string;
  runId: string;
  type: string;
  entityType: string;
  entityId: string | null;
  metric: string;
  horizonDays: number;
  step: number;
  forDate: string;
  computedAt: string;
  value: number;
  lo80: number | null;
  hi80: number | null;
  lo95: number | null;
  hi95: number | null;
  confidence: number | null;
  model: string;
  modelVersion: string;
  inputsHash: string;
  explanation: unknown;
}

const toPrediction = (r: PredictionsTable): StoredPrediction => ({
  id: r.id,
  runId: r.run_id,
  type: r.type,
  entityType: r.entity_type,
  entityId: r.entity_type === 'organization' ? null : r.entity_id,
  metric: r.metric,
  horizonDays: r.horizon_days,
  step: r.step,
  forDate: r.for_date,
  computedAt: r.computed_at,
  value: r.value,
  lo80: r.lo80,
  hi80: r.hi80,
  lo95: r.lo95,
  hi95: r.hi95,
  confidence: r.confidence,
  model: r.model,
  modelVersion: r.model_version,
  inputsHash: r.inputs_hash,
  explanation: JSON.parse(r.explanation),
});

export interface PredictionFilter {
  type?: PredictionType;
  entity?: EntityRef;
  runId?: string;
  metric?: string;
  /** First and last day (UTC) the predictions were computed on. */
  computedFrom?: string;
  computedTo?: string;
  limit: number;
  cursor?: string;
}

export function createPredictionHistory({
  storage,
  series,
}: {
  storage: Storage;
  series: Pick<SeriesReader, 'assertEntity'>;
}) {
  /** Newest first; another organization's entity is a 404, another organization's (or no) run too. */
  async function list(ctx: Ctx, f: PredictionFilter): Promise<Page<StoredPrediction>> {
    const cursor = decodeCursor(f.cursor, 'id');
    const org = ctx.organizationId;
    return storage.withTenant(org, async (trx) => {
      if (f.entity) await series.assertEntity(trx, org, f.entity);
      // Another organization's run is not found, like a run that does not exist (not an empty page).
      if (f.runId) {
        const run = await trx
          .selectFrom('predictions')
          .select('id')
          .where('organization_id', '=', org)
          .where('run_id', '=', f.runId)
          .limit(1)
          .executeTakeFirst();
        if (!run) throw notFound('Prediction run', f.runId);
      }
      let q = trx.selectFrom('predictions').selectAll().where('organization_id', '=', org);
      if (f.type) q = q.where('type', '=', f.type);
      if (f.entity) q = q.where('entity_type', '=', f.entity.type).where('entity_id', '=', f.entity.id);
      if (f.runId) q = q.where('run_id', '=', f.runId);
      if (f.metric) q = q.where('metric', '=', f.metric);
      if (f.computedFrom) q = q.where('computed_at', '>=', `${f.computedFrom}T00:00:00.000Z`);
      // The last day included: before the next day's midnight (9999-12-31 has no next day in ISO form).
      if (f.computedTo)
        q =
          f.computedTo >= '9999-12-31'
            ? q
            : q.where('computed_at', '<', `${addDays(f.computedTo, 1)}T00:00:00.000Z`);
      if (cursor) q = q.where('id', '<', cursor);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(f.limit + 1)
        .execute();
      return toPage(rows.map(toPrediction), f.limit, (p) => p.id);
    });
  }
  return { list };
}

export type PredictionHistory = ReturnType<typeof createPredictionHistory>;
