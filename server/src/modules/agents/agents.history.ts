/** An agent's run history (cursor pages, newest first) and its metrics over the last 30 days. */
import type { Clock } from '../../platform/clock.ts';
import { decodeCursor, type Page, toPage } from '../../platform/pagination.ts';
import type { Storage } from '../../storage/db.ts';
import type { Ctx } from '../auth/context.ts';
import { type Execution, type ExecutionStatus, metricsByDay, toExecution } from './agents.executions.repo.ts';
import type { AgentRuntime } from './agents.runtime.ts';

export interface AgentMetrics {
  agentId: string;
  from: string;
  to: string;
  runs: number;
  succeeded: number;
  failed: number;
  budgetExhausted: number;
  cancelled: number;
  /** Succeeded over finished runs (null before the first finished run). */
  successRate: number | null;
  averageDurationMs: number | null;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  perDay: Array<{
    day: string;
    runs: number;
    succeeded: number;
    failed: number;
    budgetExhausted: number;
    cancelled: number;
    averageDurationMs: number | null;
    inputTokens: number;
    outputTokens: number;
    costMicros: number;
  }>;
}

const DAYS = 30;
const emptyDay = {
  runs: 0,
  succeeded: 0,
  failed: 0,
  budgetExhausted: 0,
  cancelled: 0,
  totalDurationMs: 0,
  finished: 0,
  inputTokens: 0,
  outputTokens: 0,
  costMicros: 0,
};

export function createAgentHistory({
  storage,
  clock,
  runtime,
}: {
  storage: Storage;
  clock: Clock;
  runtime: AgentRuntime;
}) {
  async function list(
    ctx: Ctx,
    agentIdOrKind: string,
    f: { status?: ExecutionStatus; cursor?: string; limit: number },
  ): Promise<Page<Execution>> {
    const agent = await runtime.resolveAgent(ctx, agentIdOrKind);
    const cursor = decodeCursor(f.cursor, 'id');
    return storage.withTenant(ctx.organizationId, async (trx) => {
      let q = trx
        .selectFrom('agent_executions')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('agent_id', '=', agent.id);
      if (f.status) q = q.where('status', '=', f.status);
      if (cursor) q = q.where('id', '<', cursor);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(f.limit + 1)
        .execute();
      return toPage(rows.map(toExecution), f.limit, (e) => e.id);
    });
  }

  async function metrics(ctx: Ctx, agentIdOrKind: string): Promise<AgentMetrics> {
    const agent = await runtime.resolveAgent(ctx, agentIdOrKind);
    const now = clock.now();
    const to = now.toISOString().slice(0, 10);
    const from = new Date(Date.parse(`${to}T00:00:00.000Z`) - (DAYS - 1) * 86_400_000).toISOString();
    const days = await storage.withTenant(ctx.organizationId, (trx) =>
      metricsByDay(trx, ctx.organizationId, agent.id, from),
    );
    const byDay = new Map(days.map((x) => [x.day, x]));
    const sum = (k: keyof (typeof days)[number]) => days.reduce((s, d) => s + Number(d[k]), 0);
    const finished = sum('finished');
    const ended = sum('succeeded') + sum('failed') + sum('budgetExhausted') + sum('cancelled');
    return {
      agentId: agent.id,
      from: from.slice(0, 10),
      to,
      runs: sum('runs'),
      succeeded: sum('succeeded'),
      failed: sum('failed'),
      budgetExhausted: sum('budgetExhausted'),
      cancelled: sum('cancelled'),
      successRate: ended ? sum('succeeded') / ended : null,
      averageDurationMs: finished ? Math.round(sum('totalDurationMs') / finished) : null,
      inputTokens: sum('inputTokens'),
      outputTokens: sum('outputTokens'),
      costMicros: sum('costMicros'),
      // Every day of the window, oldest first, days without runs as zeros (a chart needs no gaps).
      perDay: Array.from({ length: DAYS }, (_, i) => {
        const day = new Date(Date.parse(from) + i * 86_400_000).toISOString().slice(0, 10);
        return byDay.get(day) ?? { ...emptyDay, day };
      }).map((x) => ({
        day: x.day,
        runs: x.runs,
        succeeded: x.succeeded,
        failed: x.failed,
        budgetExhausted: x.budgetExhausted,
        cancelled: x.cancelled,
        averageDurationMs: x.finished ? Math.round(x.totalDurationMs / x.finished) : null,
        inputTokens: x.inputTokens,
        outputTokens: x.outputTokens,
        costMicros: x.costMicros,
      })),
    };
  }

  return { list, metrics };
}

export type AgentHistory = ReturnType<typeof createAgentHistory>;
