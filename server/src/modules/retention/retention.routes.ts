/** Retention policy of the organization. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ctxOf } from '../auth/auth.plugin.ts';
import { type Retention, retentionPolicySchema } from './retention.service.ts';

export function retentionRoutes(app: FastifyInstance, { retention }: { retention: Retention }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/retention',
    {
      config: { permission: 'retention:read' },
      schema: {
        tags: ['retention'],
        summary: 'How long audit entries, executions and daily metrics are kept (days)',
        response: { 200: retentionPolicySchema },
      },
    },
    async (req) => retention.get(ctxOf(req)),
  );
  r.put(
    '/api/v1/retention',
    {
      config: { permission: 'retention:manage' },
      schema: {
        tags: ['retention'],
        summary: 'Set the retention policy (audit at least 365 days); a nightly job purges what is older',
        body: retentionPolicySchema,
        response: { 200: retentionPolicySchema },
      },
    },
    async (req) => retention.update(ctxOf(req), req.body),
  );
}
