/**
 * What a rule is, as the API takes it: scope, conditions over metric windows with explicit units,
 * actions, schedule and cooldown. Checks that need more than a shape (units that fit the metric,
 * the cron's frequency, entities that exist) are in rules.validate.ts.
 */
import { z } from 'zod';
import { pageQuery } from '../../platform/pagination.ts';

export const metrics = [
  'spend',
  'impressions',
  'clicks',
  'conversions',
  'revenue',
  'ctr',
  'cpc',
  'cpa',
  'roas',
  'frequency',
] as const;
export type Metric = (typeof metrics)[number];
export const units = ['currency_micros', 'percent', 'count', 'ratio'] as const;
export type Unit = (typeof units)[number];
export const ops = ['>', '>=', '<', '<='] as const;
export type Op = (typeof ops)[number];
export const levels = ['campaign', 'ad_group', 'ad'] as const;
export type RuleLevel = (typeof levels)[number];

const id = z.string().min(1).max(64);

export const leafSchema = z.strictObject({
  metric: z.enum(metrics),
  window: z.strictObject({ days: z.number().int().min(1).max(90).describe('The last N days of data') }),
  op: z.enum(ops),
  value: z.number().min(-1e13).max(1e13),
  unit: z
    .enum(units)
    .describe(
      'Money in micros of the account currency; ctr and roas as ratio or percent; counts; frequency as ratio',
    ),
  compare: z
    .enum(['previous_window'])
    .optional()
    .describe('Compare the change in percent against the window before (unit must be percent)'),
});
export type Leaf = z.infer<typeof leafSchema>;

export const groupSchema = z.strictObject({
  match: z.enum(['all', 'any']).describe('all = AND, any = OR'),
  conditions: z.array(leafSchema).min(1).max(20),
});

/** A top-level AND/OR over conditions and one level of nested AND/OR groups. */
export const conditionsSchema = z.strictObject({
  match: z.enum(['all', 'any']),
  conditions: z
    .array(z.union([leafSchema, groupSchema]))
    .min(1)
    .max(20),
});
export type Conditions = z.infer<typeof conditionsSchema>;
export type Group = z.infer<typeof groupSchema>;

export const scopeSchema = z
  .strictObject({
    level: z.enum(levels),
    entityIds: z.array(id).min(1).max(500).optional().describe('These entities only'),
    clientId: id.optional().describe("Every entity of the level of this client's accounts"),
    campaignId: id.optional().describe('Every ad group or ad of this campaign'),
  })
  .describe(
    'What the rule watches; resolved at every run, so new children of a client or campaign are included. None of entityIds, clientId, campaignId: the whole organization',
  );
export type Scope = z.infer<typeof scopeSchema>;

export const actionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('pause') }),
  z.strictObject({ type: z.literal('enable') }),
  z.strictObject({
    type: z.literal('budget'),
    direction: z.enum(['increase', 'decrease']),
    percent: z.number().gt(0).max(1000).optional(),
    amountMicros: z.number().int().min(1).max(1e13).optional(),
  }),
  z.strictObject({
    type: z.literal('notify'),
    emails: z.array(z.email().max(254)).min(1).max(20).optional().describe('Default: owners and admins'),
    message: z.string().min(1).max(2000).optional(),
  }),
]);
export type RuleAction = z.infer<typeof actionSchema>;

export const scheduleSchema = z.strictObject({
  cron: z
    .string()
    .min(9)
    .max(100)
    .describe('Five-field cron in UTC; at most every 15 minutes (e.g. "*/15 * * * *", "0 8 * * *")'),
});

export const ruleBody = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().min(1).max(2000).optional(),
  enabled: z.boolean().optional(),
  scope: scopeSchema,
  conditions: conditionsSchema,
  actions: z.array(actionSchema).min(1).max(4),
  schedule: scheduleSchema,
  cooldownHours: z
    .number()
    .int()
    .min(0)
    .max(720)
    .optional()
    .describe('Hours before the rule acts on the same entity again (default 24)'),
});
export type RuleInput = z.infer<typeof ruleBody>;
export const rulePatch = ruleBody.partial().extend({
  description: z.string().min(1).max(2000).nullable().optional().describe('null removes the description'),
});
export type RulePatch = z.infer<typeof rulePatch>;

export const ruleView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  enabled: z.boolean(),
  scope: scopeSchema,
  conditions: conditionsSchema,
  actions: z.array(actionSchema),
  schedule: scheduleSchema,
  cooldownHours: z.number(),
  nextRunAt: z.string().nullable(),
  lastRunAt: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RuleView = z.infer<typeof ruleView>;

const leafResult = z.object({
  metric: z.string(),
  windowDays: z.number(),
  op: z.string(),
  threshold: z.number(),
  unit: z.string(),
  compare: z.string().nullable(),
  value: z.number().nullable(),
  matched: z.boolean(),
  nowcastAdjusted: z.boolean(),
});
export const entityEvaluation = z.object({
  entityId: z.string(),
  level: z.string(),
  name: z.string(),
  asOf: z.string().nullable(),
  matched: z.boolean(),
  skipped: z.string().nullable(),
  conditions: z.array(leafResult),
  actions: z.array(
    z.object({
      type: z.string(),
      outcome: z.string(),
      proposalId: z.string().nullable(),
      status: z.string().nullable(),
      detail: z.string().nullable(),
    }),
  ),
});
export const nowcastNote = z.object({
  used: z.boolean(),
  note: z.string(),
  accounts: z.array(
    z.object({ adAccountId: z.string(), adjusted: z.boolean(), lastDay: z.string().nullable() }),
  ),
});
export const runView = z.object({
  id: z.string(),
  ruleId: z.string(),
  trigger: z.string(),
  status: z.string(),
  evaluated: z.number(),
  matched: z.number(),
  proposed: z.number(),
  nowcast: nowcastNote.nullable(),
  entities: z.array(entityEvaluation),
  notifications: z.array(z.object({ to: z.array(z.string()), subject: z.string(), entities: z.number() })),
  error: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type RunView = z.infer<typeof runView>;

export const backtestBody = z.strictObject({
  days: z.number().int().min(1).max(90).describe('Replay the last N days, one evaluation per day'),
});
export const backtestView = z.object({
  ruleId: z.string(),
  from: z.string(),
  to: z.string(),
  nowcast: nowcastNote,
  note: z.string(),
  days: z.array(
    z.object({
      date: z.string(),
      evaluated: z.number(),
      matched: z.array(
        z.object({
          entityId: z.string(),
          name: z.string(),
          conditions: z.array(leafResult),
          wouldDo: z.array(z.object({ type: z.string(), detail: z.string() })),
        }),
      ),
    }),
  ),
  totals: z.object({
    daysWithMatches: z.number(),
    matches: z.number(),
    entities: z.number(),
    actions: z.record(z.string(), z.number()),
    skippedForCooldown: z.number(),
  }),
});
export type BacktestView = z.infer<typeof backtestView>;

export const listQuery = z.object({
  enabled: z.enum(['true', 'false']).optional(),
  ...pageQuery,
});
export const idParam = z.object({ id });
