/**
 * /api/v1/workflows: CRUD per organization, templates, manual runs, executions with their step
 * timeline, cancel, approve/reject a waiting step, and the signed inbound webhook (public).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageSchema } from '../../platform/pagination.ts';
import { ctxOf } from '../auth/auth.plugin.ts';
import type { Workflows } from './index.ts';
import {
  createBody,
  decisionBody,
  executionSchema,
  hookParam,
  idParam,
  listQuery,
  pendingApprovalSchema,
  runBody,
  stepParam,
  templateSchema,
  updateBody,
  workflowSchema,
  workflowWithSecret,
} from './workflows.schema.ts';

export function workflowsRoutes(app: FastifyInstance, { workflows }: { workflows: Workflows }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['workflows'];

  r.get(
    '/api/v1/workflows/templates',
    {
      config: { permission: 'agents:read' },
      schema: {
        tags,
        summary: 'Built-in templates',
        response: { 200: z.object({ items: z.array(templateSchema) }) },
      },
    },
    async () => ({ items: workflows.templates() }),
  );

  r.post(
    '/api/v1/workflows',
    {
      config: { permission: 'agents:manage' },
      schema: {
        tags,
        summary: 'Create a workflow from steps and triggers, or from a template',
        body: createBody,
        response: { 201: workflowWithSecret },
      },
    },
    async (req, reply) => reply.status(201).send(await workflows.create(ctxOf(req), req.body)),
  );

  r.get(
    '/api/v1/workflows',
    {
      config: { permission: 'agents:read' },
      schema: {
        tags,
        summary: 'Workflows, newest first',
        querystring: listQuery,
        response: { 200: pageSchema(workflowSchema) },
      },
    },
    async (req) => workflows.list(ctxOf(req), req.query),
  );

  r.get(
    '/api/v1/workflows/:id',
    {
      config: { permission: 'agents:read' },
      schema: {
        tags,
        summary: 'One workflow (current version)',
        params: idParam,
        response: { 200: workflowSchema },
      },
    },
    async (req) => workflows.get(ctxOf(req), req.params.id),
  );

  r.patch(
    '/api/v1/workflows/:id',
    {
      config: { permission: 'agents:manage' },
      schema: {
        tags,
        summary: 'Update; new steps or triggers make a new version (running executions keep theirs)',
        params: idParam,
        body: updateBody,
        response: { 200: workflowWithSecret },
      },
    },
    async (req) => workflows.update(ctxOf(req), req.params.id, req.body),
  );

  r.delete(
    '/api/v1/workflows/:id',
    {
      config: { permission: 'agents:manage' },
      schema: { tags, summary: 'Delete; unfinished executions are cancelled', params: idParam },
    },
    async (req, reply) => {
      await workflows.remove(ctxOf(req), req.params.id);
      return reply.status(204).send();
    },
  );

  r.post(
    '/api/v1/workflows/:id/hook-secret',
    {
      config: { permission: 'agents:manage' },
      schema: {
        tags,
        summary: 'Rotate the webhook signing secret (shown once)',
        params: idParam,
        response: { 200: z.object({ hookId: z.string(), hookSecret: z.string() }) },
      },
    },
    async (req) => workflows.rotateHookSecret(ctxOf(req), req.params.id),
  );

  r.post(
    '/api/v1/workflows/:id/runs',
    {
      config: { permission: 'agents:run' },
      schema: {
        tags,
        summary: 'Run the workflow now; 202 with the execution, which runs on the queue',
        params: idParam,
        body: runBody,
        response: {
          202: z.object({ executionId: z.string(), replayed: z.boolean(), execution: executionSchema }),
        },
      },
    },
    async (req, reply) => reply.status(202).send(await workflows.run(ctxOf(req), req.params.id, req.body)),
  );

  r.get(
    '/api/v1/workflows/:id/runs',
    {
      config: { permission: 'agents:read' },
      schema: {
        tags,
        summary: 'Executions of the workflow, newest first',
        params: idParam,
        querystring: listQuery,
        response: { 200: pageSchema(executionSchema) },
      },
    },
    async (req) => workflows.listRuns(ctxOf(req), req.params.id, req.query),
  );

  r.get(
    '/api/v1/workflows/approvals',
    {
      config: { permission: 'agents:read' },
      schema: {
        tags,
        summary: 'Approval steps waiting for people across the workflows, newest first',
        querystring: listQuery,
        response: { 200: pageSchema(pendingApprovalSchema) },
      },
    },
    async (req) => workflows.pendingApprovals(ctxOf(req), req.query),
  );

  r.get(
    '/api/v1/workflows/executions/:id',
    {
      config: { permission: 'agents:read' },
      schema: {
        tags,
        summary: 'One execution with its step timeline',
        params: idParam,
        response: { 200: executionSchema },
      },
    },
    async (req) => workflows.getExecution(ctxOf(req), req.params.id),
  );

  r.post(
    '/api/v1/workflows/executions/:id/cancel',
    {
      config: { permission: 'agents:run' },
      schema: {
        tags,
        summary: 'Cancel: steps not started yet never run',
        params: idParam,
        response: { 200: executionSchema },
      },
    },
    async (req) => workflows.cancel(ctxOf(req), req.params.id),
  );

  for (const decision of ['approve', 'reject'] as const)
    r.post(
      `/api/v1/workflows/executions/:id/steps/:stepId/${decision}`,
      {
        config: { permission: 'actions:approve' },
        schema: {
          tags,
          summary:
            decision === 'approve'
              ? 'Approve a waiting step; the execution goes on'
              : 'Reject a waiting step; the execution fails',
          params: stepParam,
          body: decisionBody,
          response: { 200: executionSchema },
        },
      },
      async (req) =>
        workflows.decide(ctxOf(req), req.params.id, req.params.stepId, decision, req.body?.comment),
    );

  app.register(async (scope) => {
    // The signature covers the exact bytes sent: keep them, parse JSON ourselves.
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/api/v1/workflows/hooks/:hookId',
      {
        config: { auth: 'public' },
        schema: {
          tags,
          summary:
            'Signed inbound webhook: X-Omnify-Timestamp and X-Omnify-Signature (sha256=HMAC of "<timestamp>.<body>")',
          params: hookParam,
          // Called by a third party at a URL someone pasted: parameters it adds are ignored, not refused
          // (every other route refuses unknown query keys: installStrictQuerystrings).
          querystring: z.looseObject({}),
          response: { 202: z.object({ accepted: z.literal(true), executionId: z.string().nullable() }) },
        },
      },
      async (req, reply) =>
        reply.status(202).send(await workflows.receiveWebhook(req.params.hookId, req.headers, req.body)),
    );
  });
}
