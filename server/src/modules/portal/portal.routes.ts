/**
 * Agency-side routes of the portal: branding of the organization and of each client, and the
 * portal users of a client. Normal agency authentication and permissions.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ctxOf } from '../auth/auth.plugin.ts';
import type { Branding } from './branding.service.ts';
import {
  brandingBody,
  brandingSettingsSchema,
  clientIdParam,
  inviteBody,
  portalUserParams,
  portalUserSchema,
} from './portal.schema.ts';
import type { PortalUsers } from './portal-users.service.ts';

export function brandingRoutes(
  app: FastifyInstance,
  { branding, portalUsers }: { branding: Branding; portalUsers: PortalUsers },
) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/branding',
    {
      config: { permission: 'organization:read' },
      schema: {
        tags: ['portal'],
        summary: "The organization's portal branding (null fields fall back to Omnify's defaults)",
        response: { 200: brandingSettingsSchema },
      },
    },
    async (req) => branding.get(ctxOf(req), null),
  );
  r.put(
    '/api/v1/branding',
    {
      config: { permission: 'organization:update' },
      schema: {
        tags: ['portal'],
        summary:
          "Set the organization's portal branding: the fields sent change, null clears one; logos are PNG, JPEG or safe SVG up to 100 KB",
        body: brandingBody,
        response: { 200: brandingSettingsSchema },
      },
    },
    async (req) => branding.put(ctxOf(req), null, req.body),
  );
  r.get(
    '/api/v1/clients/:clientId/branding',
    {
      config: { permission: 'clients:read' },
      schema: {
        tags: ['portal'],
        summary: "A client's branding overrides (null fields inherit the organization's)",
        params: clientIdParam,
        response: { 200: brandingSettingsSchema },
      },
    },
    async (req) => branding.get(ctxOf(req), req.params.clientId),
  );
  r.put(
    '/api/v1/clients/:clientId/branding',
    {
      config: { permission: 'clients:write' },
      schema: {
        tags: ['portal'],
        summary: "Set a client's branding overrides (same fields as /branding, without portalDomain)",
        params: clientIdParam,
        body: brandingBody,
        response: { 200: brandingSettingsSchema },
      },
    },
    async (req) => branding.put(ctxOf(req), req.params.clientId, req.body),
  );

  r.get(
    '/api/v1/clients/:clientId/portal-users',
    {
      config: { permission: 'clients:read' },
      schema: {
        tags: ['portal'],
        summary: 'People of this client with access to its portal, newest first',
        params: clientIdParam,
        response: { 200: z.object({ items: z.array(portalUserSchema) }) },
      },
    },
    async (req) => ({ items: await portalUsers.list(ctxOf(req), req.params.clientId) }),
  );
  r.post(
    '/api/v1/clients/:clientId/portal-users',
    {
      config: { permission: 'clients:write' },
      schema: {
        tags: ['portal'],
        summary:
          "Invite someone to this client's read-only portal: an email with a link to choose a password (7 days)",
        params: clientIdParam,
        body: inviteBody,
        response: { 201: portalUserSchema },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await portalUsers.invite(ctxOf(req), req.params.clientId, req.body)),
  );
  r.delete(
    '/api/v1/clients/:clientId/portal-users/:portalUserId',
    {
      config: { permission: 'clients:write' },
      schema: {
        tags: ['portal'],
        summary: 'Revoke portal access: the invitation link stops working and every session ends now',
        params: portalUserParams,
        response: { 200: portalUserSchema },
      },
    },
    async (req) => portalUsers.revoke(ctxOf(req), req.params.clientId, req.params.portalUserId),
  );
}
