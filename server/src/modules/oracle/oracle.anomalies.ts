/**
 * Anomalies of one entity's daily metrics (oracle/anomaly `scanEntityMetrics`), stored as predictions
 * of type `anomaly`: one row per flagged day. The detector is causal (a day's result depends only on
 * the days before it), so a day's row is keyed by a hash of the series up to that day: re-scanning
 * the same history, nightly or on request, stores nothing twice.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import { newId } from '../../platform/ids.ts';
import { decodeCursor, type Page, toPage } from '../../platform/pagination.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { PredictionsTable } from '../../storage/schema.ts';
import { addDays } from '../analytics/periods.ts';
import { type Ctx, ctxCan } from '../auth/context.ts';
import type { DomainEvents } from '../workflows/index.ts';
import { sizeBand, surpriseBand } from './anomaly/detector.ts';
import { type EntityDayResult, scanEntityMetrics } from './anomaly/index.ts';
import { PREDICTION_KEY } from './oracle.constants.ts';
import type { DailySeries, EntityRef, EntityType, SeriesReader } from './oracle.series.ts';

/** The anomaly module has no version constant of its own yet; bump this when its numbers change. */
export const ANOMALY_MODEL = 'robust-seasonal-detector';
export const ANOMALY_MODEL_VERSION = '1.3.0';

export interface AnomalyFinding {
  id: string;
  entityType: EntityType;
  entityId: string | null;
  date: string;
  metric: string;
  score: number;
  confidence: number | null;
  severity: string;
  /** Why the severity is what it is, in a sentence (which metric set it, its two bands). */
  severityReason: string;
  /** The flagged metric that set the severity (null when no metric was flagged or none matches). */
  severityMetric: string | null;
  cause: string | null;
  causes: Array<{ cause: string; confidence: number; reason: string }>;
  flaggedMetrics: string[];
  /**
   * Actual and expected values of every metric that day. Unlike the rest of ORACLE (micros), spend,
   * CPC and CPM are in currency units of `currency` (spend ÷ 1e6, as the detector reads them);
   * impressions, clicks and conversions are counts, CTR a ratio.
   */
  metrics: Record<string, { actual: number | null; expected: number | null; score: number }>;
  /** The currency of the scanned series (null for findings stored before it was recorded). */
  currency: string | null;
  model: string;
  modelVersion: string;
  computedAt: string;
}

const round = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 1e6) / 1e6);
const predictionId = () => newId('prediction');
/** Days at the end of the series whose new findings are announced (`anomaly.found`). */
const NEWS_DAYS = 7;

const SEVERITY_ORDER = ['none', 'low', 'medium', 'high', 'critical'] as const;
type DaySeverity = (typeof SEVERITY_ORDER)[number];

/**
 * A finding's severity: the highest severity among its flagged metrics (each is the lower of its
 * surprise band and the size of its move, anomaly/README step 9). A day listed with no flagged
 * metric (no series reached the 0.5 flag threshold: only a cause rule fired) is `low`, whatever
 * the cause: the detector's entity scan raises such days to `medium`, which read as more than the
 * metrics show.
 */
export function findingSeverity(
  flaggedMetrics: readonly string[],
  metricSeverity: (metric: string) => string | undefined,
  stored: string,
): string {
  if (!flaggedMetrics.length) return 'low';
  let best: DaySeverity | null = null;
  for (const m of flaggedMetrics) {
    const sv = metricSeverity(m) as DaySeverity | undefined;
    if (sv === undefined || !SEVERITY_ORDER.includes(sv)) return stored;
    if (best === null || SEVERITY_ORDER.indexOf(sv) > SEVERITY_ORDER.indexOf(best)) best = sv;
  }
  return best ?? stored;
}

const METRIC_LABELS: Record<string, string> = {
  spend: 'spend',
  impressions: 'impressions',
  clicks: 'clicks',
  conversions: 'conversions',
  ctr: 'CTR',
  cpc: 'CPC',
  cpm: 'CPM',
};
/** The flagged metric whose own severity is the finding's (the first such, as the reason names it). */
export function severityMetricOf(
  severity: string,
  flaggedMetrics: readonly string[],
  metrics: Readonly<Record<string, { severity?: string } | undefined>>,
): string | null {
  return flaggedMetrics.find((m) => metrics[m]?.severity === severity) ?? null;
}

