/**
 * Reading and stopping runs: one execution with its steps, cancel (a queued run at once; a running
 * one through its session here, or at its next step in another process), and closing a run that
 * never started.
 */
import type { Clock } from '../../platform/clock.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import type { Storage } from '../../storage/db.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import {
  type Execution,
  findExecution,
  listSteps,
  type RunError,
  toExecution,
} from './agents.executions.repo.ts';
import type { ExecutionDetail } from './agents.runtime.ts';
import type { Session } from './agents.session.ts';

export function createRunControl({
  storage,
  audit,
  clock,
  live,
}: {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  /** Sessions running in this process. */
  live: Map<string, Session>;
}) {
  /** Ends a not-yet-running execution (cancel of a queued run, a run that cannot start). */
  async function finishWith(ctx: Ctx, execution: Execution, status: Execution['status'], error: RunError) {
    const now = clock.now().toISOString();
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const updated = await trx
        .updateTable('agent_executions')
        .set({ status, error: JSON.stringify(error), finished_at: now, updated_at: now })
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', execution.id)
        .where('status', 'in', ['queued', 'running'])
        .returningAll()
        .executeTakeFirst();
      if (!updated) throw conflict(`Execution ${execution.id} has already finished`);
      await audit.recordFor(trx, ctx, {
        action: 'agents.run_finished',
        target: { type: 'agent_execution', id: execution.id },
        metadata: { kind: execution.kind, engine: execution.engine, status, error: error.code, steps: 0 },
      });
      return toExecution(updated);
    });
  }

  async function get(ctx: Ctx, executionId: string): Promise<ExecutionDetail> {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await findExecution(trx, ctx.organizationId, executionId);
      if (!row) throw notFound('Execution', executionId);
      return { ...toExecution(row), steps: await listSteps(trx, ctx.organizationId, executionId) };
    });
  }

  async function cancel(ctx: Ctx, executionId: string): Promise<Execution> {
    const row = await storage.withTenant(ctx.organizationId, (trx) =>
      findExecution(trx, ctx.organizationId, executionId),
    );
    if (!row) throw notFound('Execution', executionId);
    const execution = toExecution(row);
    if (row.status === 'queued')
      return finishWith(ctx, execution, 'cancelled', {
        code: 'cancelled',
        message: 'Cancelled before it started',
      });
    if (row.status !== 'running')
      throw conflict(`Execution ${executionId} has already finished`, { status: row.status });
    const now = clock.now().toISOString();
    const updated = await storage.withTenant(ctx.organizationId, async (trx) => {
      const r = await trx
        .updateTable('agent_executions')
        .set({ cancel_requested_at: now, updated_at: now })
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', executionId)
        .where('status', '=', 'running')
        .returningAll()
        .executeTakeFirst();
      if (!r) throw conflict(`Execution ${executionId} has already finished`);
      await audit.recordFor(trx, ctx, {
        action: 'agents.run_cancel_requested',
        target: { type: 'agent_execution', id: executionId },
      });
      return r;
    });
    // In this process the run stops now; in another one, at its next step.
    live.get(executionId)?.cancel();
    return toExecution(updated);
  }

  return { finishWith, get, cancel };
}
