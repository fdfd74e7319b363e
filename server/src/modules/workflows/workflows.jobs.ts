/**
 * Workflow jobs. Each step attempt (and each check of a step that polls, like a connector sync) is
 * one `workflows.step` job, enqueued in the transaction that made the step runnable; `workflows.cron`
 * ticks every minute, starts the runs of cron triggers that came due and settles the `proposed` runs
 * whose proposals were decided meanwhile; `workflows.thresholds`
 * evaluates threshold triggers after a sync finished.
 */
import { z } from 'zod';
import { defineJob, handle, type JobBinding } from '../../queue/index.ts';

export const workflowStepJob = defineJob({
  name: 'workflows.step',
  payload: z.object({
    organizationId: z.string(),
    executionId: z.string(),
    stepId: z.string(),
    attempt: z.number().int().min(1),
    poll: z.number().int().min(0).default(0),
  }),
  // Step failures are retried by the engine (per-step retries); these cover infrastructure errors.
  retries: 3,
  backoff: { type: 'exponential', delayMs: 1_000 },
  // Above the largest step timeout (30 min), which the engine enforces itself.
  timeoutMs: 35 * 60_000,
});

export const workflowCronJob = defineJob({
  name: 'workflows.cron',
  payload: z.object({}),
  retries: 1,
  backoff: { type: 'fixed', delayMs: 5_000 },
  timeoutMs: 5 * 60_000,
});
export const WORKFLOW_CRON = '* * * * *';

export const workflowThresholdsJob = defineJob({
  name: 'workflows.thresholds',
  payload: z.object({ organizationId: z.string(), syncRunId: z.string() }),
  retries: 2,
  timeoutMs: 5 * 60_000,
});

export interface WorkflowJobTarget {
  runStep(p: z.output<typeof workflowStepJob.payload>, signal: AbortSignal): Promise<unknown>;
  cronTick(now?: Date): Promise<{ started: number }>;
  settleProposed(): Promise<{ settled: number }>;
  evaluateThresholds(organizationId: string, syncRunId: string): Promise<{ started: number }>;
}

export function workflowJobs(w: WorkflowJobTarget): JobBinding[] {
  return [
    handle(workflowStepJob, (p, ctx) => w.runStep(p, ctx.signal)),
    handle(workflowCronJob, async () => ({ ...(await w.cronTick()), ...(await w.settleProposed()) })),
    handle(workflowThresholdsJob, (p) => w.evaluateThresholds(p.organizationId, p.syncRunId)),
  ];
}