/**
 * Why a finding has its severity, from the metric that set it: its surprise (how improbable the day
 * was given its past) and the size of its move, each with its band; the lower band is the severity.
 * Findings stored before the surprise was kept get the rule without the numbers.
 */
export function severityReasonOf(
  severity: string,
  flaggedMetrics: readonly string[],
  metrics: Readonly<
    Record<string, { severity?: string; surprise?: number | null; deviation?: number | null } | undefined>
  >,
): string {
  if (!flaggedMetrics.length)
    return 'Low: no metric crossed the flag threshold on its own; only a cause rule fired on smaller moves.';
  const lead = severityMetricOf(severity, flaggedMetrics, metrics);
  const r = lead ? metrics[lead] : undefined;
  const sev = severity.charAt(0).toUpperCase() + severity.slice(1);
  if (!lead || !r || r.surprise === undefined || r.surprise === null)
    return `${sev}: the highest severity of the flagged metrics, each the lower of two bands: how improbable the day was given its past (surprise) and the size of the move.`;
  const name = METRIC_LABELS[lead] ?? lead;
  // Truncated, not rounded, so the number shown sits in the band named (0.899 is "0.89 (medium)").
  const surprise = `surprise ${(Math.floor(r.surprise * 100) / 100).toFixed(2)} (${surpriseBand(r.surprise)})`;
  if (r.deviation === undefined || r.deviation === null)
    return `${sev}: set by ${name}, from its ${surprise}; its move has no expected value to compare with.`;
  const pct = Math.trunc(r.deviation * 100);
  const move = `move ${pct > 0 ? '+' : ''}${pct}% (${sizeBand(r.deviation)})`;
  return `${sev}: set by ${name}, ${surprise} and ${move}. Severity is the lower of the two bands, so a big move in a noisy metric can rank below a smaller one in a steady metric.`;
}

function explanationOf(d: EntityDayResult, currency: string) {
  return {
    severity: findingSeverity(
      d.flaggedMetrics,
      (m) => d.metrics[m as keyof typeof d.metrics]?.severity,
      d.severity,
    ),
    currency,
    cause: d.cause,
    causes: d.causes.map((c) => ({ cause: c.cause, confidence: round(c.confidence) ?? 0, reason: c.reason })),
    flaggedMetrics: d.flaggedMetrics,
    metrics: Object.fromEntries(
      Object.entries(d.metrics).map(([m, p]) => [
        m,
        {
          actual: round(p.value),
          expected: round(p.expected),
          score: round(p.score) ?? 0,
          severity: p.severity,
          surprise: round(p.surprise),
          deviation: round(p.deviation),
        },
      ]),
    ),
  };
}

function toFinding(r: PredictionsTable): AnomalyFinding {
  const e = JSON.parse(r.explanation) as Partial<ReturnType<typeof explanationOf>> &
    Pick<ReturnType<typeof explanationOf>, 'severity' | 'cause' | 'causes' | 'flaggedMetrics' | 'metrics'>;
  // Rows stored before the per-metric severity was kept: the stored one, unless nothing was flagged.
  const metrics = Object.fromEntries(
    Object.entries(e.metrics).map(([m, v]) => [
      m,
      { actual: v.actual, expected: v.expected, score: v.score },
    ]),
  );
  const severity = findingSeverity(e.flaggedMetrics, (m) => e.metrics[m]?.severity, e.severity);
  return {
    id: r.id,
    entityType: r.entity_type as EntityType,
    entityId: r.entity_id === '' ? null : r.entity_id,
    date: r.for_date,
    metric: r.metric,
    score: Number(r.value),
    confidence: r.confidence === null ? null : Number(r.confidence),
    severity,
    severityReason: severityReasonOf(severity, e.flaggedMetrics, e.metrics),
    severityMetric: severityMetricOf(severity, e.flaggedMetrics, e.metrics),
    cause: e.cause,
    causes: e.causes,
    flaggedMetrics: e.flaggedMetrics,
    metrics,
    currency: e.currency ?? null,
    model: r.model,
    modelVersion: r.model_version,
    computedAt: r.computed_at,
  };
}

