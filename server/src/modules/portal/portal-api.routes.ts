/**
 * The client portal's own API under /api/v1/portal: public branding and sign-in, then read-only
 * routes scoped to the client of the portal token (`config.auth: 'portal'`).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { originOf } from '../auth/auth.plugin.ts';
import type { Branding } from './branding.service.ts';
import { portalCtxOf } from './portal.plugin.ts';
import {
  campaignDetailSchema,
  campaignIdParam,
  campaignsSchema,
  meSchema,
  overviewSchema,
  periodQuery,
  portalAcceptBody,
  portalLoginBody,
  portalRefreshBody,
  portalSessionSchema,
  portalTokensSchema,
  publicBrandingQuery,
  publicBrandingSchema,
  reportQuery,
  reportSchema,
} from './portal.schema.ts';
import type { PortalAuth } from './portal-auth.service.ts';
import type { PortalData } from './portal-data.service.ts';

interface Deps {
  branding: Branding;
  portalAuth: PortalAuth;
  portalData: PortalData;
  loginRateLimitPerMinute: number;
}

export function portalApiRoutes(
  app: FastifyInstance,
  { branding, portalAuth, portalData, loginRateLimitPerMinute }: Deps,
) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const signIn = { rateLimit: { max: loginRateLimitPerMinute, timeWindow: '1 minute' } };
  const portal = { auth: 'portal' } as const;
  const tags = ['portal'];

  r.get(
    '/api/v1/portal/branding',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary:
          "A portal's branding before sign-in: by ?slug=, else by the request's host (a custom portal domain)",
        querystring: publicBrandingQuery,
        response: { 200: publicBrandingSchema },
      },
    },
    async (req) => branding.publicLookup({ slug: req.query.slug, host: req.hostname }),
  );

  r.post(
    '/api/v1/portal/auth/login',
    {
      config: { auth: 'public', ...signIn },
      schema: {
        tags,
        summary: 'Portal sign-in (email, password, and the portal slug when the address has several portals)',
        body: portalLoginBody,
        response: { 200: portalSessionSchema },
      },
    },
    async (req) => portalAuth.login(req.body, originOf(req)),
  );
  r.post(
    '/api/v1/portal/auth/accept',
    {
      config: { auth: 'public', ...signIn },
      schema: {
        tags,
        summary: 'Accept a portal invitation: choose a password and sign in',
        body: portalAcceptBody,
        response: { 201: portalSessionSchema },
      },
    },
    async (req, reply) => reply.status(201).send(await portalAuth.accept(req.body, originOf(req))),
  );
  r.post(
    '/api/v1/portal/auth/refresh',
    {
      config: { auth: 'public', ...signIn },
      schema: {
        tags,
        summary: 'Spend a portal refresh token for a new pair (a reused token ends the session)',
        body: portalRefreshBody,
        response: { 200: portalTokensSchema },
      },
    },
    async (req) => portalAuth.refresh(req.body.refreshToken, originOf(req)),
  );
  r.post(
    '/api/v1/portal/auth/logout',
    {
      config: portal,
      schema: { tags, summary: 'End this portal session', response: { 204: z.null() } },
    },
    async (req, reply) => {
      await portalAuth.logout(portalCtxOf(req));
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/v1/portal/me',
    {
      config: portal,
      schema: {
        tags,
        summary: 'The signed-in portal user, their client and its resolved branding',
        response: { 200: meSchema },
      },
    },
    async (req) => portalData.me(portalCtxOf(req)),
  );
  r.get(
    '/api/v1/portal/overview',
    {
      config: portal,
      schema: {
        tags,
        summary:
          "The client's KPIs over a window with the change against the window before, daily and by platform",
        querystring: periodQuery,
        response: { 200: overviewSchema },
      },
    },
    async (req) => portalData.overview(portalCtxOf(req), req.query),
  );
  r.get(
    '/api/v1/portal/campaigns',
    {
      config: portal,
      schema: {
        tags,
        summary: "The client's campaigns with their figures over the window, biggest spend first",
        querystring: periodQuery,
        response: { 200: campaignsSchema },
      },
    },
    async (req) => portalData.campaigns(portalCtxOf(req), req.query),
  );
  r.get(
    '/api/v1/portal/campaigns/:campaignId',
    {
      config: portal,
      schema: {
        tags,
        summary: "One of the client's campaigns with its daily figures (another client's campaign is 404)",
        params: campaignIdParam,
        querystring: periodQuery,
        response: { 200: campaignDetailSchema },
      },
    },
    async (req) => portalData.campaign(portalCtxOf(req), req.params.campaignId, req.query),
  );
  r.get(
    '/api/v1/portal/reports',
    {
      config: portal,
      schema: {
        tags,
        summary:
          'The monthly report: totals against the previous month, platforms, top campaigns, highlights',
        querystring: reportQuery,
        response: { 200: reportSchema },
      },
    },
    async (req) => portalData.report(portalCtxOf(req), req.query),
  );
}
