/** The change ledger under /api/v1/ledger: applied changes, their scores, and each source's record. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { pageSchema } from '../../platform/pagination.ts';
import { ctxOf } from '../auth/auth.plugin.ts';
import { entryParams, entrySchema, listLedgerQuery, summaryQuery, summarySchema } from './ledger.schema.ts';
import type { Ledger } from './ledger.service.ts';

export function ledgerRoutes(app: FastifyInstance, { ledger }: { ledger: Ledger }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/ledger',
    {
      config: { permission: 'campaigns:read' },
      schema: {
        tags: ['ledger'],
        summary:
          'Applied changes with their 7- and 14-day scores (helped, hurt, inconclusive, pending), newest first',
        querystring: listLedgerQuery,
        response: { 200: pageSchema(entrySchema) },
      },
    },
    async (req) => ledger.list(ctxOf(req), req.query),
  );

  r.get(
    '/api/v1/ledger/summary',
    {
      config: { permission: 'campaigns:read' },
      schema: {
        tags: ['ledger'],
        summary:
          'The record of a rule, an agent or people (or the organization): verdict counts and average effect',
        querystring: summaryQuery,
        response: { 200: summarySchema },
      },
    },
    async (req) => ledger.summary(ctxOf(req), req.query),
  );

  r.get(
    '/api/v1/ledger/:id',
    {
      config: { permission: 'campaigns:read' },
      schema: {
        tags: ['ledger'],
        summary: 'One applied change with its scores, controls and estimated effect',
        params: entryParams,
        response: { 200: entrySchema },
      },
    },
    async (req) => ledger.get(ctxOf(req), req.params.id),
  );
}
