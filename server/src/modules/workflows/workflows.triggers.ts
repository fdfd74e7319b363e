/**
 * Triggers other than a manual run. Each occurrence starts at most one execution, through the
 * execution's idempotency key: a cron tick (`cron:<workflow>:<tick>`), an event
 * (`event:<workflow>:<type>:<event id>`), a threshold crossing (`threshold:<workflow>:<id>:<sync run>`)
 * and a webhook delivery (`webhook:<workflow>:<signature>`).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import type { SecretBox } from '../../platform/crypto.ts';
import { AppError, invalidInput, notFound } from '../../platform/errors.ts';
import { jsonDepth, MAX_JSON_DEPTH } from '../../platform/http.ts';
import { nextTick, type Queue } from '../../queue/index.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { WorkflowsTable } from '../../storage/schema.ts';
import type { AnalyticsModule } from '../analytics/index.ts';
import type { Audit } from '../audit/audit.service.ts';
import { MIN_INTERVAL_MINUTES, validateCron } from '../rules/rules.validate.ts';
import type { WorkflowEventType, WorkflowTriggers } from './workflows.definition.ts';
import { type Engine, workflowCtx } from './workflows.engine.ts';
import { workflowThresholdsJob } from './workflows.jobs.ts';

/** Signed webhooks: `X-Omnify-Timestamp` (Unix seconds) and `X-Omnify-Signature: sha256=<hex>`. */
export const SIGNATURE_HEADER = 'x-omnify-signature';
export const TIMESTAMP_HEADER = 'x-omnify-timestamp';
export const REPLAY_WINDOW_SECONDS = 300;

/** HMAC-SHA256 of `<timestamp>.<raw body>` with the workflow's secret, as the sender computes it. */
export const signWebhook = (secret: string, timestamp: number | string, body: Buffer | string) =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;

interface TriggerDeps {
  storage: Storage;
  clock: Clock;
  box: SecretBox;
  queue: Queue;
  audit: Audit;
  engine: Engine;
  analytics: Pick<AnalyticsModule, 'metrics'>;
}

const triggersOf = (w: WorkflowsTable) => JSON.parse(w.triggers) as WorkflowTriggers;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

const cronChecks = new Map<string, boolean>();
/** Whether a cron fires more often than the floor (remembered: the answer never changes). */
function tooFrequent(cron: string, timezone = 'UTC'): boolean {
  const key = `${timezone} ${cron}`;
  let answer = cronChecks.get(key);
  if (answer === undefined) {
    try {
      validateCron(cron, new Date(), { timezone });
      answer = false;
    } catch {
      answer = true;
    }
    if (cronChecks.size > 10_000) cronChecks.clear();
    cronChecks.set(key, answer);
  }
  return answer;
}

