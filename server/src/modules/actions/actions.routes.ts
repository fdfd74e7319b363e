/**
 * /api/v1/write-backs: the low-level path that changes a platform (pause, enable, budget) directly,
 * with an idempotency key and a before/after snapshot, bypassing guardrails and approvals. People,
 * agents and rules propose through /api/v1/actions instead (proposals module); this route is for
 * owners and admins (the ones who may change the guardrails anyway) and for reading the write-back a
 * proposal applied (`appliedActionId`, `revertActionId`).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageQuery, pageSchema } from '../../platform/pagination.ts';
import { ctxOf } from '../auth/auth.plugin.ts';
import type { Actions } from './actions.service.ts';
import { isReservedKey } from './keys.ts';

const actionSchema = z.object({
  id: z.string(),
  type: z.string(),
  level: z.string(),
  entityId: z.string(),
  externalId: z.string(),
  status: z.enum(['pending', 'applied', 'failed', 'unknown']),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  requested: z
    .record(z.string(), z.unknown())
    .describe('What was asked for (status, dailyBudgetMicros…), whether or not it happened'),
  proposal: z
    .object({ id: z.string(), role: z.enum(['apply', 'revert']) })
    .nullable()
    .describe('The proposal this write-back applied or reverted; null for a direct write-back'),
  ledgerEntryId: z
    .string()
    .nullable()
    .describe('The change-ledger entry recording it (applied write-backs; null in the POST answer)'),
  error: z.string().nullable(),
  createdAt: z.string(),
  appliedAt: z.string().nullable(),
});

const key = z
  .string()
  .min(8)
  .max(200)
  // Proposals key their write-backs `proposal:<id>` and `revert:<id>`; the reconciler finds a
  // write-back's proposal by that key, so callers of this route may not use those prefixes.
  .refine((k) => !isReservedKey(k), {
    message: 'Keys starting with proposal: or revert: are reserved for proposals',
  })
  .describe('Your unique key for this change: a repeat returns the first result');

export function actionsRoutes(app: FastifyInstance, { actions }: { actions: Actions }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/api/v1/write-backs',
    {
      config: { permission: 'guardrails:manage' },
      schema: {
        tags: ['write-backs'],
        summary:
          'Low level: pause or enable an ad, ad group or campaign, or change a daily budget, on the platform at once, without guardrails (propose through /api/v1/actions instead)',
        body: z.discriminatedUnion('type', [
          z.strictObject({
            type: z.literal('set_status'),
            level: z.enum(['campaign', 'ad_group', 'ad']),
            entityId: z.string().min(1).max(64),
            status: z.enum(['active', 'paused']),
            idempotencyKey: key,
          }),
          z.strictObject({
            type: z.literal('set_daily_budget'),
            level: z.enum(['campaign', 'ad_group']),
            entityId: z.string().min(1).max(64),
            dailyBudgetMicros: z
              .number()
              .int()
              .min(1)
              .max(1e13)
              .describe('Above 0: no platform takes a daily budget of 0 (pause instead)'),
            idempotencyKey: key,
          }),
        ]),
        response: { 200: z.object({ action: actionSchema, replayed: z.boolean() }) },
      },
    },
    async (req) => actions.apply(ctxOf(req), req.body),
  );

  r.get(
    '/api/v1/write-backs',
    {
      config: { permission: 'campaigns:read' },
      schema: {
        tags: ['write-backs'],
        summary:
          "The organization's platform write-backs, newest first; status=unknown lists the interrupted ones the reconciler could not settle, for a person to check on the platform",
        querystring: z.strictObject({
          status: z.enum(['pending', 'applied', 'failed', 'unknown']).optional(),
          entityId: z.string().min(1).max(64).optional().describe('The campaign, ad group or ad'),
          ...pageQuery,
        }),
        response: { 200: pageSchema(actionSchema) },
      },
    },
    async (req) => actions.list(ctxOf(req), req.query),
  );

  r.get(
    '/api/v1/write-backs/:id',
    {
      config: { permission: 'campaigns:read' },
      schema: {
        tags: ['write-backs'],
        summary: 'One platform write-back with its before/after snapshot',
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: actionSchema },
      },
    },
    async (req) => actions.get(ctxOf(req), req.params.id),
  );
}
