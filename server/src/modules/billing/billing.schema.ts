import { z } from 'zod';
import { limitNames } from './billing.plans.ts';

const limit = z.number().int().nullable().describe('null: unlimited');
export const limitsSchema = z.object(
  Object.fromEntries(limitNames.map((n) => [n, limit])) as Record<(typeof limitNames)[number], typeof limit>,
);

export const billingSummarySchema = z.object({
  enabled: z
    .boolean()
    .describe('false on a self-hosted installation without Stripe: limits come from OMNIFY_LIMIT_*'),
  plan: z.object({ id: z.string(), name: z.string() }).nullable(),
  status: z
    .string()
    .describe(
      'self_hosted, trialing, trial_expired, or the Stripe subscription status (active, past_due, canceled, unpaid, …)',
    ),
  entitled: z.boolean().describe('Whether the plan limits apply; otherwise nothing new can be added'),
  trialEndsAt: z.string().nullable(),
  currentPeriodEnd: z.string().nullable(),
  cancelAtPeriodEnd: z.boolean(),
  hasSubscription: z.boolean(),
  limits: limitsSchema,
});

const usageItem = z.object({
  used: z.number().int(),
  allowed: z.number().int().nullable(),
  remaining: z.number().int().nullable(),
  overLimit: z
    .boolean()
    .describe('Above the plan (after a downgrade): nothing is removed, additions wait until it fits'),
});
export const usageSchema = billingSummarySchema.extend({
  period: z.string().describe('The calendar month (UTC) monthly limits count in, YYYY-MM'),
  usage: z.object(
    Object.fromEntries(limitNames.map((n) => [n, usageItem])) as Record<
      (typeof limitNames)[number],
      typeof usageItem
    >,
  ),
});

export const plansSchema = z.object({
  enabled: z.boolean(),
  defaultPlan: z.string(),
  trialDays: z.number().int(),
  items: z.array(
    z.object({ id: z.string(), name: z.string(), limits: limitsSchema, purchasable: z.boolean() }),
  ),
});

export const webhookResultSchema = z.object({
  received: z.literal(true),
  duplicate: z.boolean(),
  outcome: z.string(),
});