export function createAnomalies({
  storage,
  clock,
  series,
  events,
}: {
  storage: Storage;
  clock: Clock;
  series: SeriesReader;
  events?: DomainEvents;
}) {
  /** Scans the entity's series and stores its flagged days not stored before; returns every flagged day. */
  /**
   * Whether this caller's scan stores its findings and announces the new ones (`anomaly.found`
   * starts event-triggered workflows, which can change budgets): the nightly job (system) and
   * people or keys allowed to run automations (agents:run). Anyone else who can read analytics (a
   * viewer, a read-only key) gets the same findings computed, nothing stored and nothing started;
   * the nightly job stores and announces them.
   */
  const mayStore = (ctx: Ctx) => ctx.actor.type === 'system' || ctxCan(ctx, 'agents:run');

  async function scan(ctx: Ctx, entity: EntityRef, s: DailySeries) {
    const days = scanEntityMetrics(
      s.dates.map((date, i) => ({
        date,
        spend: (s.spendMicros[i] as number) / 1e6,
        impressions: s.impressions[i] as number,
        clicks: s.clicks[i] as number,
        conversions: s.conversions[i] as number,
      })),
    );
    // A running hash: the hash at day i covers the entity, the model and the series up to day i.
    let h = createHash('sha256')
      .update(
        JSON.stringify({
          entity,
          currency: s.currency,
          from: s.from,
          model: ANOMALY_MODEL,
          version: ANOMALY_MODEL_VERSION,
        }),
      )
      .digest('hex');
    const computedAt = clock.now().toISOString();
    const rows: PredictionsTable[] = [];
    days.forEach((d, i) => {
      h = createHash('sha256')
        .update(h)
        .update(`${d.date},${s.spendMicros[i]},${s.impressions[i]},${s.clicks[i]},${s.conversions[i]}`)
        .digest('hex');
      if (!d.flagged) return;
      const confidence = d.causes.length ? Math.max(...d.causes.map((c) => c.confidence)) : d.score;
      rows.push({
        id: predictionId(),
        organization_id: ctx.organizationId,
        run_id: predictionId(),
        type: 'anomaly',
        entity_type: entity.type,
        entity_id: entity.id,
        metric: d.flaggedMetrics[0] ?? 'all',
        horizon_days: 0,
        step: 0,
        for_date: d.date,
        computed_at: computedAt,
        value: round(d.score) ?? 0,
        lo80: null,
        hi80: null,
        lo95: null,
        hi95: null,
        confidence: round(confidence),
        model: ANOMALY_MODEL,
        model_version: ANOMALY_MODEL_VERSION,
        inputs_hash: h,
        explanation: JSON.stringify(explanationOf(d, s.currency)),
      });
    });
    const result = (stored: number, items: PredictionsTable[]) => ({
      entityType: entity.type,
      entityId: entity.id === '' ? null : entity.id,
      from: s.from,
      to: s.to,
      currency: s.currency,
      model: ANOMALY_MODEL,
      modelVersion: ANOMALY_MODEL_VERSION,
      stored,
      items: items.map(toFinding),
    });
    /** The stored rows of these findings (the same inputs are stored once), newest day first. */
    const storedRows = (trx: Executor) => {
      const hashes = rows.map((r) => r.inputs_hash);
      return hashes.length
        ? trx
            .selectFrom('predictions')
            .selectAll()
            .where('organization_id', '=', ctx.organizationId)
            .where('type', '=', 'anomaly')
            .where('inputs_hash', 'in', hashes)
            .orderBy('for_date', 'desc')
            .execute()
        : Promise.resolve([]);
    };
    if (!mayStore(ctx)) {
      // Computed, not stored: the days already stored answer with their stored rows.
      const existing = await storage.withTenant(ctx.organizationId, storedRows);
      const byHash = new Map(existing.map((r) => [r.inputs_hash, r]));
      const items = rows.map((r) => byHash.get(r.inputs_hash) ?? r);
      return result(
        0,
        items.sort((a, b) => b.for_date.localeCompare(a.for_date)),
      );
    }
    const { n: stored, saved } = await storage.withTenant(ctx.organizationId, async (trx) => {
      // The latest day already found for this entity, by any version of the detector: a new version
      // (new hashes) or restated data re-stores old days, which are not news.
      const latestKnown =
        (
          await trx
            .selectFrom('predictions')
            .select((eb) => eb.fn.max('for_date').as('last'))
            .where('organization_id', '=', ctx.organizationId)
            .where('type', '=', 'anomaly')
            .where('entity_type', '=', entity.type)
            .where('entity_id', '=', entity.id)
            .executeTakeFirst()
        )?.last ?? '';
      const news: PredictionsTable[] = [];
      // Only the last week of the series is news: a first scan of an entity (or one after a gap)
      // does not announce months-old days as if they had just happened.
      const recentFrom = addDays(s.to, -(NEWS_DAYS - 1));
      let n = 0;
      for (const row of rows) {
        const res = await trx
          .insertInto('predictions')
          .values(row)
          .onConflict((oc) => oc.columns(PREDICTION_KEY).doNothing())
          .executeTakeFirst();
        const inserted = Number(res.numInsertedOrUpdatedRows ?? 0);
        n += inserted;
        if (inserted > 0 && row.for_date > latestKnown && row.for_date >= recentFrom) news.push(row);
      }
      // Only days later than any found before are news: a re-scan of the same history, a new detector
      // version re-storing (or newly flagging) old days, or a restatement announce nothing.
      if (news.length > 0)
        await events?.emit(trx, ctx.organizationId, 'anomaly.found', {
          eventId: createHash('sha256')
            .update(news.map((r) => r.inputs_hash).join(','))
            .digest('hex')
            .slice(0, 32),
          entityType: entity.type,
          entityId: entity.id === '' ? null : entity.id,
          newAnomalies: news.length,
          dates: news.map((r) => r.for_date),
        });
      const saved = await storedRows(trx);
      return { n, saved };
    });
    return result(stored, saved);
  }

  /**
   * Stored anomalies, most recently found first, optionally of one entity. By default one finding
   * per entity and day, the latest scan's of the current detector version: when history changes
   * (a restatement, a backfill, a retention purge) a re-scan stores the day again under a new hash,
   * and the earlier finding is superseded. `allVersions` lists every stored finding, of every scan
   * and detector version (all of them stay in the prediction history).
   */
  async function list(
    ctx: Ctx,
    q: { entity?: EntityRef; allVersions?: boolean; limit: number; cursor?: string },
  ): Promise<Page<AnomalyFinding>> {
    const cursor = decodeCursor(q.cursor, 'id');
    return storage.withTenant(ctx.organizationId, async (trx) => {
      if (q.entity) await series.assertEntity(trx, ctx.organizationId, q.entity);
      let query = trx
        .selectFrom('predictions as p')
        .selectAll('p')
        .where('p.organization_id', '=', ctx.organizationId)
        .where('p.type', '=', 'anomaly');
      if (!q.allVersions)
        query = query
          .where('p.model', '=', ANOMALY_MODEL)
          .where('p.model_version', '=', ANOMALY_MODEL_VERSION)
          // Superseded: a later finding (a later scan) of the same entity and day.
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('predictions as later')
                  .select('later.id')
                  .where('later.organization_id', '=', ctx.organizationId)
                  .where('later.type', '=', 'anomaly')
                  .where('later.model', '=', ANOMALY_MODEL)
                  .where('later.model_version', '=', ANOMALY_MODEL_VERSION)
                  .whereRef('later.entity_type', '=', 'p.entity_type')
                  .whereRef('later.entity_id', '=', 'p.entity_id')
                  .whereRef('later.for_date', '=', 'p.for_date')
                  .whereRef('later.id', '>', 'p.id'),
              ),
            ),
          );
      if (q.entity)
        query = query.where('p.entity_type', '=', q.entity.type).where('p.entity_id', '=', q.entity.id);
      if (cursor) query = query.where('p.id', '<', cursor);
      const rows = await query
        .orderBy('p.id', 'desc')
        .limit(q.limit + 1)
        .execute();
      return toPage(rows.map(toFinding), q.limit, (f) => f.id);
    });
  }

  return { scan, list };
}

export type Anomalies = ReturnType<typeof createAnomalies>;
