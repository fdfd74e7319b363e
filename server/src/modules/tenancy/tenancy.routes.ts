/** Organizations, members, invitations, API keys and clients under /api/v1. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageQuery, pageSchema } from '../../platform/pagination.ts';
import type { Storage } from '../../storage/db.ts';
import { ctxOf, originOf } from '../auth/auth.plugin.ts';
import { nameSchema, organizationSchema } from '../auth/auth.schema.ts';
import { roles } from '../auth/permissions.ts';
import type { ApiKeys } from './api-keys.service.ts';
import { type Clients, clientStatuses } from './clients.service.ts';
import type { Invitations } from './invitations.service.ts';
import { currencySchema, type Organizations } from './organizations.service.ts';
import {
  apiKeySchema,
  clientSchema,
  createApiKeyBody,
  createClientBody,
  idParam,
  invitationSchema,
  memberSchema,
  updateClientBody,
  updateOrganizationBody,
} from './tenancy.schema.ts';

interface Deps {
  storage: Storage;
  organizations: Organizations;
  clients: Clients;
  invitations: Invitations;
  apiKeys: ApiKeys;
}

export function tenancyRoutes(
  app: FastifyInstance,
  { storage, organizations, clients, invitations, apiKeys }: Deps,
) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const noContent = { 204: z.null() };

  // Organizations
  r.post(
    '/api/v1/organizations',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['organizations'],
        summary: 'Create another organization owned by the signed-in user (with its seven default agents)',
        body: z.strictObject({ name: nameSchema, reportingCurrency: currencySchema.optional() }),
        response: { 201: organizationSchema },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      const userId = ctx.userId as string;
      const org = await storage.transaction((trx) =>
        organizations.create(trx, {
          name: req.body.name,
          reportingCurrency: req.body.reportingCurrency,
          ownerUserId: userId,
          actor: ctx.actor,
          origin: originOf(req),
        }),
      );
      return reply.status(201).send(org);
    },
  );

  r.get(
    '/api/v1/organization',
    {
      config: { permission: 'organization:read' },
      schema: {
        tags: ['organizations'],
        summary: 'The current organization',
        response: { 200: organizationSchema },
      },
    },
    async (req) => organizations.get(ctxOf(req)),
  );

  r.patch(
    '/api/v1/organization',
    {
      config: { permission: 'organization:update' },
      schema: {
        tags: ['organizations'],
        summary: 'Rename, set the reporting currency, or require MFA',
        body: updateOrganizationBody,
        response: { 200: organizationSchema },
      },
    },
    async (req) => organizations.update(ctxOf(req), req.body),
  );

  // Members
  r.get(
    '/api/v1/members',
    {
      config: { permission: 'members:read' },
      schema: {
        tags: ['members'],
        summary: 'Members of the current organization',
        response: { 200: z.object({ items: z.array(memberSchema) }) },
      },
    },
    async (req) => ({ items: await organizations.listMembers(ctxOf(req)) }),
  );

  r.patch(
    '/api/v1/members/:id',
    {
      config: { permission: 'members:manage' },
      schema: {
        tags: ['members'],
        summary: "Change a member's role (never above your own; an organization keeps at least one owner)",
        params: idParam,
        body: z.strictObject({ role: z.enum(roles) }),
        response: { 200: z.object({ id: z.string(), userId: z.string(), role: z.enum(roles) }) },
      },
    },
    async (req) => organizations.changeRole(ctxOf(req), req.params.id, req.body.role),
  );

  r.delete(
    '/api/v1/members/:id',
    {
      config: { permission: 'members:manage' },
      schema: {
        tags: ['members'],
        summary:
          'Remove a member; their sessions in this organization end and the API keys they created here are revoked',
        params: idParam,
        response: noContent,
      },
    },
    async (req, reply) => {
      await organizations.removeMember(ctxOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );

  // Invitations
  r.get(
    '/api/v1/invitations',
    {
      config: { permission: 'invitations:read' },
      schema: {
        tags: ['invitations'],
        summary: 'Invitations of the current organization',
        response: { 200: z.object({ items: z.array(invitationSchema) }) },
      },
    },
    async (req) => ({ items: await invitations.list(ctxOf(req)) }),
  );

  r.post(
    '/api/v1/invitations',
    {
      config: { permission: 'invitations:manage' },
      schema: {
        tags: ['invitations'],
        summary: 'Invite someone by email with a role; valid 7 days. The token is returned once and mailed',
        description:
          'Inviting an address that already has a pending invitation replaces it: the earlier link stops working. `replaced` names that invitation (null when there was none); the audit log records it as `invitations.revoked` (`metadata.reason: "replaced"`, `replacedBy`) and in the new invitation\'s `invitations.created` entry (`metadata.replaced`).',
        body: z.strictObject({ email: z.email().max(254), role: z.enum(roles) }),
        response: {
          201: invitationSchema.extend({
            token: z.string(),
            acceptUrl: z
              .string()
              .describe(
                'The link mailed to the invitee (shown once): share it yourself if mail is not set up',
              ),
            replaced: z
              .object({ id: z.string(), role: z.enum(roles), createdAt: z.string(), expiresAt: z.string() })
              .nullable()
              .describe(
                'The pending invitation to the same address that this one replaced (its link no longer works)',
              ),
          }),
        },
      },
    },
    async (req, reply) => reply.status(201).send(await invitations.create(ctxOf(req), req.body)),
  );

  r.delete(
    '/api/v1/invitations/:id',
    {
      config: { permission: 'invitations:manage' },
      schema: {
        tags: ['invitations'],
        summary: 'Revoke a pending invitation',
        params: idParam,
        response: { 200: invitationSchema },
      },
    },
    async (req) => invitations.revoke(ctxOf(req), req.params.id),
  );

  r.post(
    '/api/v1/invitations/lookup',
    {
      config: { auth: 'public', rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags: ['invitations'],
        summary:
          'What an invitation link offers (organization, address, role, status), for the page it opens; 404 for an unknown token',
        body: z.strictObject({ token: z.string().min(10).max(200) }),
        response: {
          200: z.object({
            organizationName: z.string(),
            email: z.string(),
            role: z.enum(roles),
            status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
            expiresAt: z.string(),
          }),
        },
      },
    },
    async (req) => invitations.lookup(req.body.token),
  );

  r.post(
    '/api/v1/invitations/accept',
    {
      config: { auth: 'user', allowDuringMfaEnrollment: true },
      schema: {
        tags: ['invitations'],
        summary: 'Accept an invitation as the signed-in user (the invitation email must match)',
        body: z.strictObject({ token: z.string().min(10).max(200) }),
        response: {
          200: z.object({ organizationId: z.string(), role: z.enum(roles), membershipId: z.string() }),
        },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      return storage.transaction(async (trx) => {
        const user = await trx
          .selectFrom('users')
          .select(['id', 'email'])
          .where('id', '=', ctx.userId as string)
          .executeTakeFirstOrThrow();
        return invitations.acceptWith(trx, req.body.token, user, originOf(req));
      });
    },
  );

  // API keys
  r.get(
    '/api/v1/api-keys',
    {
      config: { permission: 'api_keys:read' },
      schema: {
        tags: ['api-keys'],
        summary: 'API keys of the organization (never their secrets)',
        response: { 200: z.object({ items: z.array(apiKeySchema) }) },
      },
    },
    async (req) => ({ items: await apiKeys.list(ctxOf(req)) }),
  );

  r.post(
    '/api/v1/api-keys',
    {
      config: { permission: 'api_keys:manage' },
      schema: {
        tags: ['api-keys'],
        summary:
          'Create a scoped API key; the secret is in this response only. Use it as X-Api-Key or Bearer',
        body: createApiKeyBody,
        response: { 201: apiKeySchema.extend({ secret: z.string() }) },
      },
    },
    async (req, reply) => reply.status(201).send(await apiKeys.create(ctxOf(req), req.body)),
  );

  r.delete(
    '/api/v1/api-keys/:id',
    {
      config: { permission: 'api_keys:manage' },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key (immediately)',
        params: idParam,
        response: { 200: apiKeySchema },
      },
    },
    async (req) => apiKeys.revoke(ctxOf(req), req.params.id),
  );

  // Clients
  r.get(
    '/api/v1/clients',
    {
      config: { permission: 'clients:read' },
      schema: {
        tags: ['clients'],
        summary: 'List clients, newest first',
        querystring: z.object({
          ...pageQuery,
          status: z.enum(clientStatuses).optional(),
          q: z.string().max(200).optional().describe('Search name, email, company'),
        }),
        response: { 200: pageSchema(clientSchema) },
      },
    },
    async (req) => clients.list(ctxOf(req), req.query),
  );

  r.post(
    '/api/v1/clients',
    {
      config: { permission: 'clients:write' },
      schema: {
        tags: ['clients'],
        summary: 'Create a client (email unique within the organization)',
        body: createClientBody,
        response: { 201: clientSchema },
      },
    },
    async (req, reply) => reply.status(201).send(await clients.create(ctxOf(req), req.body)),
  );

  r.get(
    '/api/v1/clients/:id',
    {
      config: { permission: 'clients:read' },
      schema: { tags: ['clients'], summary: 'One client', params: idParam, response: { 200: clientSchema } },
    },
    async (req) => clients.get(ctxOf(req), req.params.id),
  );

  r.patch(
    '/api/v1/clients/:id',
    {
      config: { permission: 'clients:write' },
      schema: {
        tags: ['clients'],
        summary: 'Change a client',
        params: idParam,
        body: updateClientBody,
        response: { 200: clientSchema },
      },
    },
    async (req) => clients.update(ctxOf(req), req.params.id, req.body),
  );

  r.delete(
    '/api/v1/clients/:id',
    {
      config: { permission: 'clients:delete' },
      schema: { tags: ['clients'], summary: 'Delete a client', params: idParam, response: noContent },
    },
    async (req, reply) => {
      await clients.remove(ctxOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
}