export function createTriggers({ storage, clock, box, queue, engine, analytics }: TriggerDeps) {
  /** Starts the runs of cron triggers that came due since their last tick (missed ticks are not made up). */
  async function cronTick(now: Date = clock.now()) {
    const due = await storage.db
      .selectFrom('workflows')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('enabled', '=', 1)
      .where('cron_last_tick', 'is not', null)
      .execute();
    let started = 0;
    for (const wf of due) {
      const t = triggersOf(wf);
      if (!t.cron) continue;
      // A cron saved before the 15-minute floor (it is refused on save now) still fires at most
      // every 15 minutes: ticks sooner than that after the last one are skipped.
      const last = new Date(wf.cron_last_tick as string);
      const from = tooFrequent(t.cron, t.timezone)
        ? new Date(last.getTime() + MIN_INTERVAL_MINUTES * 60_000 - 1)
        : last;
      let tick: Date | undefined;
      for (
        let next = nextTick(t.cron, from, t.timezone);
        next <= now;
        next = nextTick(t.cron, next, t.timezone)
      )
        tick = next;
      if (!tick) continue;
      const at = tick.toISOString();
      await storage.withTenant(wf.organization_id, async (trx) => {
        const r = await engine.createExecution(trx, workflowCtx(wf.organization_id, wf.id), wf, {
          type: 'cron',
          payload: { tick: at, cron: t.cron },
          idempotencyKey: `cron:${wf.id}:${at}`,
        });
        if (r.created) started++;
        await trx
          .updateTable('workflows')
          .set({ cron_last_tick: at })
          .where('organization_id', '=', wf.organization_id)
          .where('id', '=', wf.id)
          .execute();
      });
    }
    return { started };
  }

  /**
   * An event of the organization (a sync finished, anomalies found): starts the workflows listening
   * for it, in the caller's transaction so that the event and its runs commit together.
   */
  async function onEvent(
    trx: Executor,
    organizationId: string,
    type: WorkflowEventType,
    payload: { eventId: string } & Record<string, unknown>,
  ) {
    const rows = await trx
      .selectFrom('workflows')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('deleted_at', 'is', null)
      .where('enabled', '=', 1)
      .execute();
    let thresholds = false;
    for (const wf of rows) {
      const t = triggersOf(wf);
      if (t.thresholds?.length) thresholds = true;
      const listens = (t.events ?? []).some(
        (e) => e.type === type && Object.entries(e.filter ?? {}).every(([k, v]) => payload[k] === v),
      );
      if (!listens) continue;
      await engine.createExecution(trx, workflowCtx(organizationId, wf.id), wf, {
        type: 'event',
        payload: { type, ...payload },
        idempotencyKey: `event:${wf.id}:${type}:${payload.eventId}`,
      });
    }
    // Threshold triggers read analytics, which must not run inside this transaction: a job does it.
    if (type === 'sync.finished' && thresholds)
      await queue.enqueue(
        workflowThresholdsJob,
        { organizationId, syncRunId: payload.eventId },
        { trx, organizationId, idempotencyKey: `wf-thresholds:${payload.eventId}` },
      );
  }

  /** After a sync: fires the threshold triggers that crossed since their last evaluation. */
  async function evaluateThresholds(organizationId: string, syncRunId: string) {
    const rows = await storage.withTenant(organizationId, (trx) =>
      trx
        .selectFrom('workflows')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('deleted_at', 'is', null)
        .where('enabled', '=', 1)
        .execute(),
    );
    let started = 0;
    const today = clock.now();
    for (const wf of rows) {
      const t = triggersOf(wf);
      if (!t.thresholds?.length) continue;
      const ctx = workflowCtx(organizationId, wf.id);
      const state = JSON.parse(wf.threshold_state) as Record<string, boolean>;
      const crossings: Array<Record<string, unknown>> = [];
      for (const th of t.thresholds) {
        const from = isoDay(new Date(today.getTime() - (th.windowDays - 1) * 86_400_000));
        const m = await analytics.metrics(ctx, {
          from,
          to: isoDay(today),
          groupBy: [],
          filter: {
            ...(th.campaignId ? { campaignIds: [th.campaignId] } : {}),
            ...(th.clientId ? { clientIds: [th.clientId] } : {}),
          },
          limit: 1,
        });
        const value = Number((m.totals as unknown as Record<string, number | null>)[th.metric] ?? Number.NaN);
        const crossed = Number.isFinite(value) && (th.op === 'gt' ? value > th.value : value < th.value);
        // Fires on the way over the line, not on every sync while it stays over.
        if (crossed && !state[th.id])
          crossings.push({
            thresholdId: th.id,
            metric: th.metric,
            op: th.op,
            threshold: th.value,
            value,
            from,
            to: isoDay(today),
          });
        state[th.id] = crossed;
      }
      await storage.withTenant(organizationId, async (trx) => {
        for (const c of crossings) {
          const r = await engine.createExecution(trx, ctx, wf, {
            type: 'event',
            payload: { type: 'threshold.crossed', syncRunId, ...c },
            idempotencyKey: `threshold:${wf.id}:${c.thresholdId}:${syncRunId}`,
          });
          if (r.created) started++;
        }
        await trx
          .updateTable('workflows')
          .set({ threshold_state: JSON.stringify(state) })
          .where('organization_id', '=', organizationId)
          .where('id', '=', wf.id)
          .execute();
      });
    }
    return { started };
  }

  /**
   * A signed inbound webhook: 404 for an unknown hook (ids are 128 random bits: knowing one proves
   * nothing, guessing one is hopeless), 401 unless the signature and timestamp check out, 202 with
   * the run.
   */
  async function receiveWebhook(hookId: string, headers: Record<string, unknown>, raw: unknown) {
    const unauthorized = () => new AppError('unauthenticated', 'Webhook signature is missing or invalid');
    const wf = await storage.db
      .selectFrom('workflows')
      .selectAll()
      .where('hook_id', '=', hookId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!wf?.hook_secret_sealed) throw notFound('Webhook', hookId);
    if (!Buffer.isBuffer(raw))
      throw new AppError('unsupported_media_type', 'Send the webhook as application/json');
    const signature = headers[SIGNATURE_HEADER];
    const timestamp = headers[TIMESTAMP_HEADER];
    if (typeof signature !== 'string' || typeof timestamp !== 'string') throw unauthorized();
    const ts = Number(timestamp);
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(clock.now().getTime() / 1000 - ts) > REPLAY_WINDOW_SECONDS)
      throw new AppError('unauthenticated', 'Webhook timestamp is outside the 5 minute window');
    const expected = Buffer.from(signWebhook(box.open(wf.hook_secret_sealed), timestamp, raw));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw unauthorized();
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : {};
    } catch {
      throw invalidInput('The webhook body is not valid JSON');
    }
    if (jsonDepth(body) > MAX_JSON_DEPTH)
      throw invalidInput(`The webhook body may nest at most ${MAX_JSON_DEPTH} levels deep`);
    if (!wf.enabled) return { accepted: true as const, executionId: null };
    const ctx = workflowCtx(wf.organization_id, wf.id);
    const r = await storage.withTenant(wf.organization_id, (trx) =>
      engine.createExecution(trx, ctx, wf, {
        type: 'webhook',
        payload: body,
        // A replay of the same signed delivery inside the window starts nothing new.
        idempotencyKey: `webhook:${wf.id}:${createHash('sha256').update(signature).digest('hex').slice(0, 32)}`,
      }),
    );
    return { accepted: true as const, executionId: r.id };
  }

  return { cronTick, onEvent, evaluateThresholds, receiveWebhook };
}

export type Triggers = ReturnType<typeof createTriggers>;
