/**
 * /api/v1/actions (proposed actions; the module is called proposals): propose a change (guardrails decide: applied at once, waiting for approval, or
 * blocked), list and read proposals, approve, reject, revert; /api/v1/guardrails: the policy.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageSchema } from '../../platform/pagination.ts';
import { ctxOf } from '../auth/auth.plugin.ts';
import type { Proposals } from './index.ts';
import {
  decisionBody,
  idParam,
  listQuery,
  policyBody,
  policyQuery,
  policyView,
  proposalSchema,
  proposeBody,
  revertBody,
} from './proposals.schema.ts';

export function proposalsRoutes(app: FastifyInstance, { proposals }: { proposals: Proposals }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['actions'];

  r.post(
    '/api/v1/actions',
    {
      config: { permission: 'campaigns:write' },
      schema: {
        tags,
        summary: 'Propose a budget change, pause or enable; applied at once if within the guardrails',
        body: proposeBody,
        response: { 201: z.object({ proposal: proposalSchema, replayed: z.boolean() }) },
      },
    },
    async (req, reply) => reply.status(201).send(await proposals.propose(ctxOf(req), req.body)),
  );

  r.get(
    '/api/v1/actions',
    {
      config: { permission: 'campaigns:read' },
      schema: {
        tags,
        summary: 'Proposals, newest first',
        querystring: listQuery,
        response: { 200: pageSchema(proposalSchema) },
      },
    },
    async (req) => proposals.list(ctxOf(req), req.query),
  );

  r.get(
    '/api/v1/actions/:id',
    {
      config: { permission: 'campaigns:read' },
      schema: {
        tags,
        summary: 'One proposal with its checks',
        params: idParam,
        response: { 200: proposalSchema },
      },
    },
    async (req) => proposals.get(ctxOf(req), req.params.id),
  );

  r.post(
    '/api/v1/actions/:id/approve',
    {
      config: { permission: 'actions:approve' },
      schema: {
        tags,
        summary: 'Approve; the last required approval applies the change',
        params: idParam,
        body: decisionBody,
        response: { 200: proposalSchema },
      },
    },
    async (req) => proposals.approve(ctxOf(req), req.params.id, req.body?.comment ?? null),
  );

  r.post(
    '/api/v1/actions/:id/reject',
    {
      config: { permission: 'actions:approve' },
      schema: {
        tags,
        summary: 'Reject',
        params: idParam,
        body: decisionBody,
        response: { 200: proposalSchema },
      },
    },
    async (req) => proposals.reject(ctxOf(req), req.params.id, req.body?.comment ?? null),
  );

  r.post(
    '/api/v1/actions/:id/revert',
    {
      config: { permission: 'actions:approve' },
      schema: {
        tags,
        summary: 'Restore the snapshot taken when the proposal was applied',
        params: idParam,
        body: revertBody,
        response: { 200: proposalSchema },
      },
    },
    async (req) =>
      proposals.revert(ctxOf(req), req.params.id, req.body?.force ?? false, req.body?.comment ?? null),
  );

  r.get(
    '/api/v1/guardrails',
    {
      config: { permission: 'campaigns:read' },
      schema: {
        tags,
        summary: "The guardrail policy in force (the organization's, or a client's with its overrides)",
        querystring: policyQuery,
        response: { 200: policyView },
      },
    },
    async (req) => proposals.policies.get(ctxOf(req), req.query.clientId ?? null),
  );

  r.put(
    '/api/v1/guardrails',
    {
      config: { permission: 'guardrails:manage' },
      schema: {
        tags,
        summary: "Store the organization's guardrail settings, or a client's overrides",
        body: policyBody,
        response: { 200: policyView },
      },
    },
    async (req) => proposals.policies.put(ctxOf(req), req.body.clientId ?? null, req.body.settings),
  );
}
