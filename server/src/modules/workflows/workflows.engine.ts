/**
 * The execution engine. State lives in `workflow_executions` and `workflow_step_runs`; every
 * transition is committed together with the jobs it makes runnable (queue.enqueue with `trx`), so
 * a process killed at any point leaves rows from which the next worker carries on:
 *
 * - `advance` (inside a transaction): skips the steps behind a false condition or a skipped step
 *   (unless the step lists that dependency in `ifSkipped`), queues every pending step whose
 *   dependencies settled (independent branches run concurrently), and finishes the execution when
 *   every step is done. What it decides depends only on the rows and the (immutable) version, so a
 *   transition repeated after a crash decides the same;
 * - `runStep` (the `workflows.step` job): claims the step run for its attempt, resolves its input
 *   mapping (a skipped dependency named in `ifSkipped` reads as its stand-in output), runs it with
 *   its timeout, and commits the outcome (output, retry, wait, poll, failure) with the next jobs.
 *   A job delivered again after a crash finds its step still `running` for the same attempt and
 *   runs it again: step side effects are idempotent (`wf:<execution>:<step>` keys).
 */
import type { Clock } from '../../platform/clock.ts';
import { newId } from '../../platform/ids.ts';
import type { Queue } from '../../queue/index.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { WorkflowExecutionsTable, WorkflowStepRunsTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import type { StepDefinition, WorkflowDefinition } from './workflows.definition.ts';
import { workflowStepJob } from './workflows.jobs.ts';
import { settledStep, terminalExecution, terminalStep } from './workflows.model.ts';
import { type StepType, stepParams } from './workflows.step-types.ts';
import { type createStepExecutors, StepFailure } from './workflows.steps.ts';
import { resolveTemplates } from './workflows.template.ts';

export interface EngineDeps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  queue: Queue;
  execute: ReturnType<typeof createStepExecutors>;
}

/** The context steps run in: the system, acting for the workflow (audits name the workflow). */
export const workflowCtx = (organizationId: string, workflowId: string): Ctx => ({
  organizationId,
  actor: { type: 'system', id: workflowId },
  userId: null,
  role: 'owner',
});

const json = (v: unknown) => JSON.stringify(v ?? null);

/**
 * Audit entries of a transition, written at its end: an entry takes the organization's audit-chain
 * lock until commit, so writing it last keeps that lock (which every change of the organization
 * waits for) short. The entries stay in the transaction of the change, in order.
 */
type Later = Array<Parameters<Audit['recordFor']>[2]>;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 2000);

