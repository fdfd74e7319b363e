/**
 * Workflows of an organization: create (from a definition or a template), read, update (a new
 * version; running executions keep theirs), delete; manual runs; executions with their step
 * timeline; cancel; approve or reject a step waiting for approval. Triggers other than manual live
 * in workflows.triggers.ts; the engine in workflows.engine.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import type { SecretBox } from '../../platform/crypto.ts';
import { conflict, invalidInput, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { decodeCursor, type Page, toPage } from '../../platform/pagination.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import { assertOwned } from '../../storage/owned.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import { assertMayApprove } from '../proposals/proposals.policies.ts';
import { validateDefinition, type WorkflowTriggers } from './workflows.definition.ts';
import type { Engine } from './workflows.engine.ts';
import {
  type Execution,
  terminalExecution,
  toExecution,
  toWorkflow,
  type Workflow,
} from './workflows.model.ts';
import { assertRunInput, instantiate } from './workflows.templates.ts';

export interface WorkflowInput {
  name?: string;
  description?: string | null;
  steps?: unknown;
  triggers?: unknown;
  enabled?: boolean;
  templateId?: string;
  variables?: Record<string, string>;
}

/** An approval step waiting for people, as `GET /api/v1/workflows/approvals` lists it. */
export interface PendingApproval {
  executionId: string;
  stepId: string;
  workflowId: string;
  workflowName: string;
  message: string | null;
  clientId: string | null;
  campaignId: string | null;
  changePct: number | null;
  requiredApprovals: number;
  approvals: Array<{ by: string | null; role: string; at: string }>;
  /** manual, cron, event or webhook. */
  trigger: string;
  startedBy: { id: string; name: string | null } | null;
  startedAt: string;
  waitingSince: string | null;
}

/** One approval of a workflow approval step, kept in the step's output. */
interface StepApproval {
  by: string | null;
  actorType: string;
  role: string;
  comment: string | null;
  at: string;
}

export interface ServiceDeps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  box: SecretBox;
  engine: Engine;
}

const newHookSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;
const newHookId = () => `hook_${randomBytes(16).toString('hex')}`;

/**
 * A threshold watches a campaign or client of this organization: another organization's id (or one
 * that does not exist) is a 404, as everywhere, rather than a threshold that reads zero forever.
 */
async function assertThresholdTargets(trx: Executor, org: string, triggers: WorkflowTriggers) {
  for (const th of triggers.thresholds ?? []) {
    if (th.campaignId) await assertOwned(trx, org, 'campaign', th.campaignId);
    if (th.clientId) await assertOwned(trx, org, 'client', th.clientId);
  }
}

