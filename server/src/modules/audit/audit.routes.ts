/** GET /api/v1/audit (filtered, cursor-paginated) and GET /api/v1/audit/verify. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageQuery, pageSchema } from '../../platform/pagination.ts';
import { ctxOf } from '../auth/auth.plugin.ts';
import type { Audit } from './audit.service.ts';

const entrySchema = z.object({
  id: z.string(),
  seq: z.number(),
  actor: z.object({
    type: z.string(),
    id: z.string().nullable(),
    name: z
      .string()
      .nullable()
      .optional()
      .describe(
        "The actor's name now (a person's name or email, also after leaving the organization; a portal user's, API key's or agent's name); null for the system or an actor since deleted",
      ),
  }),
  action: z.string(),
  target: z
    .object({
      type: z.string(),
      id: z.string(),
      name: z
        .string()
        .nullable()
        .optional()
        .describe(
          "The target's name now: the organization's, a membership's person, an invitation's email, a client, connection, rule, workflow, agent, API key, ad account, campaign, ad group or ad by name; for a target since deleted, the name its entry kept (metadata.before.name); null when it has none (a session, a proposal)",
        ),
    })
    .nullable(),
  inputHash: z.string().nullable().describe('SHA-256 of the canonical JSON of the request input'),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
  hash: z.string(),
  prevHash: z.string(),
});

export const verifyResultSchema = z.object({
  organizationId: z.string(),
  ok: z.boolean(),
  checked: z.number(),
  firstProblem: z
    .object({
      seq: z.number(),
      id: z.string().nullable(),
      problem: z
        .string()
        .describe(
          'edited, deleted, reordered, truncated, inserted, downgraded (marked unkeyed after the keyed start, or head unsealed), head_modified (head seal does not match) or unknown_key (sealed with an audit key this server does not have)',
        ),
      message: z.string(),
    })
    .nullable(),
});

export function auditRoutes(app: FastifyInstance, { audit }: { audit: Audit }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/audit',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary: 'Audit trail of the organization, newest first',
        querystring: z.object({
          ...pageQuery,
          actorType: z.enum(['user', 'api_key', 'agent', 'system', 'portal_user']).optional(),
          actorId: z.string().max(64).optional(),
          action: z
            .string()
            .max(100)
            .optional()
            .describe('Exact action, or a prefix ending in .* (e.g. clients.*)'),
          targetType: z.string().max(50).optional(),
          targetId: z.string().max(64).optional(),
          from: z.iso.datetime().optional().describe('Inclusive start (ISO 8601)'),
          to: z.iso.datetime().optional().describe('Exclusive end (ISO 8601)'),
        }),
        response: { 200: pageSchema(entrySchema) },
      },
    },
    async (req) => {
      const q = req.query;
      const norm = (d?: string) => (d ? new Date(d).toISOString() : undefined);
      return audit.list(ctxOf(req).organizationId, { ...q, from: norm(q.from), to: norm(q.to) });
    },
  );

  r.get(
    '/api/v1/audit/verify',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary:
          "Verify the organization's keyed hash chain; reports the first edited, deleted, reordered or downgraded entry",
        response: { 200: verifyResultSchema },
      },
    },
    async (req) => audit.verify(ctxOf(req).organizationId),
  );
}
