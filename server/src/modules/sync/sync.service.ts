/**
 * The sync engine. A sync run is a list of units (per account: its structure, then its days in
 * weekly chunks; for a CRM: pipelines, contacts, opportunities). Each unit is upserted in one
 * transaction that also records it as done, so a run killed at any point resumes where it stopped
 * and ends with the same rows as an uninterrupted one. Incremental runs re-read the days a platform
 * may still restate (Meta 28 days, Google's conversion window, configurable).
 */
import { sql } from 'kysely';
import type { Config } from '../../config.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { PermanentJobError, type Queue } from '../../queue/index.ts';
import type { Storage } from '../../storage/db.ts';
import type { SyncRunsTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import type { Limits } from '../billing/index.ts';
import type { Connections } from '../connections/connections.service.ts';
import {
  type ConnectorContext,
  ConnectorError,
  type ContactRecord,
  type DailyMetricRecord,
  type OpportunityRecord,
} from '../connectors/connector.port.ts';
import type { DomainEvents } from '../workflows/index.ts';
import { syncConnectionJob } from './sync.jobs.ts';
import {
  type AccountRef,
  adIndex,
  readCursor,
  upsertAccount,
  upsertContacts,
  upsertMetrics,
  upsertOpportunities,
  upsertPipelines,
  upsertStructure,
  writeCursor,
} from './sync.upsert.ts';

export type SyncKind = 'incremental' | 'backfill';

export interface SyncRun {
  id: string;
  connectionId: string;
  kind: SyncKind;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  range: { from: string | null; to: string | null };
  progress: { unitsDone: number; unitsTotal: number; percent: number; etaSeconds: number | null };
  rowsUpserted: number;
  callsMade: number;
  errors: Array<{ at: string; kind: string; message: string }>;
  startedAt: string;
  finishedAt: string | null;
}

interface Cursor {
  done: string[];
}

const DAY = 86_400_000;
const CHUNK_DAYS = 7;
export const isoDate = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (date: string, n: number) => isoDate(new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY));

/** Splits [from, to] into chunks of at most CHUNK_DAYS days. */
export function dateChunks(from: string, to: string, size = CHUNK_DAYS): Array<{ from: string; to: string }> {
  const out = [];
  for (let d = from; d <= to; d = addDays(d, size)) {
    const end = addDays(d, size - 1);
    out.push({ from: d, to: end < to ? end : to });
  }
  return out;
}

