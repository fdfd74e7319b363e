/** HTTP shapes of agent runs, executions, metrics and definitions. */
import { z } from 'zod';
import { pageQuery, pageSchema } from '../../platform/pagination.ts';
import { agentKinds } from './agents.defaults.ts';
import { engines, executionStatuses, triggers } from './agents.executions.repo.ts';

const jsonSchema = z.record(z.string(), z.unknown());

export const runBody = z.strictObject({
  input: z
    .record(z.string(), z.unknown())
    .describe('The agent’s input, validated against its input schema (GET /api/v1/agents/{id} shows it)'),
  engine: z
    .enum(engines)
    .optional()
    .describe('builtin (default unless OMNIFY_AGENTS_ENGINE says llm) or llm'),
  wait: z
    .boolean()
    .optional()
    .describe(
      'true (default): run now and answer with the outcome, or 202 if still running after a few seconds; false: queue it (202)',
    ),
});

export const runError = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });

export const executionSchema = z.object({
  id: z.string(),
  agentId: z.string(),
  kind: z.enum(agentKinds),
  engine: z.enum(engines),
  status: z.enum(executionStatuses),
  trigger: z.enum(triggers),
  input: z.unknown(),
  output: z.unknown(),
  error: runError.nullable(),
  stepCount: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  costMicros: z.number().int().describe('USD micros, from the model price table'),
  costKnown: z.boolean().describe('false when the model is not in the price table (cost shown as 0)'),
  model: z.string().nullable(),
  jobId: z.string().nullable(),
  cancelRequested: z.boolean(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  createdBy: z.object({ type: z.string(), id: z.string().nullable() }),
  createdAt: z.string(),
});

export const stepSchema = z.object({
  seq: z.number().int(),
  type: z.enum(['model_turn', 'tool_call']),
  toolName: z.string().nullable(),
  callId: z.string().nullable(),
  input: z.unknown(),
  output: z.unknown(),
  error: z.unknown(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number().int(),
});

export const executionDetailSchema = executionSchema.extend({ steps: z.array(stepSchema) });

export const historyQuery = z.object({
  ...pageQuery,
  status: z.enum(executionStatuses).optional(),
});
export const historyPage = pageSchema(executionSchema);

const counts = {
  runs: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  budgetExhausted: z.number().int(),
  cancelled: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  costMicros: z.number().int(),
};
export const metricsSchema = z.object({
  agentId: z.string(),
  from: z.string(),
  to: z.string(),
  ...counts,
  successRate: z.number().nullable().describe('succeeded / finished runs'),
  averageDurationMs: z.number().nullable(),
  perDay: z.array(z.object({ day: z.string(), ...counts, averageDurationMs: z.number().nullable() })),
});

export const definitionSchema = z.object({
  instructions: z.string(),
  tools: z.array(z.object({ name: z.string(), description: z.string(), inputSchema: jsonSchema })),
  inputSchema: jsonSchema,
  outputSchema: jsonSchema,
  engines: z.array(z.enum(engines)).describe('Engines this server can run'),
});
