/**
 * Daily ad-level insights. Short ranges use the synchronous edge (GET /act_{id}/insights); long
 * ranges, and any range Meta refuses synchronously as too heavy, use an async report run
 * (POST /act_{id}/insights → poll /{report_run_id} → GET /{report_run_id}/insights). A run that
 * ends Failed/Skipped is resubmitted once, then the range is halved, down to single days.
 */
import { type ConnectorContext, ConnectorError, type DailyMetricRecord } from '../connector.port.ts';
import { classifyGraphError, graph, graphPage, isTooMuchData, type Scope } from './client.ts';
import { type GraphObject, toDailyMetric } from './mapping.ts';

export const INSIGHTS_FIELDS = [
  'ad_id',
  'adset_id',
  'campaign_id',
  'impressions',
  'clicks',
  'spend',
  'reach',
  'frequency',
  'actions',
  'action_values',
  'video_play_actions',
].join(',');

export interface InsightsOptions {
  /** Ranges longer than this many days go straight to an async report run. */
  syncMaxDays: number;
  /** Polling of async runs: first wait, cap per wait, and total waiting before giving up. */
  pollFirstMs: number;
  pollMaxMs: number;
  pollTotalMs: number;
  /** Submissions of one range before it is split (Job Failed / Job Skipped). */
  submitAttempts: number;
}

export const defaultInsightsOptions: InsightsOptions = {
  syncMaxDays: 31,
  pollFirstMs: 2_000,
  pollMaxMs: 30_000,
  pollTotalMs: 60 * 60_000,
  submitAttempts: 2,
};

type Range = { from: string; to: string };
const DAY = 86_400_000;
const dayNumber = (d: string) => Date.parse(`${d}T00:00:00Z`) / DAY;
const dayString = (n: number) => new Date(n * DAY).toISOString().slice(0, 10);
const daysIn = (r: Range) => dayNumber(r.to) - dayNumber(r.from) + 1;

const sleepFor = (ctx: ConnectorContext) =>
  ctx.sleep ??
  ((ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, ms);
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          reject(signal.reason);
        },
        { once: true },
      );
    }));

function queryFor(range: Range): Record<string, string> {
  return {
    level: 'ad',
    time_increment: '1',
    time_range: JSON.stringify({ since: range.from, until: range.to }),
    fields: INSIGHTS_FIELDS,
    // Each ad set's own attribution setting, so conversions match Ads Manager.
    use_unified_attribution_setting: 'true',
  };
}

export async function* readDailyMetrics(
  ctx: ConnectorContext,
  scope: Scope,
  accountId: string,
  range: Range,
  limit: number,
  opts: InsightsOptions,
): AsyncGenerator<DailyMetricRecord[]> {
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(range.from) ||
    !/^\d{4}-\d{2}-\d{2}$/.test(range.to) ||
    range.from > range.to
  )
    throw new ConnectorError('invalid', `Bad date range ${range.from}..${range.to}`);
  // Dedupe on (ad, day): a sync read that fails half-way falls back to a run covering the same rows.
  const seen = new Set<string>();
  const fresh = (rows: GraphObject[]) =>
    rows.map(toDailyMetric).filter((r) => {
      const key = `${r.adExternalId}|${r.date}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  if (daysIn(range) <= opts.syncMaxDays) {
    try {
      let after: string | null = null;
      do {
        const page = await graphPage(
          ctx,
          scope,
          { path: `act_${accountId}/insights`, params: { ...queryFor(range), limit } },
          after,
        );
        const rows = fresh(page.data);
        if (rows.length) yield rows;
        after = page.after;
      } while (after);
      return;
    } catch (e) {
      if (!isTooMuchData(e)) throw e;
    }
  }
  for await (const page of readAsync(ctx, scope, accountId, range, limit, opts)) {
    const rows = fresh(page);
    if (rows.length) yield rows;
  }
}

async function* readAsync(
  ctx: ConnectorContext,
  scope: Scope,
  accountId: string,
  range: Range,
  limit: number,
  opts: InsightsOptions,
): AsyncGenerator<GraphObject[]> {
  let lastError: ConnectorError | undefined;
  for (let attempt = 1; attempt <= opts.submitAttempts; attempt++) {
    const runId = await runReport(ctx, scope, accountId, range, opts).catch((e: unknown) => {
      if (e instanceof ConnectorError && e.kind === 'transient' && e.vendorCode === 'report_run_failed') {
        lastError = e;
        return null;
      }
      throw e;
    });
    if (runId === null) continue;
    let after: string | null = null;
    do {
      const page = await graphPage(ctx, scope, { path: `${runId}/insights`, params: { limit } }, after);
      if (page.data.length) yield page.data;
      after = page.after;
    } while (after);
    return;
  }
  if (daysIn(range) <= 1) throw lastError ?? new ConnectorError('transient', 'Meta report run failed');
  // Meta's advice for runs that keep failing: ask for less. Halve the range and try each half.
  const mid = dayString(dayNumber(range.from) + Math.floor(daysIn(range) / 2) - 1);
  yield* readAsync(ctx, scope, accountId, { from: range.from, to: mid }, limit, opts);
  const next = dayString(dayNumber(mid) + 1);
  yield* readAsync(ctx, scope, accountId, { from: next, to: range.to }, limit, opts);
}

/** Submits a report run and polls it to completion; returns its id. */
async function runReport(
  ctx: ConnectorContext,
  scope: Scope,
  accountId: string,
  range: Range,
  opts: InsightsOptions,
): Promise<string> {
  const submitted = await graph(ctx, scope, {
    method: 'POST',
    path: `act_${accountId}/insights`,
    params: queryFor(range),
  });
  const runId = typeof submitted.report_run_id === 'string' ? submitted.report_run_id : null;
  if (!runId || !/^\d+$/.test(runId))
    throw new ConnectorError('transient', 'Meta accepted an insights job without a report_run_id');
  const sleep = sleepFor(ctx);
  let waited = 0;
  let wait = opts.pollFirstMs;
  for (;;) {
    const run = await graph(ctx, scope, { path: runId });
    const status = run.async_status;
    if (status === 'Job Completed' && Number(run.async_percent_completion) === 100) return runId;
    if (status === 'Job Failed' || status === 'Job Skipped') {
      // v25+ explains failures; a token or permission problem is not worth resubmitting.
      if (run.error_code !== undefined) {
        const err = classifyGraphError(
          { code: run.error_code, error_subcode: run.error_subcode, message: run.error_message },
          {},
          scope.fallbackWaitMs,
        );
        if (err.kind === 'auth' || err.kind === 'rate_limited') throw err;
      }
      throw new ConnectorError('transient', `Meta report run ${runId} ended "${status}"`, {
        vendorCode: 'report_run_failed',
      });
    }
    if (waited >= opts.pollTotalMs)
      throw new ConnectorError(
        'transient',
        `Meta report run ${runId} still "${String(status)}" after polling`,
      );
    await sleep(wait, ctx.signal);
    waited += wait;
    wait = Math.min(wait * 2, opts.pollMaxMs);
  }
}
