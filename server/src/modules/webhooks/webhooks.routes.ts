/**
 * Inbound CRM webhooks. POST /api/v1/webhooks/gohighlevel verifies HighLevel's signature over the
 * raw body, finds the connection of the location that sent it, and schedules an incremental sync of
 * that connection (bursts coalesce into one run): the sync, not the webhook body, is the
 * source of truth, so a lost, repeated or out-of-order webhook changes nothing but freshness.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import type { Connections } from '../connections/connections.service.ts';
import type { Sync } from '../sync/sync.service.ts';

export function webhooksRoutes(app: FastifyInstance, deps: { connections: Connections; sync: Sync }) {
  app.register(async (scope) => {
    // The signature covers the exact bytes sent: keep them, parse JSON ourselves.
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    const r = scope.withTypeProvider<ZodTypeProvider>();
    r.post(
      '/api/v1/webhooks/gohighlevel',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['webhooks'],
          summary:
            'HighLevel webhook receiver (X-GHL-Signature Ed25519 or legacy X-WH-Signature RSA); schedules a sync of the location',
          // Called by a third party at a URL someone pasted: parameters it adds are ignored, not refused
          // (every other route refuses unknown query keys: installStrictQuerystrings).
          querystring: z.looseObject({}),
          response: { 202: z.object({ accepted: z.literal(true), syncScheduled: z.boolean() }) },
        },
      },
      async (req, reply) => {
        const raw = req.body as unknown;
        if (!Buffer.isBuffer(raw))
          throw new AppError('unsupported_media_type', 'Send the webhook as application/json');
        const def = deps.connections.definition('gohighlevel');
        const settings = { ...def.defaultSettings, ...deps.connections.settingsOverrides('gohighlevel') };
        if (!def.crm?.verifyWebhook(raw, req.headers, settings))
          throw new AppError('unauthenticated', 'Webhook signature is missing or invalid');
        let payload: { locationId?: unknown; type?: unknown };
        try {
          payload = JSON.parse(raw.toString('utf8')) as typeof payload;
        } catch {
          throw new AppError('invalid_input', 'The webhook body is not valid JSON');
        }
        const locationId = typeof payload.locationId === 'string' ? payload.locationId : undefined;
        if (!locationId) throw new AppError('invalid_input', 'The webhook has no locationId');
        const connection = await deps.connections.findByLocation('gohighlevel', locationId);
        if (!connection) return reply.status(202).send({ accepted: true, syncScheduled: false });
        const ctx = {
          organizationId: connection.organizationId,
          actor: { type: 'system' as const, id: 'webhook' },
          userId: null,
          role: 'owner' as const,
        };
        const scheduled = await deps.sync.startOnce(ctx, connection.id);
        return reply.status(202).send({ accepted: true, syncScheduled: scheduled });
      },
    );
  });
}
