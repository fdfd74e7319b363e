/**
 * Agent runs over HTTP: start one (inline with a short wait, or queued), its history, one
 * execution with its steps, cancel, and per-agent metrics. `:id` is an agent id or its kind.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ctxOf } from '../auth/auth.plugin.ts';
import type { AgentHistory } from './agents.history.ts';
import type { AgentRuntime } from './agents.runtime.ts';
import {
  executionDetailSchema,
  executionSchema,
  historyPage,
  historyQuery,
  metricsSchema,
  runBody,
} from './agents.schema.ts';

const agentParams = z.object({
  id: z.string().min(1).max(64).describe('Agent id, or its kind (e.g. analytics)'),
});
const executionParams = z.object({ executionId: z.string().min(1).max(64) });

export function agentRunsRoutes(
  app: FastifyInstance,
  {
    agentRuntime,
    agentHistory,
    inlineWaitMs,
  }: {
    agentRuntime: AgentRuntime;
    agentHistory: AgentHistory;
    /** How long `wait: true` waits for the outcome before answering 202 (the run goes on here). */
    inlineWaitMs: number;
  },
) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/api/v1/agents/:id/runs',
    {
      config: { permission: 'agents:run' },
      schema: {
        tags: ['agents'],
        summary: 'Run an agent',
        description:
          'Validates `input` against the agent’s input schema (400 invalid_input), checks its limits (429 rate_limited: maxConcurrentRuns, maxRunsPerDay) and the plan (402 plan_limit). With `wait` (default) the run executes now: 200 with the finished execution, or 202 with the running one if it takes longer than a few seconds (poll GET /api/v1/agents/executions/{executionId}). With `wait: false` it is queued as an `agents.run` job: 202.',
        params: agentParams,
        body: runBody,
        response: { 200: executionDetailSchema, 202: executionSchema },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      const wait = req.body.wait ?? true;
      const { execution, done } = await agentRuntime.start(ctx, {
        agentId: req.params.id,
        input: req.body.input,
        inputAt: { part: 'body', path: ['input'] },
        ...(req.body.engine ? { engine: req.body.engine } : {}),
        trigger: ctx.actor.type === 'api_key' ? 'api' : 'manual',
        mode: wait ? 'inline' : 'queued',
      });
      if (!done) return reply.status(202).send(execution);
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        done.then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), inlineWaitMs);
        }),
      ]);
      clearTimeout(timer);
      if (!finished) {
        // Still running: it goes on here; the caller polls.
        done.catch((err) => req.log.error({ err, executionId: execution.id }, 'background agent run failed'));
        return reply.status(202).send(await agentRuntime.get(ctx, execution.id));
      }
      return reply.status(200).send(await agentRuntime.get(ctx, execution.id));
    },
  );
  r.get(
    '/api/v1/agents/:id/runs',
    {
      config: { permission: 'agents:read' },
      schema: {
        tags: ['agents'],
        summary: 'Runs of an agent, newest first',
        params: agentParams,
        querystring: historyQuery,
        response: { 200: historyPage },
      },
    },
    async (req) => agentHistory.list(ctxOf(req), req.params.id, req.query),
  );
  r.get(
    '/api/v1/agents/:id/metrics',
    {
      config: { permission: 'agents:read' },
      schema: {
        tags: ['agents'],
        summary:
          'Runs, success rate, average duration, tokens and cost of an agent over the last 30 days, per day',
        params: agentParams,
        response: { 200: metricsSchema },
      },
    },
    async (req) => agentHistory.metrics(ctxOf(req), req.params.id),
  );
  r.get(
    '/api/v1/agents/executions/:executionId',
    {
      config: { permission: 'agents:read' },
      schema: {
        tags: ['agents'],
        summary: 'One run: outcome, tokens, cost, duration and every step (model turns and tool calls)',
        params: executionParams,
        response: { 200: executionDetailSchema },
      },
    },
    async (req) => agentRuntime.get(ctxOf(req), req.params.executionId),
  );
  r.post(
    '/api/v1/agents/executions/:executionId/cancel',
    {
      config: { permission: 'agents:run' },
      schema: {
        tags: ['agents'],
        summary: 'Cancel a run',
        description:
          'A queued run is cancelled at once; a running one stops at its next step (`cancelRequested: true` until then). A finished run answers 409.',
        params: executionParams,
        response: { 200: executionSchema },
      },
    },
    async (req) => agentRuntime.cancel(ctxOf(req), req.params.executionId),
  );
}
