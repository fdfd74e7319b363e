/**
 * Settles `proposed` runs: a run whose steps all ran, but whose `proposal` / `ghl_action` steps made
 * proposals that wait for approval, has not succeeded (nothing of those changes happened). Every
 * minute (`workflows.cron`) each such run's proposals are read through the proposals service; a
 * step whose proposal was decided becomes `succeeded` (applied) or `failed` (rejected, expired,
 * failed, outcome unknown), its output updated to the proposal's status; once none waits, the run
 * is `succeeded`, or `failed` when one of them failed. Proposals are decided in their own module
 * (Approvals, the reconciler, expiry) and announce nothing: reading them here keeps that module
 * unaware of workflows, and covers every way a proposal ends, expiry included.
 */
import type { Clock } from '../../platform/clock.ts';
import { isAppError } from '../../platform/errors.ts';
import type { Storage } from '../../storage/db.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Proposal, Proposals } from '../proposals/index.ts';
import { type Engine, workflowCtx } from './workflows.engine.ts';
import { proposalOutput } from './workflows.steps.ts';

export interface SettleDeps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  engine: Engine;
  proposals: Pick<Proposals, 'get'>;
}

/** Still waiting: not decided yet, or approved and being applied (the reconciler settles a lost apply). */
const waiting = (s: string) => s === 'pending_approval' || s === 'approved';
/** The change happened (a revert later does not undo that the run did what it proposed). */
const happened = (s: string) => s === 'applied' || s === 'reverted';

function whyNot(p: Proposal): string {
  if (p.status === 'rejected')
    return `Proposal ${p.id} was rejected${p.decisionComment ? `: ${p.decisionComment}` : ''}`;
  if (p.status === 'expired') return `Proposal ${p.id} expired before anyone approved it`;
  if (p.status === 'unknown')
    return `Proposal ${p.id}: whether the platform took the change is not known; check it there`;
  return `Proposal ${p.id} ${p.status}${p.error ? `: ${p.error}` : ''}`;
}

export function createSettler({ storage, audit, clock, engine, proposals }: SettleDeps) {
  /** One run: true when it changed (a step or the run settled). */
  async function settleExecution(organizationId: string, executionId: string): Promise<boolean> {
    const org = organizationId;
    const read = await storage.withTenant(org, async (trx) => {
      const exec = await trx
        .selectFrom('workflow_executions')
        .select(['workflow_id', 'status'])
        .where('organization_id', '=', org)
        .where('id', '=', executionId)
        .executeTakeFirst();
      if (exec?.status !== 'proposed') return undefined;
      const steps = await trx
        .selectFrom('workflow_step_runs')
        .select(['id', 'step_id', 'output'])
        .where('organization_id', '=', org)
        .where('execution_id', '=', executionId)
        .where('status', '=', 'proposed')
        .execute();
      return { workflowId: exec.workflow_id, steps };
    });
    if (!read) return false;
    const ctx = workflowCtx(org, read.workflowId);
    // Read outside the transition's transaction (the service opens its own).
    const decided: Array<{
      runId: string;
      stepId: string;
      output: Record<string, unknown>;
      p: Proposal | null;
    }> = [];
    for (const s of read.steps) {
      const output = JSON.parse(s.output ?? '{}') as Record<string, unknown>;
      const p = await proposals.get(ctx, String(output.proposalId)).catch((e: unknown) => {
        if (isAppError(e) && e.code === 'not_found') return null;
        throw e;
      });
      if (p && waiting(p.status)) continue;
      decided.push({ runId: s.id, stepId: s.step_id, output, p });
    }
    if (decided.length === 0) return false;

    return storage.withTenant(org, async (trx) => {
      await engine.lockExecution(trx, org, executionId);
      const exec = await trx
        .selectFrom('workflow_executions')
        .selectAll()
        .where('organization_id', '=', org)
        .where('id', '=', executionId)
        .executeTakeFirst();
      if (exec?.status !== 'proposed') return false;
      const now = clock.now().toISOString();
      const later: Array<Parameters<Audit['recordFor']>[2]> = [];
      for (const d of decided) {
        const ok = d.p !== null && happened(d.p.status);
        const error = ok
          ? null
          : d.p
            ? whyNot(d.p)
            : `Proposal ${String(d.output.proposalId)} no longer exists`;
        const res = await trx
          .updateTable('workflow_step_runs')
          .set({
            status: ok ? 'succeeded' : 'failed',
            // What became of the proposal, as the step would have output had it been decided at once.
            output: JSON.stringify(
              d.p
                ? { ...proposalOutput(d.p, Boolean(d.output.replayed)), settledAt: now }
                : { ...d.output, settledAt: now },
            ),
            error,
            decided_by: d.p?.decidedBy ?? null,
            finished_at: now,
            updated_at: now,
          })
          .where('organization_id', '=', org)
          .where('id', '=', d.runId)
          .where('status', '=', 'proposed')
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) continue;
        later.push({
          action: ok ? 'workflows.step_succeeded' : 'workflows.step_failed',
          target: { type: 'workflow_execution', id: executionId },
          metadata: {
            stepId: d.stepId,
            proposalId: d.output.proposalId ?? null,
            proposalStatus: d.p?.status ?? null,
            ...(error ? { error } : {}),
          },
        });
      }
      const rest = await trx
        .selectFrom('workflow_step_runs')
        .select(['step_id', 'status', 'error'])
        .where('organization_id', '=', org)
        .where('execution_id', '=', executionId)
        .execute();
      // The run ends once none of its proposals waits: failed if one of them did not happen.
      if (!rest.some((r) => r.status === 'proposed')) {
        const failed = rest.find((r) => r.status === 'failed');
        await engine.finish(
          trx,
          exec,
          failed ? 'failed' : 'succeeded',
          failed ? `Step ${failed.step_id} failed: ${failed.error ?? ''}` : null,
          ctx,
          later,
        );
      }
      for (const entry of later) await audit.recordFor(trx, ctx, entry);
      return later.length > 0;
    });
  }

  /** Every organization's `proposed` runs (the `workflows.cron` tick). */
  async function settleProposed(): Promise<{ settled: number }> {
    const runs = await storage.db
      .selectFrom('workflow_executions')
      .select(['organization_id', 'id'])
      .where('status', '=', 'proposed')
      .orderBy('created_at')
      .execute();
    let settled = 0;
    for (const r of runs) if (await settleExecution(r.organization_id, r.id)) settled++;
    return { settled };
  }

  return { settleExecution, settleProposed };
}
