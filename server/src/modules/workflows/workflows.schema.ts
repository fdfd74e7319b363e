/** Request and response schemas of /api/v1/workflows. */
import { z } from 'zod';
import { pageQuery } from '../../platform/pagination.ts';
import { stepSchema, triggersSchema } from './workflows.definition.ts';
import { executionStatuses, stepStatuses } from './workflows.model.ts';

export const idParam = z.object({ id: z.string().min(1).max(64) });
export const stepParam = z.object({ id: z.string().min(1).max(64), stepId: z.string().min(1).max(64) });
export const hookParam = z.object({ hookId: z.string().min(1).max(64) });
export const listQuery = z.object(pageQuery);

// Steps and triggers are checked by validateDefinition (every problem at once, with paths), so the
// body schema only bounds their size here.
const steps = z
  .array(z.record(z.string(), z.unknown()))
  .min(1)
  .max(100)
  .describe(
    'The DAG: each step as in a workflow (id, type, name, dependsOn, ifSkipped, config, input, retries, retryDelayMs, timeoutMs); see the module README',
  );
const triggers = z.record(z.string(), z.unknown()).describe('cron, timezone, events, thresholds, webhook');

export const createBody = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    description: z.string().max(2000).nullable().optional(),
    steps: steps.optional(),
    triggers: triggers.optional(),
    enabled: z.boolean().optional(),
    templateId: z.string().min(1).max(64).optional().describe('Create from a built-in template'),
    variables: z.record(z.string(), z.string().max(500)).optional().describe("The template's variables"),
  })
  .refine((b) => (b.templateId ? !b.steps : Boolean(b.steps && b.name)), {
    message: 'Give name and steps, or templateId (with its variables), not both',
  });

export const updateBody = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  description: z.string().max(2000).nullable().optional(),
  steps: steps.optional(),
  triggers: triggers.optional(),
  enabled: z.boolean().optional(),
});

export const runBody = z.strictObject({
  input: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('The trigger payload: {{trigger.…}} in mappings'),
  idempotencyKey: z
    .string()
    .min(8)
    .max(200)
    .optional()
    .describe('A repeat with this key returns the first run'),
});

export const decisionBody = z.strictObject({ comment: z.string().min(1).max(2000).optional() });

export const workflowSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  version: z.number(),
  enabled: z.boolean(),
  steps: z.array(stepSchema.extend({ type: z.string() })),
  triggers: triggersSchema,
  templateId: z.string().nullable(),
  hookId: z
    .string()
    .nullable()
    .describe('POST /api/v1/workflows/hooks/{hookId} when the webhook trigger is on'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const workflowWithSecret = z.object({
  workflow: workflowSchema,
  hookSecret: z.string().nullable().describe('The webhook signing secret: shown only now'),
});

export const stepRunSchema = z.object({
  stepId: z.string(),
  type: z.string(),
  status: z
    .enum(stepStatuses)
    .describe(
      '`proposed`: the step made a proposal that waits for approval under the guardrails (the change has not happened); it becomes `succeeded` when the proposal is applied, `failed` when it is rejected, expires or fails',
    ),
  attempts: z.number(),
  input: z.unknown(),
  output: z.unknown(),
  error: z.string().nullable(),
  decidedBy: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

export const executionSchema = z.object({
  id: z.string(),
  workflowId: z.string(),
  version: z.number(),
  status: z
    .enum(executionStatuses)
    .describe(
      '`proposed`: every step ran, but a change it proposed waits for approval (Approvals): not a success yet. It becomes `succeeded` once all its proposals are applied, `failed` once one is rejected, expires or fails (checked every minute)',
    ),
  trigger: z.object({ type: z.string(), payload: z.unknown() }),
  error: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  steps: z.array(stepRunSchema).optional(),
});

export const templateSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  variables: z.record(z.string(), z.string()).describe('Name → what it is for'),
  variablesSchema: z
    .record(z.string(), z.unknown())
    .describe('The variables as JSON Schema: title (label), description, format'),
  runInput: z.record(z.string(), z.string()).describe("Name → what it is for, of a manual run's input"),
  runInputSchema: z
    .record(z.string(), z.unknown())
    .describe(
      "A manual run's input as JSON Schema: title, description, x-entity (campaign, client, connection)",
    ),
  definition: z.object({ steps: z.array(z.unknown()) }),
  triggers: z.record(z.string(), z.unknown()),
});

export const pendingApprovalSchema = z.object({
  executionId: z.string(),
  stepId: z.string(),
  workflowId: z.string(),
  workflowName: z.string(),
  message: z.string().nullable().describe("The step's question, its templates resolved"),
  clientId: z.string().nullable().describe('Whose guardrail policy decides who may approve'),
  campaignId: z.string().nullable(),
  changePct: z.number().nullable().describe('The budget change it gates, in percent, when it knows it'),
  requiredApprovals: z.number().int(),
  approvals: z.array(z.object({ by: z.string().nullable(), role: z.string(), at: z.string() })),
  trigger: z.string().describe('How the run started: manual, cron, event or webhook'),
  startedBy: z
    .object({ id: z.string(), name: z.string().nullable() })
    .nullable()
    .describe('The person who started the run (null for cron, events and webhooks)'),
  startedAt: z.string(),
  waitingSince: z.string().nullable(),
});