export function createEngine({ storage, audit, clock, queue, execute }: EngineDeps) {
  // Versions never change once written: cache them by workflow and version.
  const definitions = new Map<string, WorkflowDefinition>();

  async function definitionOf(trx: Executor, org: string, workflowId: string, version: number) {
    const key = `${workflowId}:${version}`;
    const cached = definitions.get(key);
    if (cached) return cached;
    const row = await trx
      .selectFrom('workflow_versions')
      .select('definition')
      .where('organization_id', '=', org)
      .where('workflow_id', '=', workflowId)
      .where('version', '=', version)
      .executeTakeFirstOrThrow();
    const def = JSON.parse(row.definition) as WorkflowDefinition;
    definitions.set(key, def);
    return def;
  }

  const enqueueStep = (
    trx: Executor,
    org: string,
    executionId: string,
    stepId: string,
    attempt: number,
    opts: { delayMs?: number; poll?: number } = {},
  ) =>
    queue.enqueue(
      workflowStepJob,
      { organizationId: org, executionId, stepId, attempt, poll: opts.poll ?? 0 },
      {
        trx,
        organizationId: org,
        idempotencyKey: `wf:${executionId}:${stepId}:${attempt}${opts.poll ? `:poll:${opts.poll}` : ''}`,
        ...(opts.delayMs ? { delayMs: opts.delayMs } : {}),
      },
    );

  async function setExecution(
    trx: Executor,
    org: string,
    id: string,
    patch: Partial<WorkflowExecutionsTable>,
  ) {
    await trx
      .updateTable('workflow_executions')
      .set({ ...patch, updated_at: clock.now().toISOString() })
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .execute();
  }

  /**
   * Takes the execution's row lock until commit (an UPDATE: portable, and FOR UPDATE on PostgreSQL
   * in effect). Transitions of one execution must not interleave: two parallel steps finishing at
   * once would each read the other as still running, and neither would finish the execution.
   */
  async function lockExecution(trx: Executor, org: string, id: string) {
    await trx
      .updateTable('workflow_executions')
      .set({ updated_at: clock.now().toISOString() })
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .execute();
  }

  async function writeAudits(trx: Executor, ctx: Ctx, later: Later) {
    for (const entry of later) await audit.recordFor(trx, ctx, entry);
  }

  async function setStep(trx: Executor, org: string, id: string, patch: Partial<WorkflowStepRunsTable>) {
    await trx
      .updateTable('workflow_step_runs')
      .set({ ...patch, updated_at: clock.now().toISOString() })
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .execute();
  }

  /**
   * Ends an execution and cancels its steps that have not started; `proposed`: its steps ran, and
   * what they proposed waits for approval (`workflows.settle.ts` ends it when that is decided).
   */
  async function finish(
    trx: Executor,
    exec: WorkflowExecutionsTable,
    status: 'succeeded' | 'failed' | 'cancelled' | 'proposed',
    error: string | null,
    ctx: Ctx,
    later?: Later,
  ) {
    const now = clock.now().toISOString();
    await setExecution(trx, exec.organization_id, exec.id, { status, error, finished_at: now });
    await trx
      .updateTable('workflow_step_runs')
      .set({ status: 'cancelled', finished_at: now, updated_at: now })
      .where('organization_id', '=', exec.organization_id)
      .where('execution_id', '=', exec.id)
      .where('status', 'in', ['pending', 'queued', 'polling', 'waiting_approval'])
      .execute();
    const entry = {
      action: `workflows.execution_${status}`,
      target: { type: 'workflow_execution', id: exec.id },
      metadata: { workflowId: exec.workflow_id, version: exec.version, error },
    };
    if (later) later.push(entry);
    else await audit.recordFor(trx, ctx, entry);
  }

  /** Queues what became runnable, skips what a condition turned off, finishes a completed execution. */
  async function advance(trx: Executor, org: string, executionId: string, later?: Later) {
    const exec = await trx
      .selectFrom('workflow_executions')
      .selectAll()
      .where('organization_id', '=', org)
      .where('id', '=', executionId)
      .executeTakeFirst();
    if (!exec || terminalExecution.includes(exec.status)) return;
    const def = await definitionOf(trx, org, exec.workflow_id, exec.version);
    const rows = await trx
      .selectFrom('workflow_step_runs')
      .selectAll()
      .where('organization_id', '=', org)
      .where('execution_id', '=', executionId)
      .execute();
    const runs = new Map(rows.map((r) => [r.step_id, r]));
    const ctx = workflowCtx(org, exec.workflow_id);
    const failed = rows.find((r) => r.status === 'failed');
    if (failed)
      return finish(trx, exec, 'failed', `Step ${failed.step_id} failed: ${failed.error ?? ''}`, ctx, later);

    const now = clock.now().toISOString();
    // Definition order is a valid order to settle skips in one pass only if parents come first;
    // loop until nothing changes instead of relying on it.
    for (let changed = true; changed; ) {
      changed = false;
      for (const step of def.steps) {
        const run = runs.get(step.id);
        if (run?.status !== 'pending') continue;
        const deps = step.dependsOn.map((d) => runs.get(d) as WorkflowStepRunsTable);
        if (!deps.every((d) => settledStep.includes(d.status))) continue;
        // A dependency skipped (or a false condition) skips this step, unless the step waits for it
        // in `ifSkipped`: it then runs once every dependency settled. A failed one never gets here
        // (the execution failed above).
        const mayBeOff = step.ifSkipped ?? {};
        const off = deps.some(
          (d) =>
            !Object.hasOwn(mayBeOff, d.step_id) &&
            (d.status === 'skipped' ||
              (d.type === 'condition' &&
                (JSON.parse(d.output ?? '{}') as { result?: boolean }).result === false)),
        );
        if (off) {
          await setStep(trx, org, run.id, { status: 'skipped', finished_at: now });
          runs.set(step.id, { ...run, status: 'skipped' });
        } else {
          await setStep(trx, org, run.id, { status: 'queued' });
          runs.set(step.id, { ...run, status: 'queued' });
          await enqueueStep(trx, org, executionId, step.id, 1);
        }
        changed = true;
      }
    }
    const all = [...runs.values()];
    // Done; but a change a step proposed that waits for approval has not happened: not a success yet.
    if (all.every((r) => terminalStep.includes(r.status)))
      return finish(
        trx,
        exec,
        all.some((r) => r.status === 'proposed') ? 'proposed' : 'succeeded',
        null,
        ctx,
        later,
      );
    const status = all.some((r) => r.status === 'waiting_approval') ? 'waiting_approval' : 'running';
    if (status !== exec.status) await setExecution(trx, org, executionId, { status });
  }

  /** Creates an execution and its step rows and queues its first steps, in the caller's transaction. */
  async function createExecution(
    trx: Executor,
    ctx: Ctx,
    wf: { id: string; version: number },
    trigger: { type: string; payload: unknown; idempotencyKey?: string },
  ): Promise<{ id: string; created: boolean }> {
    const org = ctx.organizationId;
    if (trigger.idempotencyKey) {
      const existing = await trx
        .selectFrom('workflow_executions')
        .select('id')
        .where('organization_id', '=', org)
        .where('idempotency_key', '=', trigger.idempotencyKey)
        .executeTakeFirst();
      if (existing) return { id: existing.id, created: false };
    }
    const def = await definitionOf(trx, org, wf.id, wf.version);
    const id = newId('workflowExecution');
    const now = clock.now().toISOString();
    await trx
      .insertInto('workflow_executions')
      .values({
        id,
        organization_id: org,
        workflow_id: wf.id,
        version: wf.version,
        status: 'running',
        trigger_type: trigger.type,
        trigger: json(trigger.payload),
        idempotency_key: trigger.idempotencyKey ?? null,
        error: null,
        created_by: ctx.userId,
        created_at: now,
        started_at: now,
        finished_at: null,
        updated_at: now,
      })
      .execute();
    await trx
      .insertInto('workflow_step_runs')
      .values(
        def.steps.map((s) => ({
          id: newId('workflowStepRun'),
          organization_id: org,
          execution_id: id,
          step_id: s.id,
          type: s.type,
          status: 'pending',
          attempts: 0,
          input: null,
          output: null,
          state: null,
          error: null,
          decided_by: null,
          started_at: null,
          finished_at: null,
          updated_at: now,
        })),
      )
      .execute();
    const later: Later = [
      {
        action: 'workflows.execution_started',
        target: { type: 'workflow_execution', id },
        input: trigger.payload,
        metadata: { workflowId: wf.id, version: wf.version, trigger: trigger.type },
      },
    ];
    await advance(trx, org, id, later);
    await writeAudits(trx, ctx, later);
    return { id, created: true };
  }

  /** Claims the step run for this job's attempt; undefined when the job is stale or the execution ended. */
  async function claim(p: StepJob) {
    return storage.withTenant(p.organizationId, async (trx) => {
      const exec = await trx
        .selectFrom('workflow_executions')
        .selectAll()
        .where('organization_id', '=', p.organizationId)
        .where('id', '=', p.executionId)
        .executeTakeFirst();
      if (!exec || terminalExecution.includes(exec.status)) return undefined;
      const run = await trx
        .selectFrom('workflow_step_runs')
        .selectAll()
        .where('organization_id', '=', p.organizationId)
        .where('execution_id', '=', p.executionId)
        .where('step_id', '=', p.stepId)
        .executeTakeFirst();
      if (!run) return undefined;
      const fresh = run.status === 'queued' && run.attempts === p.attempt - 1;
      // A job delivered again after its worker died: same attempt, still running (or polling).
      const resumed = (run.status === 'running' || run.status === 'polling') && run.attempts === p.attempt;
      if (!fresh && !resumed) return undefined;
      if (fresh) {
        const now = clock.now().toISOString();
        await setStep(trx, p.organizationId, run.id, {
          status: 'running',
          attempts: p.attempt,
          started_at: run.started_at ?? now,
          error: null,
        });
      }
      const def = await definitionOf(trx, p.organizationId, exec.workflow_id, exec.version);
      const outputs = await trx
        .selectFrom('workflow_step_runs')
        .select(['step_id', 'status', 'output'])
        .where('organization_id', '=', p.organizationId)
        .where('execution_id', '=', p.executionId)
        .execute();
      return { exec, run, def, outputs };
    });
  }

  /** Commits an outcome if the step run is still this attempt's (a newer attempt or a cancel wins). */
  async function commit(
    p: StepJob,
    runId: string,
    fn: (trx: Executor, exec: WorkflowExecutionsTable) => Promise<void>,
  ): Promise<boolean> {
    return storage.withTenant(p.organizationId, async (trx) => {
      await lockExecution(trx, p.organizationId, p.executionId);
      const run = await trx
        .selectFrom('workflow_step_runs')
        .select(['status', 'attempts'])
        .where('organization_id', '=', p.organizationId)
        .where('id', '=', runId)
        .executeTakeFirst();
      if (!run || !['running', 'polling'].includes(run.status) || run.attempts !== p.attempt) return false;
      const exec = await trx
        .selectFrom('workflow_executions')
        .selectAll()
        .where('organization_id', '=', p.organizationId)
        .where('id', '=', p.executionId)
        .executeTakeFirstOrThrow();
      await fn(trx, exec);
      return true;
    });
  }

  async function runStep(p: StepJob, jobSignal: AbortSignal) {
    const claimed = await claim(p);
    if (!claimed) return { skipped: true };
    const { exec, run, def, outputs } = claimed;
    const org = p.organizationId;
    const step = def.steps.find((s) => s.id === p.stepId) as StepDefinition;
    const ctx = workflowCtx(org, exec.workflow_id);
    // A skipped dependency the step waits for in `ifSkipped` reads as the stand-in output given
    // there (from the immutable version: the same input on every attempt and after a crash).
    const standIns = step.ifSkipped ?? {};
    const outputOf = (o: (typeof outputs)[number]) =>
      o.status === 'skipped' && Object.hasOwn(standIns, o.step_id)
        ? standIns[o.step_id]
        : o.output
          ? JSON.parse(o.output)
          : null;
    const scope = {
      trigger: JSON.parse(exec.trigger),
      execution: { id: exec.id },
      steps: Object.fromEntries(outputs.map((o) => [o.step_id, { status: o.status, output: outputOf(o) }])),
    };
    const config = resolveTemplates(step.config, scope) as Record<string, unknown>;
    const input = resolveTemplates(step.input, scope) as Record<string, unknown>;
    const type = step.type as StepType;
    const merged = type === 'agent_run' ? config : { ...config, ...input };
    const signal = AbortSignal.any([jobSignal, AbortSignal.timeout(step.timeoutMs)]);

    let outcome: Awaited<ReturnType<typeof execute>> | undefined;
    let failure: { message: string; permanent: boolean } | undefined;
    const parsed = stepParams[type].safeParse(merged);
    if (!parsed.success) {
      failure = {
        message: `Invalid parameters: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        permanent: true,
      };
    } else {
      try {
        const state = run.state ? JSON.parse(run.state) : null;
        outcome = await Promise.race([
          execute(
            type,
            parsed.data,
            { ctx, workflowId: exec.workflow_id, executionId: exec.id, stepId: step.id, signal, state },
            input,
          ),
          new Promise<never>((_, reject) =>
            signal.addEventListener(
              'abort',
              () =>
                reject(
                  new Error(
                    jobSignal.aborted ? 'The job was interrupted' : `Timed out after ${step.timeoutMs} ms`,
                  ),
                ),
              { once: true },
            ),
          ),
        ]);
      } catch (e) {
        // An interrupted job (shutdown, lost lease) is the queue's to run again, not a step failure.
        if (jobSignal.aborted) throw e;
        // An agent run is never run again by the step: each run acts under its own id (its
        // proposals are keyed by it), so a second run after a timeout would propose everything again.
        // The agent's own limits bound what one run may spend.
        failure = {
          message: message(e),
          permanent: (e instanceof StepFailure && e.permanent) || type === 'agent_run',
        };
      }
    }

    const now = clock.now().toISOString();
    const recordedInput = json(merged);
    await commit(p, run.id, async (trx, current) => {
      const ended = terminalExecution.includes(current.status);
      if (outcome?.kind === 'done' || outcome?.kind === 'proposed') {
        const proposed = outcome.kind === 'proposed';
        await setStep(trx, org, run.id, {
          status: proposed ? 'proposed' : 'succeeded',
          input: recordedInput,
          output: json(outcome.output),
          state: null,
          finished_at: now,
        });
        const later: Later = [
          {
            action: proposed ? 'workflows.step_proposed' : 'workflows.step_succeeded',
            target: { type: 'workflow_execution', id: exec.id },
            metadata: {
              stepId: step.id,
              type,
              attempt: p.attempt,
              ...(proposed ? { proposalId: (outcome.output as { proposalId: string }).proposalId } : {}),
            },
          },
        ];
        if (!ended) await advance(trx, org, exec.id, later);
        await writeAudits(trx, ctx, later);
      } else if (outcome?.kind === 'wait_approval') {
        await setStep(trx, org, run.id, {
          status: 'waiting_approval',
          input: recordedInput,
          output: json(outcome.output),
        });
        await audit.recordFor(trx, ctx, {
          action: 'workflows.step_waiting_approval',
          target: { type: 'workflow_execution', id: exec.id },
          metadata: { stepId: step.id },
        });
        if (!ended) await setExecution(trx, org, exec.id, { status: 'waiting_approval' });
      } else if (outcome?.kind === 'poll') {
        await setStep(trx, org, run.id, {
          status: 'polling',
          input: recordedInput,
          state: json(outcome.state),
        });
        if (!ended)
          await enqueueStep(trx, org, exec.id, step.id, p.attempt, {
            delayMs: outcome.delayMs,
            poll: p.poll + 1,
          });
      } else if (failure) {
        const retry = !failure.permanent && p.attempt <= step.retries && !ended;
        await setStep(trx, org, run.id, {
          status: retry ? 'queued' : 'failed',
          input: recordedInput,
          error: failure.message,
          state: null,
          ...(retry ? {} : { finished_at: now }),
        });
        const later: Later = [
          {
            action: retry ? 'workflows.step_retried' : 'workflows.step_failed',
            target: { type: 'workflow_execution', id: exec.id },
            metadata: { stepId: step.id, type, attempt: p.attempt, error: failure.message.slice(0, 500) },
          },
        ];
        if (retry)
          await enqueueStep(trx, org, exec.id, step.id, p.attempt + 1, {
            delayMs: step.retryDelayMs * 2 ** (p.attempt - 1),
          });
        else if (!ended) await advance(trx, org, exec.id, later);
        await writeAudits(trx, ctx, later);
      }
    });
    return { stepId: step.id, outcome: outcome?.kind ?? 'failed' };
  }

  return { advance, finish, createExecution, runStep, definitionOf, setStep, setExecution, lockExecution };
}

export type StepJob = {
  organizationId: string;
  executionId: string;
  stepId: string;
  attempt: number;
  poll: number;
};
export type Engine = ReturnType<typeof createEngine>;