export function toSyncRun(r: SyncRunsTable, now: Date): SyncRun {
  const percent =
    r.units_total > 0
      ? Math.round((r.units_done / r.units_total) * 1000) / 10
      : r.status === 'succeeded'
        ? 100
        : 0;
  let etaSeconds: number | null = null;
  if (r.status === 'running' && r.units_done > 0 && r.units_total > r.units_done) {
    const elapsed = (now.getTime() - Date.parse(r.started_at)) / 1000;
    etaSeconds = Math.round((elapsed / r.units_done) * (r.units_total - r.units_done));
  }
  return {
    id: r.id,
    connectionId: r.connection_id,
    kind: r.kind as SyncKind,
    status: r.status as SyncRun['status'],
    range: { from: r.range_from, to: r.range_to },
    progress: { unitsDone: r.units_done, unitsTotal: r.units_total, percent, etaSeconds },
    rowsUpserted: r.rows_upserted,
    callsMade: r.calls_made,
    errors: JSON.parse(r.errors),
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

/** Counts vendor calls made through a context (every call goes through fetch). */
function countingContext(ctx: ConnectorContext, counter: { calls: number }): ConnectorContext {
  const counted: typeof fetch = (input, init) => {
    counter.calls++;
    return ctx.fetch(input, init);
  };
  return { ...ctx, fetch: counted };
}

interface Deps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  connections: Connections;
  queue: Queue;
  config: Pick<Config, 'connectors' | 'sync'>;
  /** The plan's limit on connected ad accounts (billing); absent, every account syncs. */
  limits?: Pick<Limits, 'admitAdAccount'>;
  /** Announces finished runs (workflows start on `sync.finished`), inside the completion transaction. */
  events?: DomainEvents;
}

/** The 409 for a sync requested while another run of the connection is queued or running. */
function alreadyPending(run: SyncRun | null) {
  if (!run)
    return new AppError(
      'conflict',
      'A sync of this connection is already queued or running; wait for it to finish',
    );
  const state =
    run.status === 'running'
      ? `running (${run.progress.unitsDone} of ${run.progress.unitsTotal} units, ${run.progress.percent}%)`
      : 'queued';
  return new AppError(
    'conflict',
    `A ${run.kind} sync of this connection is already ${state}: run ${run.id}. Wait for it to finish, then sync again`,
    {
      syncRunId: run.id,
      kind: run.kind,
      status: run.status,
      progress: run.progress,
      range: run.range,
      startedAt: run.startedAt,
    },
  );
}

export function createSync({ storage, audit, clock, connections, queue, config, limits, events }: Deps) {
  /**
   * Creates a run and enqueues its job in the same transaction, unless a run of the connection is
   * already queued or running: then nothing is written and that run is returned as `pending`. The
   * database holds the rule (a partial unique index, migration 014): of two requests at the same
   * instant one inserts and the other finds the first one's run.
   */
  async function tryStart(
    ctx: Ctx,
    connectionId: string,
    opts: { kind: SyncKind; days?: number },
  ): Promise<{ run: SyncRun } | { pending: SyncRun | null }> {
    const conn = await connections.get(ctx, connectionId);
    if (conn.status !== 'active')
      throw new AppError(
        'conflict',
        `Connection is ${conn.status}; ${conn.needsReconnect ? 'reconnect it' : 'it cannot sync'}`,
        { status: conn.status },
      );
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const now = clock.now().toISOString();
      const id = newId('syncRun');
      const days = opts.kind === 'backfill' ? (opts.days ?? config.sync.backfillDays) : null;
      const inserted = await trx
        .insertInto('sync_runs')
        .values({
          id,
          organization_id: ctx.organizationId,
          connection_id: connectionId,
          kind: opts.kind,
          status: 'queued',
          job_id: null,
          range_from: days ? addDays(isoDate(clock.now()), -(days - 1)) : null,
          range_to: null,
          units_total: 0,
          units_done: 0,
          cursor: JSON.stringify({ done: [] }),
          rows_upserted: 0,
          calls_made: 0,
          errors: '[]',
          started_at: now,
          updated_at: now,
          finished_at: null,
        })
        .onConflict((oc) =>
          oc.column('connection_id').where(sql<boolean>`status in ('queued', 'running')`).doNothing(),
        )
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        const pending = await trx
          .selectFrom('sync_runs')
          .selectAll()
          .where('organization_id', '=', ctx.organizationId)
          .where('connection_id', '=', connectionId)
          .where('status', 'in', ['queued', 'running'])
          .executeTakeFirst();
        return { pending: pending ? toSyncRun(pending, clock.now()) : null };
      }
      const job = await queue.enqueue(
        syncConnectionJob,
        { organizationId: ctx.organizationId, syncRunId: id },
        { trx, organizationId: ctx.organizationId, idempotencyKey: `sync:${id}` },
      );
      await trx.updateTable('sync_runs').set({ job_id: job.jobId }).where('id', '=', id).execute();
      await audit.recordFor(trx, ctx, {
        action: 'sync.requested',
        target: { type: 'connection', id: connectionId },
        input: opts,
        metadata: { syncRunId: id },
      });
      const row = await trx
        .selectFrom('sync_runs')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return { run: toSyncRun(row, clock.now()) };
    });
  }

  /**
   * Starts a sync (a person's request): while another run of the connection is queued or running,
   * 409 `conflict` naming that run (details.syncRunId, kind, status, progress).
   */
  async function start(ctx: Ctx, connectionId: string, opts: { kind: SyncKind; days?: number }) {
    const started = await tryStart(ctx, connectionId, opts);
    if ('run' in started) return started.run;
    throw alreadyPending(started.pending);
  }

  /**
   * Starts a sync, or answers the run of the connection already queued or running (`joined`): for
   * callers that want fresh data rather than a run of their own (a workflow's connector_sync step).
   */
  async function startOrJoin(
    ctx: Ctx,
    connectionId: string,
    opts: { kind: SyncKind; days?: number },
  ): Promise<{ run: SyncRun; joined: boolean }> {
    // Twice: the pending run may finish between the refused insert and reading it.
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await tryStart(ctx, connectionId, opts);
      if ('run' in r) return { run: r.run, joined: false };
      if (r.pending) return { run: r.pending, joined: true };
    }
    throw alreadyPending(null);
  }

  /**
   * Starts an incremental sync unless one is already queued or running for the connection: bursts
   * of triggers (webhooks, the hourly fan-out, the demo's catch-up) coalesce into one run. Returns
   * whether a run was started.
   */
  async function startOnce(ctx: Ctx, connectionId: string): Promise<boolean> {
    return 'run' in (await tryStart(ctx, connectionId, { kind: 'incremental' }));
  }

  async function update(organizationId: string, id: string, patch: Partial<SyncRunsTable>) {
    await storage.withTenant(organizationId, (trx) =>
      trx
        .updateTable('sync_runs')
        .set({ ...patch, updated_at: clock.now().toISOString() })
        .where('id', '=', id)
        .where('organization_id', '=', organizationId)
        .execute(),
    );
  }

  async function loadRun(organizationId: string, id: string) {
    const row = await storage.withTenant(organizationId, (trx) =>
      trx
        .selectFrom('sync_runs')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    if (!row) throw notFound('Sync run', id);
    return row;
  }

  /** The job body: runs (or resumes) a sync run to the end. */
  async function execute(
    organizationId: string,
    runId: string,
    job: { signal?: AbortSignal; progress?: (p: unknown) => Promise<void> } = {},
  ) {
    let run = await loadRun(organizationId, runId);
    if (run.status === 'succeeded' || run.status === 'failed') return toSyncRun(run, clock.now());
    const counter = { calls: run.calls_made };
    await update(organizationId, runId, { status: 'running' });
    try {
      const {
        ctx: rawCtx,
        connection,
        definition,
      } = await connections.contextFor(organizationId, run.connection_id, job.signal);
      const ctx = countingContext(rawCtx, counter);
      const baseRef: AccountRef = {
        organizationId,
        connectionId: connection.id,
        clientId: connection.client_id,
        platform: connection.platform,
      };
      const cursor = JSON.parse(run.cursor ?? '{"done":[]}') as Cursor;
      const done = new Set(cursor.done);
      const today = isoDate(clock.now());
      const restatementDays = config.connectors[connection.platform]?.restatementDays ?? 7;
      let rows = run.rows_upserted;
      const errors = JSON.parse(run.errors) as SyncRun['errors'];

      type Unit = { key: string; run: () => Promise<number> };
      const units: Unit[] = [];
      const markDone = async (key: string, n: number) => {
        done.add(key);
        rows += n;
        await update(organizationId, runId, {
          units_done: done.size,
          rows_upserted: rows,
          calls_made: counter.calls,
          cursor: JSON.stringify({ done: [...done] }),
        });
        await job.progress?.({ unitsDone: done.size, unitsTotal: units.length });
      };

      if (definition.ads) {
        const ads = definition.ads;
        const accounts = await ads.listAccounts(ctx);
        for (const account of accounts) {
          const ref: AccountRef = { ...baseRef, platform: account.platform ?? connection.platform };
          const upsert = (trx: Parameters<typeof upsertAccount>[0]) =>
            upsertAccount(trx, ref, account, clock.now().toISOString());
          // A new account the plan has no room for is stored disabled and not synced; the others go on.
          const admission = await storage.withTenant(organizationId, (trx) =>
            limits
              ? limits.admitAdAccount(
                  trx,
                  organizationId,
                  { platform: ref.platform, externalId: account.externalId },
                  () => upsert(trx),
                )
              : upsert(trx).then((accountId) => ({ accountId, syncable: true, error: undefined })),
          );
          if (admission.error)
            errors.push({
              at: clock.now().toISOString(),
              kind: 'plan_limit',
              message: `${account.externalId}: ${admission.error.message}`,
            });
          if (!admission.syncable) continue;
          const accountId = admission.accountId;
          const cursor = await storage.withTenant(organizationId, (trx) =>
            readCursor(trx, organizationId, accountId, 'metrics'),
          );
          const from =
            run.kind === 'backfill'
              ? (run.range_from ?? addDays(today, -(config.sync.backfillDays - 1)))
              : cursor
                ? minDate(addDays(cursor, 1), addDays(today, -restatementDays))
                : addDays(today, -(config.sync.backfillDays - 1));
          units.push({
            key: `${account.externalId}:structure`,
            run: async () => {
              const structure = await ads.fetchStructure(ctx, account.externalId);
              return storage.withTenant(
                organizationId,
                async (trx) =>
                  (await upsertStructure(trx, ref, accountId, structure, clock.now().toISOString())).rows,
              );
            },
          });
          for (const chunk of dateChunks(from, today)) {
            units.push({
              key: `${account.externalId}:${chunk.from}..${chunk.to}`,
              run: async () => {
                const fetched: DailyMetricRecord[] = [];
                for await (const page of ads.fetchDailyMetrics(ctx, account.externalId, chunk))
                  fetched.push(...page);
                return storage.withTenant(organizationId, async (trx) => {
                  const index = await adIndex(trx, organizationId, accountId);
                  const r = await upsertMetrics(
                    trx,
                    ref,
                    { id: accountId, currency: account.currency },
                    index,
                    fetched,
                    clock.now().toISOString(),
                  );
                  if (r.unknownAds)
                    errors.push({
                      at: clock.now().toISOString(),
                      kind: 'invalid',
                      message: `${r.unknownAds} metric rows for ads the platform did not list were skipped (${chunk.from}..${chunk.to})`,
                    });
                  await writeCursor(
                    trx,
                    organizationId,
                    accountId,
                    'metrics',
                    chunk.to,
                    clock.now().toISOString(),
                  );
                  return r.upserted;
                });
              },
            });
          }
        }
      }
      if (definition.crm) {
        const crm = definition.crm;
        units.push({
          key: 'crm:pipelines',
          run: async () => {
            const pipelines = await crm.fetchPipelines(ctx);
            return storage.withTenant(organizationId, (trx) =>
              upsertPipelines(trx, baseRef, pipelines, clock.now().toISOString()),
            );
          },
        });
        // CRM streams are incremental on the platform's updatedAt, with an hour of overlap so that
        // records updated while the last sync ran are read again (upserts make that harmless).
        const crmStream = (stream: 'contacts' | 'opportunities') => ({
          key: `crm:${stream}`,
          run: async () => {
            const since =
              run.kind === 'backfill'
                ? undefined
                : await storage.withTenant(organizationId, (trx) =>
                    readCursor(trx, organizationId, connection.id, stream),
                  );
            const params = since
              ? { updatedSince: new Date(Date.parse(since) - 3_600_000).toISOString() }
              : {};
            let n = 0;
            let latest = since ?? '';
            const pages =
              stream === 'contacts' ? crm.fetchContacts(ctx, params) : crm.fetchOpportunities(ctx, params);
            for await (const page of pages) {
              for (const r of page) if (r.updatedAt > latest) latest = r.updatedAt;
              n += await storage.withTenant(organizationId, (trx) =>
                stream === 'contacts'
                  ? upsertContacts(trx, baseRef, page as ContactRecord[], clock.now().toISOString())
                  : upsertOpportunities(trx, baseRef, page as OpportunityRecord[], clock.now().toISOString()),
              );
            }
            if (latest)
              await storage.withTenant(organizationId, (trx) =>
                writeCursor(trx, organizationId, connection.id, stream, latest, clock.now().toISOString()),
              );
            return n;
          },
        });
        units.push(crmStream('contacts'), crmStream('opportunities'));
      }

      const rangeFrom =
        units
          .map((u) => /:(\d{4}-\d{2}-\d{2})\.\./.exec(u.key)?.[1])
          .filter(Boolean)
          .sort()[0] ?? null;
      await update(organizationId, runId, {
        units_total: units.length,
        units_done: [...done].filter((k) => units.some((u) => u.key === k)).length,
        range_from: rangeFrom,
        range_to: today,
      });
      for (const unit of units) {
        if (done.has(unit.key)) continue;
        if (job.signal?.aborted) throw job.signal.reason ?? new Error('aborted');
        await markDone(unit.key, await unit.run());
      }
      const finished = clock.now().toISOString();
      await update(organizationId, runId, {
        status: 'succeeded',
        finished_at: finished,
        calls_made: counter.calls,
        errors: JSON.stringify(errors),
      });
      await storage.withTenant(organizationId, async (trx) => {
        await trx
          .updateTable('connections')
          .set({ last_sync_at: finished, last_error: null })
          .where('id', '=', connection.id)
          .where('organization_id', '=', organizationId)
          .execute();
        await audit.record(trx, {
          organizationId,
          actor: { type: 'system', id: null },
          action: 'sync.completed',
          target: { type: 'connection', id: connection.id },
          metadata: { syncRunId: runId, rows, calls: counter.calls, units: units.length },
        });
        await events?.emit(trx, organizationId, 'sync.finished', {
          eventId: runId,
          syncRunId: runId,
          connectionId: connection.id,
          platform: connection.platform,
          kind: run.kind,
          rowsUpserted: rows,
        });
      });
      run = await loadRun(organizationId, runId);
      return toSyncRun(run, clock.now());
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const kind = e instanceof ConnectorError ? e.kind : e instanceof AppError ? e.code : 'transient';
      const current = await loadRun(organizationId, runId);
      const errors = [
        ...(JSON.parse(current.errors) as SyncRun['errors']),
        { at: clock.now().toISOString(), kind, message: message.slice(0, 1000) },
      ].slice(-50);
      const permanent =
        (e instanceof ConnectorError && (e.kind === 'auth' || e.kind === 'invalid')) || e instanceof AppError;
      if (e instanceof ConnectorError && e.kind === 'auth')
        await connections.markNeedsReconnect(organizationId, current.connection_id, message);
      await update(organizationId, runId, {
        errors: JSON.stringify(errors),
        calls_made: counter.calls,
        ...(permanent ? { status: 'failed', finished_at: clock.now().toISOString() } : {}),
      });
      if (permanent) {
        await storage.withTenant(organizationId, async (trx) => {
          await trx
            .updateTable('connections')
            .set({ last_error: message.slice(0, 1000) })
            .where('id', '=', current.connection_id)
            .where('organization_id', '=', organizationId)
            .execute();
          await audit.record(trx, {
            organizationId,
            actor: { type: 'system', id: null },
            action: 'sync.failed',
            target: { type: 'connection', id: current.connection_id },
            metadata: { syncRunId: runId, kind, message: message.slice(0, 500) },
          });
        });
        throw new PermanentJobError(message, { cause: e });
      }
      throw e;
    }
  }

  /** Marks a run failed for good once its job has used up its retries. */
  async function giveUp(organizationId: string, runId: string) {
    await update(organizationId, runId, { status: 'failed', finished_at: clock.now().toISOString() });
  }

  const get = async (ctx: Ctx, id: string) => toSyncRun(await loadRun(ctx.organizationId, id), clock.now());

  const list = (ctx: Ctx, connectionId: string, limit = 20) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      const conn = await trx
        .selectFrom('connections')
        .select('id')
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', connectionId)
        .executeTakeFirst();
      if (!conn) throw notFound('Connection', connectionId);
      const rows = await trx
        .selectFrom('sync_runs')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('connection_id', '=', connectionId)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => toSyncRun(r, clock.now()));
    });

  return { start, startOrJoin, startOnce, execute, get, list, giveUp };
}

export type Sync = ReturnType<typeof createSync>;

const minDate = (a: string, b: string) => (a < b ? a : b);