export function createWorkflowService({ storage, audit, clock, box, engine }: ServiceDeps) {
  async function find(trx: Executor, org: string, id: string) {
    const row = await trx
      .selectFrom('workflows')
      .selectAll()
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw notFound('Workflow', id);
    return row;
  }

  async function findExecution(trx: Executor, org: string, id: string) {
    const row = await trx
      .selectFrom('workflow_executions')
      .selectAll()
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Workflow execution', id);
    return row;
  }

  async function writeVersion(
    trx: Executor,
    ctx: Ctx,
    workflowId: string,
    version: number,
    def: string,
    triggers: string,
  ) {
    await trx
      .insertInto('workflow_versions')
      .values({
        id: newId('workflowVersion'),
        organization_id: ctx.organizationId,
        workflow_id: workflowId,
        version,
        definition: def,
        triggers,
        created_by: ctx.userId,
        created_at: clock.now().toISOString(),
      })
      .execute();
  }

  /** Creates a workflow; with `webhook: true` the response carries the signing secret, shown once. */
  async function create(
    ctx: Ctx,
    input: WorkflowInput,
  ): Promise<{ workflow: Workflow; hookSecret: string | null }> {
    const fromTemplate = input.templateId ? instantiate(input.templateId, input.variables ?? {}) : undefined;
    const { definition, triggers } = validateDefinition(
      fromTemplate ? fromTemplate.definition : { steps: input.steps },
      input.triggers ?? fromTemplate?.triggers ?? {},
    );
    const name = input.name ?? fromTemplate?.template.name;
    if (!name) throw invalidInput('A workflow needs a name');
    const id = newId('workflow');
    const now = clock.now().toISOString();
    const hookSecret = triggers.webhook ? newHookSecret() : null;
    const def = JSON.stringify(definition);
    const trig = JSON.stringify(triggers);
    const row = await storage.withTenant(ctx.organizationId, async (trx) => {
      await assertThresholdTargets(trx, ctx.organizationId, triggers);
      await trx
        .insertInto('workflows')
        .values({
          id,
          organization_id: ctx.organizationId,
          name,
          description: input.description ?? fromTemplate?.template.description ?? null,
          version: 1,
          definition: def,
          triggers: trig,
          enabled: input.enabled === false ? 0 : 1,
          template_id: fromTemplate?.template.id ?? null,
          hook_id: hookSecret ? newHookId() : null,
          hook_secret_sealed: hookSecret ? box.seal(hookSecret) : null,
          cron_last_tick: triggers.cron ? now : null,
          threshold_state: '{}',
          created_by: ctx.userId,
          created_at: now,
          updated_at: now,
          deleted_at: null,
        })
        .execute();
      await writeVersion(trx, ctx, id, 1, def, trig);
      await audit.recordFor(trx, ctx, {
        action: 'workflows.created',
        target: { type: 'workflow', id },
        input: { name, definition, triggers },
        metadata: { version: 1, templateId: fromTemplate?.template.id ?? null },
      });
      return find(trx, ctx.organizationId, id);
    });
    return { workflow: toWorkflow(row), hookSecret };
  }

  async function update(
    ctx: Ctx,
    id: string,
    input: WorkflowInput,
  ): Promise<{ workflow: Workflow; hookSecret: string | null }> {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const current = await find(trx, ctx.organizationId, id);
      const changesDefinition = input.steps !== undefined || input.triggers !== undefined;
      const { definition, triggers } = validateDefinition(
        input.steps !== undefined ? { steps: input.steps } : JSON.parse(current.definition),
        input.triggers !== undefined ? input.triggers : JSON.parse(current.triggers),
      );
      await assertThresholdTargets(trx, ctx.organizationId, triggers);
      const version = changesDefinition ? current.version + 1 : current.version;
      const def = JSON.stringify(definition);
      const trig = JSON.stringify(triggers);
      // Turning the webhook on makes a secret (shown once); turning it off forgets it.
      const hookSecret = triggers.webhook && !current.hook_id ? newHookSecret() : null;
      const now = clock.now().toISOString();
      await trx
        .updateTable('workflows')
        .set({
          name: input.name ?? current.name,
          description: input.description !== undefined ? input.description : current.description,
          enabled: input.enabled === undefined ? current.enabled : input.enabled ? 1 : 0,
          version,
          definition: def,
          triggers: trig,
          ...(hookSecret ? { hook_id: newHookId(), hook_secret_sealed: box.seal(hookSecret) } : {}),
          ...(!triggers.webhook ? { hook_id: null, hook_secret_sealed: null } : {}),
          ...(triggers.cron && triggers.cron !== JSON.parse(current.triggers).cron
            ? { cron_last_tick: now }
            : {}),
          updated_at: now,
        })
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', id)
        .execute();
      if (changesDefinition) await writeVersion(trx, ctx, id, version, def, trig);
      await audit.recordFor(trx, ctx, {
        action: 'workflows.updated',
        target: { type: 'workflow', id },
        input,
        metadata: { version },
      });
      return { workflow: toWorkflow(await find(trx, ctx.organizationId, id)), hookSecret };
    });
  }

  /** Soft delete: executions stay readable; pending steps of running executions are cancelled. */
  async function remove(ctx: Ctx, id: string) {
    await storage.withTenant(ctx.organizationId, async (trx) => {
      await find(trx, ctx.organizationId, id);
      const now = clock.now().toISOString();
      await trx
        .updateTable('workflows')
        .set({ deleted_at: now, enabled: 0, hook_id: null, hook_secret_sealed: null, updated_at: now })
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', id)
        .execute();
      const running = await trx
        .selectFrom('workflow_executions')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('workflow_id', '=', id)
        .where('status', 'not in', terminalExecution as string[])
        .execute();
      for (const exec of running)
        await engine.finish(trx, exec, 'cancelled', 'The workflow was deleted', ctx);
      await audit.recordFor(trx, ctx, { action: 'workflows.deleted', target: { type: 'workflow', id } });
    });
  }

  const get = async (ctx: Ctx, id: string) =>
    toWorkflow(await storage.withTenant(ctx.organizationId, (trx) => find(trx, ctx.organizationId, id)));

  async function list(ctx: Ctx, q: { limit: number; cursor?: string }): Promise<Page<Workflow>> {
    const cursor = decodeCursor(q.cursor, 'id');
    return storage.withTenant(ctx.organizationId, async (trx) => {
      let query = trx
        .selectFrom('workflows')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('deleted_at', 'is', null);
      if (cursor) query = query.where('id', '<', cursor);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(q.limit + 1)
        .execute();
      return toPage(rows.map(toWorkflow), q.limit, (w) => w.id);
    });
  }

  /** Starts a run of the current version (202: it runs on the queue). */
  async function run(
    ctx: Ctx,
    id: string,
    input: { input?: Record<string, unknown>; idempotencyKey?: string },
  ) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const wf = await find(trx, ctx.organizationId, id);
      if (!wf.enabled) throw conflict(`Workflow ${id} is disabled`);
      await assertRunInput(wf.template_id, input.input ?? {}, async (connectionId) => {
        const c = await trx
          .selectFrom('connections')
          .select(['name', 'client_id'])
          .where('organization_id', '=', ctx.organizationId)
          .where('id', '=', connectionId)
          .executeTakeFirst();
        return c && { name: c.name, clientId: c.client_id };
      });
      const r = await engine.createExecution(trx, ctx, wf, {
        type: 'manual',
        payload: input.input ?? {},
        ...(input.idempotencyKey ? { idempotencyKey: `manual:${input.idempotencyKey}` } : {}),
      });
      return {
        executionId: r.id,
        replayed: !r.created,
        execution: toExecution(await findExecution(trx, ctx.organizationId, r.id)),
      };
    });
  }

  async function listRuns(
    ctx: Ctx,
    id: string,
    q: { limit: number; cursor?: string },
  ): Promise<Page<Execution>> {
    const cursor = decodeCursor(q.cursor, 'id');
    return storage.withTenant(ctx.organizationId, async (trx) => {
      // Runs of a deleted workflow stay listed: only another organization's id is a 404.
      const wf = await trx
        .selectFrom('workflows')
        .select('id')
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!wf) throw notFound('Workflow', id);
      let query = trx
        .selectFrom('workflow_executions')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('workflow_id', '=', id);
      if (cursor) query = query.where('id', '<', cursor);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(q.limit + 1)
        .execute();
      return toPage(
        rows.map((r) => toExecution(r)),
        q.limit,
        (e) => e.id,
      );
    });
  }

  /**
   * Approval steps waiting for people across the organization's workflows, newest first: what the
   * Approvals page lists next to proposals. Each names its workflow, the step's message, how many
   * approvals it needs and has, and who started the run (null for cron, events and webhooks).
   */
  async function pendingApprovals(
    ctx: Ctx,
    q: { limit: number; cursor?: string },
  ): Promise<Page<PendingApproval>> {
    const cursor = decodeCursor(q.cursor, 'id');
    const org = ctx.organizationId;
    return storage.withTenant(org, async (trx) => {
      let query = trx
        .selectFrom('workflow_step_runs as s')
        .innerJoin('workflow_executions as e', 'e.id', 's.execution_id')
        .innerJoin('workflows as w', 'w.id', 'e.workflow_id')
        .leftJoin('users as u', 'u.id', 'e.created_by')
        .select([
          's.id as runId',
          's.step_id as stepId',
          's.output as output',
          's.started_at as waitingSince',
          'e.id as executionId',
          'e.trigger_type as triggerType',
          'e.created_by as startedById',
          'e.created_at as startedAt',
          'w.id as workflowId',
          'w.name as workflowName',
          'u.name as startedByName',
        ])
        .where('s.organization_id', '=', org)
        .where('e.organization_id', '=', org)
        .where('w.organization_id', '=', org)
        .where('s.status', '=', 'waiting_approval')
        .where('e.status', 'not in', [...terminalExecution]);
      if (cursor) query = query.where('s.id', '<', cursor);
      const rows = await query
        .orderBy('s.id', 'desc')
        .limit(q.limit + 1)
        .execute();
      const page = toPage(rows, q.limit, (r) => r.runId);
      return {
        nextCursor: page.nextCursor,
        items: page.items.map((r): PendingApproval => {
          const out = (r.output ? JSON.parse(r.output) : {}) as {
            message?: string | null;
            clientId?: string | null;
            campaignId?: string | null;
            changePct?: number | null;
            requiredApprovals?: number;
            approvals?: StepApproval[];
          };
          return {
            executionId: r.executionId,
            stepId: r.stepId,
            workflowId: r.workflowId,
            workflowName: r.workflowName,
            message: out.message ?? null,
            clientId: out.clientId ?? null,
            campaignId: out.campaignId ?? null,
            changePct: out.changePct ?? null,
            requiredApprovals: out.requiredApprovals ?? 1,
            approvals: (out.approvals ?? []).map((a) => ({ by: a.by, role: a.role, at: a.at })),
            trigger: r.triggerType,
            startedBy: r.startedById ? { id: r.startedById, name: r.startedByName ?? null } : null,
            startedAt: r.startedAt,
            waitingSince: r.waitingSince,
          };
        }),
      };
    });
  }

  /** One execution with its step timeline, in definition order. */
  async function getExecution(ctx: Ctx, id: string): Promise<Execution> {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const exec = await findExecution(trx, ctx.organizationId, id);
      const def = await engine.definitionOf(trx, ctx.organizationId, exec.workflow_id, exec.version);
      const order = new Map(def.steps.map((s, i) => [s.id, i]));
      const steps = await trx
        .selectFrom('workflow_step_runs')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('execution_id', '=', id)
        .execute();
      steps.sort((a, b) => (order.get(a.step_id) ?? 0) - (order.get(b.step_id) ?? 0));
      return toExecution(exec, steps);
    });
  }

  async function cancel(ctx: Ctx, id: string) {
    await storage.withTenant(ctx.organizationId, async (trx) => {
      await engine.lockExecution(trx, ctx.organizationId, id);
      const exec = await findExecution(trx, ctx.organizationId, id);
      if (terminalExecution.includes(exec.status))
        throw conflict(`Execution ${id} already ${exec.status}`, { status: exec.status });
      await engine.finish(trx, exec, 'cancelled', null, ctx);
    });
    return getExecution(ctx, id);
  }

  /**
   * Approves or rejects a step waiting for approval, as the guardrail policy says who may: a person
   * of at least its approverRole (the step's client's override when it names one), and as many
   * distinct approvers as the step requires (`config.approvals`); the last approval lets the
   * execution go on, one rejection fails the step.
   */
  async function decide(
    ctx: Ctx,
    id: string,
    stepId: string,
    decision: 'approve' | 'reject',
    comment?: string,
  ) {
    await storage.withTenant(ctx.organizationId, async (trx) => {
      await engine.lockExecution(trx, ctx.organizationId, id);
      const exec = await findExecution(trx, ctx.organizationId, id);
      const run = await trx
        .selectFrom('workflow_step_runs')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('execution_id', '=', id)
        .where('step_id', '=', stepId)
        .executeTakeFirst();
      if (!run) throw notFound('Step', stepId);
      const previous = (run.output ? JSON.parse(run.output) : {}) as {
        clientId?: string | null;
        requiredApprovals?: number;
        approvals?: StepApproval[];
      };
      await assertMayApprove(trx, ctx, previous.clientId ?? null, 'workflow steps');
      if (run.status !== 'waiting_approval' || terminalExecution.includes(exec.status))
        throw conflict(`Step ${stepId} is ${run.status}, not waiting for approval`, { status: run.status });
      const now = clock.now().toISOString();
      const by = ctx.userId ?? ctx.actor.id;
      const approved = decision === 'approve';
      // Steps stored before approvals were counted wait for one.
      const required = previous.requiredApprovals ?? 1;
      const approvals = [...(previous.approvals ?? [])];
      if (approved) {
        if (approvals.some((a) => a.by === by))
          throw conflict('You already approved this step: the second approval must come from someone else', {
            approvals: approvals.length,
            requiredApprovals: required,
          });
        approvals.push({ by, actorType: ctx.actor.type, role: ctx.role, comment: comment ?? null, at: now });
        if (approvals.length < required) {
          await engine.setStep(trx, ctx.organizationId, run.id, {
            output: JSON.stringify({ ...previous, approvals }),
          });
          await audit.recordFor(trx, ctx, {
            action: 'workflows.step_approval_recorded',
            target: { type: 'workflow_execution', id },
            metadata: { stepId, comment: comment ?? null, approvals: approvals.length, required },
          });
          return;
        }
      }
      await engine.setStep(trx, ctx.organizationId, run.id, {
        status: approved ? 'succeeded' : 'failed',
        output: JSON.stringify({ ...previous, approvals, approved, by, comment: comment ?? null, at: now }),
        error: approved ? null : `Rejected${comment ? `: ${comment}` : ''}`,
        decided_by: by,
        finished_at: now,
      });
      await audit.recordFor(trx, ctx, {
        action: approved ? 'workflows.step_approved' : 'workflows.step_rejected',
        target: { type: 'workflow_execution', id },
        metadata: { stepId, comment: comment ?? null, approvals: approvals.length, required },
      });
      await engine.advance(trx, ctx.organizationId, id);
    });
    return getExecution(ctx, id);
  }

  /** A new webhook secret (the old one stops working at once); shown once. */
  async function rotateHookSecret(ctx: Ctx, id: string) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const wf = await find(trx, ctx.organizationId, id);
      if (!wf.hook_id) throw conflict(`Workflow ${id} has no webhook trigger`);
      const secret = newHookSecret();
      await trx
        .updateTable('workflows')
        .set({ hook_secret_sealed: box.seal(secret), updated_at: clock.now().toISOString() })
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', id)
        .execute();
      await audit.recordFor(trx, ctx, {
        action: 'workflows.hook_secret_rotated',
        target: { type: 'workflow', id },
      });
      return { hookId: wf.hook_id, hookSecret: secret };
    });
  }

  return {
    create,
    update,
    remove,
    get,
    list,
    run,
    listRuns,
    pendingApprovals,
    getExecution,
    cancel,
    decide,
    rotateHookSecret,
  };
}

export type WorkflowService = ReturnType<typeof createWorkflowService>;
