/** Read-only browsing of the unified model: /api/v1/ad-accounts, campaigns, ad-groups, ads, crm/*. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { pageSchema } from '../../platform/pagination.ts';
import { ctxOf } from '../auth/auth.plugin.ts';
import {
  adAccountSchema,
  adAccountsQuery,
  adDetailSchema,
  adGroupDetailSchema,
  adGroupSchema,
  adGroupsQuery,
  adSchema,
  adsQuery,
  campaignDetailSchema,
  campaignSchema,
  campaignsQuery,
  contactSchema,
  contactsQuery,
  idParam,
  opportunitiesQuery,
  opportunitySchema,
} from './catalog.schema.ts';
import type { Catalog } from './catalog.service.ts';
import type { Crm } from './crm.service.ts';

export function catalogRoutes(app: FastifyInstance, { catalog }: { catalog: Catalog & { crm: Crm } }) {
  const { crm } = catalog;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const read = { permission: 'campaigns:read' } as const;

  r.get(
    '/api/v1/ad-accounts',
    {
      config: read,
      schema: {
        tags: ['catalog'],
        summary: 'Ad accounts of every connection, newest first',
        querystring: adAccountsQuery,
        response: { 200: pageSchema(adAccountSchema) },
      },
    },
    async (req) => catalog.listAdAccounts(ctxOf(req), req.query),
  );
  r.get(
    '/api/v1/ad-accounts/:id',
    {
      config: read,
      schema: {
        tags: ['catalog'],
        summary: 'One ad account',
        params: idParam,
        response: { 200: adAccountSchema },
      },
    },
    async (req) => catalog.getAdAccount(ctxOf(req), req.params.id),
  );

  r.get(
    '/api/v1/campaigns',
    {
      config: read,
      schema: {
        tags: ['catalog'],
        summary: 'Campaigns of every platform, newest first',
        querystring: campaignsQuery,
        response: { 200: pageSchema(campaignSchema) },
      },
    },
    async (req) => catalog.listCampaigns(ctxOf(req), req.query),
  );
  r.get(
    '/api/v1/campaigns/:id',
    {
      config: read,
      schema: {
        tags: ['catalog'],
        summary: 'One campaign, with its account name and how many ad groups and ads it has',
        params: idParam,
        response: { 200: campaignDetailSchema },
      },
    },
    async (req) => catalog.getCampaign(ctxOf(req), req.params.id),
  );

  r.get(
    '/api/v1/ad-groups',
    {
      config: read,
      schema: {
        tags: ['catalog'],
        summary: 'Ad groups (ad sets on Meta), newest first',
        querystring: adGroupsQuery,
        response: { 200: pageSchema(adGroupSchema) },
      },
    },
    async (req) => catalog.listAdGroups(ctxOf(req), req.query),
  );
  r.get(
    '/api/v1/ad-groups/:id',
    {
      config: read,
      schema: {
        tags: ['catalog'],
        summary: 'One ad group',
        params: idParam,
        response: { 200: adGroupDetailSchema },
      },
    },
    async (req) => catalog.getAdGroup(ctxOf(req), req.params.id),
  );

  r.get(
    '/api/v1/ads',
    {
      config: read,
      schema: {
        tags: ['catalog'],
        summary: 'Ads with their creatives, newest first',
        querystring: adsQuery,
        response: { 200: pageSchema(adSchema) },
      },
    },
    async (req) => catalog.listAds(ctxOf(req), req.query),
  );
  r.get(
    '/api/v1/ads/:id',
    {
      config: read,
      schema: {
        tags: ['catalog'],
        summary: 'One ad with its creative',
        params: idParam,
        response: { 200: adDetailSchema },
      },
    },
    async (req) => catalog.getAd(ctxOf(req), req.params.id),
  );

  // CRM records are the clients' leads: readable by whoever may read clients.
  r.get(
    '/api/v1/crm/contacts',
    {
      config: { permission: 'clients:read' },
      schema: {
        tags: ['crm'],
        summary: 'CRM contacts, newest first; filter by click ids to find ad-sourced leads',
        querystring: contactsQuery,
        response: { 200: pageSchema(contactSchema) },
      },
    },
    async (req) => crm.listContacts(ctxOf(req), req.query),
  );
  r.get(
    '/api/v1/crm/opportunities',
    {
      config: { permission: 'clients:read' },
      schema: {
        tags: ['crm'],
        summary: 'CRM opportunities (deals), newest first',
        querystring: opportunitiesQuery,
        response: { 200: pageSchema(opportunitySchema) },
      },
    },
    async (req) => crm.listOpportunities(ctxOf(req), req.query),
  );
}
