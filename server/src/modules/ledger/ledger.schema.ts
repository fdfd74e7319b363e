/** Request and response schemas of the change ledger routes. */
import { z } from 'zod';
import { pageQuery } from '../../platform/pagination.ts';
import { sourceTypes, verdicts } from './ledger.model.ts';

const idSchema = z.string().trim().min(1).max(64);

export const listLedgerQuery = z.strictObject({
  sourceType: z
    .enum(sourceTypes)
    .optional()
    .describe('Who made the change: an agent, a rule, a workflow or a person'),
  sourceId: idSchema
    .optional()
    .describe('The agent kind or rule id (a person: the user id); needs sourceType'),
  entityId: idSchema.optional().describe('The campaign, ad group or ad changed'),
  verdict: z.enum(verdicts).optional().describe('The latest verdict (pending before the 7-day score)'),
  ...pageQuery,
});

export const summaryQuery = z.strictObject({
  sourceType: z.enum(sourceTypes).optional(),
  sourceId: idSchema.optional(),
});

export const entryParams = z.object({ id: idSchema });

const nullableNumber = z.number().nullable();

const totals = z.object({
  spendMicros: z.number(),
  conversions: z.number(),
  valueMicros: z.number(),
  days: z.number().int(),
});

const scoreSchema = z.object({
  horizonDays: z.number().int(),
  scoredAt: z.string(),
  verdict: z.enum(['helped', 'hurt', 'inconclusive']),
  reason: z.string(),
  metric: z
    .enum(['roas', 'cpa'])
    .nullable()
    .describe('ROAS when the unit had conversion value before, else CPA'),
  effectPct: nullableNumber.describe(
    'Estimated change of efficiency (ROAS, or conversions per unit of spend) against the untouched entities, %',
  ),
  loPct: nullableNumber.describe('Lower end of the 95% interval, %'),
  hiPct: nullableNumber.describe('Upper end of the 95% interval, %'),
  controls: z.number().int().describe('Comparable untouched entities used'),
  details: z.object({
    unit: z.object({ level: z.enum(['ad_account', 'campaign', 'ad_group']), id: z.string() }).nullable(),
    scope: z.enum(['client', 'organization']).nullable(),
    level: z.number(),
    windows: z.object({
      pre: z.tuple([z.string(), z.string()]),
      post: z.tuple([z.string(), z.string()]).nullable(),
      postDays: z.number().int(),
      cutBy: z.string().nullable(),
    }),
    treated: z.object({ pre: totals, post: totals }).nullable(),
    effect: z
      .object({
        metric: z.enum(['roas', 'cpa']),
        unit: z.enum(['ratio', 'micros']),
        currency: z.string(),
        before: z.number(),
        after: z.number(),
        expected: z.number(),
        difference: z.number(),
        incremental: z.number(),
        incrementalUnit: z.enum(['conversions', 'micros']),
      })
      .nullable(),
    volume: z.object({
      spendPct: nullableNumber,
      spendLoPct: nullableNumber,
      spendHiPct: nullableNumber,
      objectivePct: nullableNumber,
      objectiveLoPct: nullableNumber,
      objectiveHiPct: nullableNumber,
    }),
    controls: z.array(z.object({ unitId: z.string(), efficiencyChangePct: nullableNumber })),
  }),
});

export const entrySchema = z.object({
  id: z.string(),
  writeActionId: z.string(),
  proposalId: z.string().nullable(),
  source: z.object({ type: z.enum(sourceTypes), id: z.string().nullable() }),
  kind: z.enum(['budget_change', 'pause', 'enable']),
  level: z.enum(['campaign', 'ad_group', 'ad']),
  entityId: z.string(),
  entityName: z.string().nullable().describe("The entity's current name (null once it is gone)"),
  clientId: z.string().nullable(),
  platform: z.string(),
  before: z.record(z.string(), z.unknown()),
  after: z.record(z.string(), z.unknown()),
  changePct: nullableNumber.describe('Budget changes: the change of the daily budget, %'),
  appliedAt: z.string(),
  reverted: z.boolean(),
  revertedAt: z.string().nullable(),
  verdict: z.enum(verdicts),
  verdictHorizon: z.number().int().nullable(),
  effectPct: nullableNumber,
  scores: z.array(scoreSchema),
  pending: z.array(z.object({ horizonDays: z.number().int(), dueAfter: z.string() })),
  createdAt: z.string(),
});

const counts = z.object({
  total: z.number().int(),
  helped: z.number().int(),
  hurt: z.number().int(),
  inconclusive: z.number().int(),
  pending: z.number().int(),
});

export const summarySchema = counts.extend({
  sourceType: z.enum(sourceTypes).nullable(),
  sourceId: z.string().nullable(),
  reverted: z.number().int(),
  averageEffectPct: nullableNumber.describe('Mean estimated efficiency effect over the entries with one, %'),
  withEstimate: z.number().int(),
  byKind: z.record(z.string(), counts),
});
