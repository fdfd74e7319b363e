/** What the API shows of workflows, executions and step runs, and the row → view conversions. */
import type { WorkflowExecutionsTable, WorkflowStepRunsTable, WorkflowsTable } from '../../storage/schema.ts';
import type { StepDefinition, WorkflowTriggers } from './workflows.definition.ts';

/**
 * `proposed`: every step ran, but a change a `proposal` (or `ghl_action`) step made waits for approval
 * under the guardrails: nothing of it happened yet, so the run has not succeeded. It becomes
 * `succeeded` once every such proposal is applied, `failed` once one is rejected, expires or fails
 * (`workflows.settle.ts`). The engine runs nothing more in it.
 */
export const executionStatuses = [
  'queued',
  'running',
  'waiting_approval',
  'proposed',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type ExecutionStatus = (typeof executionStatuses)[number];
/** Nothing more runs: the run ended, or only waits for its proposals to be decided (`proposed`). */
export const terminalExecution: readonly string[] = ['succeeded', 'failed', 'cancelled', 'proposed'];

export const stepStatuses = [
  'pending',
  'queued',
  'running',
  'polling',
  'waiting_approval',
  /** Its proposal waits for approval under the guardrails (the step ran; the change has not happened). */
  'proposed',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
] as const;
export type StepStatus = (typeof stepStatuses)[number];
export const terminalStep: readonly string[] = ['succeeded', 'failed', 'skipped', 'cancelled', 'proposed'];
/**
 * A step whose dependants may go on: it ran (a `proposed` one too: the steps after it read its
 * output, `status: 'pending_approval'`, and a notice says the change waits), or its branch was skipped.
 */
export const settledStep: readonly string[] = ['succeeded', 'skipped', 'proposed'];

export const triggerTypes = ['manual', 'cron', 'event', 'webhook'] as const;
export type TriggerType = (typeof triggerTypes)[number];

export interface Workflow {
  id: string;
  name: string;
  description: string | null;
  version: number;
  enabled: boolean;
  steps: StepDefinition[];
  triggers: WorkflowTriggers;
  templateId: string | null;
  hookId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface StepRun {
  stepId: string;
  type: string;
  status: StepStatus;
  attempts: number;
  input: unknown;
  output: unknown;
  error: string | null;
  decidedBy: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Execution {
  id: string;
  workflowId: string;
  version: number;
  status: ExecutionStatus;
  trigger: { type: string; payload: unknown };
  error: string | null;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  steps?: StepRun[];
}

const parse = (s: string | null): unknown => (s === null ? null : JSON.parse(s));

export const toWorkflow = (r: WorkflowsTable): Workflow => ({
  id: r.id,
  name: r.name,
  description: r.description,
  version: r.version,
  enabled: r.enabled === 1,
  steps: (JSON.parse(r.definition) as { steps: StepDefinition[] }).steps,
  triggers: JSON.parse(r.triggers) as WorkflowTriggers,
  templateId: r.template_id,
  hookId: r.hook_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const toStepRun = (r: WorkflowStepRunsTable): StepRun => ({
  stepId: r.step_id,
  type: r.type,
  status: r.status as StepStatus,
  attempts: r.attempts,
  input: parse(r.input),
  output: parse(r.output),
  error: r.error,
  decidedBy: r.decided_by,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export const toExecution = (r: WorkflowExecutionsTable, steps?: WorkflowStepRunsTable[]): Execution => ({
  id: r.id,
  workflowId: r.workflow_id,
  version: r.version,
  status: r.status as ExecutionStatus,
  trigger: { type: r.trigger_type, payload: parse(r.trigger) },
  error: r.error,
  createdBy: r.created_by,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  ...(steps ? { steps: steps.map(toStepRun) } : {}),
});
