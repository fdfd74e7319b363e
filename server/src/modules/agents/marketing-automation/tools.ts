/**
 * Marketing automation tools. Reads go to ORACLE, the catalog, analytics and the CRM; every change
 * is a proposal through `services.proposals.propose` with the agent as its source, so guardrails
 * and approvals decide what reaches a platform. Idempotency keys start with the run's id: a retried
 * run proposes nothing twice.
 */
import { z } from 'zod';
import { addDays } from '../../analytics/periods.ts';
import type { Proposal } from '../../proposals/index.ts';
import { campaignSpendInOwnCurrency } from '../agent-kit/campaign-spend.ts';
import { allPages, assertScope, orUnavailable } from '../agent-kit/period.ts';
import { defineTool, type ToolContext } from '../agents.definition.ts';

const id = z.string().min(1).max(64);

const proposalView = (p: Proposal, replayed: boolean) => ({
  proposalId: p.id,
  kind: p.kind,
  entityId: p.entityId,
  status: p.status,
  risk: p.risk,
  replayed,
  before: p.before,
  after: p.after,
  checks: p.checks.filter((c) => c.outcome !== 'pass').map((c) => ({ check: c.check, outcome: c.outcome })),
});

async function proposeAll<T>(
  tc: ToolContext,
  items: T[],
  build: (item: T) => Parameters<ToolContext['services']['proposals']['propose']>[1],
) {
  const out = [];
  for (const item of items) {
    const input = build(item);
    try {
      const { proposal, replayed } = await tc.services.proposals.propose(tc.ctx, input, {
        type: 'agent',
        agentId: tc.agentId,
      });
      out.push({ ok: true as const, ...proposalView(proposal, replayed) });
    } catch (e) {
      // One refused proposal (a stale entity, a contact without a CRM) must not lose the others.
      const err = e as { code?: string; message?: string };
      if (!err.code || err.code === 'internal') throw e;
      out.push({
        ok: false as const,
        entityId: input.campaignId ?? input.contactId ?? '',
        error: `${err.code}: ${err.message}`,
      });
    }
  }
  return out;
}

export const marketingTools = [
  defineTool({
    name: 'budget_allocation',
    description:
      "ORACLE's budget split across the campaigns of a client (or the organization) from fitted response curves: current and recommended daily spend per campaign, within ±maxChangePct.",
    input: z.strictObject({
      clientId: id.optional(),
      objective: z.enum(['conversions', 'revenue']).default('revenue'),
      maxChangePct: z.number().min(1).max(100).default(20),
      totalDailyBudgetMicros: z.number().int().positive().optional(),
    }),
    async run(i, tc) {
      await assertScope(tc, i);
      return orUnavailable(async () => {
        const a = await tc.services.oracle.allocate(tc.ctx, {
          clientId: i.clientId,
          level: 'campaign',
          objective: i.objective,
          maxChangePct: i.maxChangePct,
          totalDailyBudgetMicros: i.totalDailyBudgetMicros,
        });
        return {
          available: true as const,
          currency: a.currency,
          to: a.to,
          totals: {
            currentDailyMicros: a.totals.currentDailyMicros,
            recommendedDailyMicros: a.totals.recommendedDailyMicros,
            expectedGain: a.totals.expectedGain,
          },
          allocations: a.allocations,
          warnings: a.warnings,
          predictionId: a.predictionId,
        };
      });
    },
  }),
  defineTool({
    name: 'campaign_budgets',
    description:
      "Active campaigns of a client (or the organization) with their daily budgets and 28-day average daily spend, both in micros of the campaign's own currency (`currency`, its ad account's): `{ campaigns, warnings }`. `warnings` (fx_rate_missing, fx_rate_stale) name the campaigns whose spend lacks rows that could not be converted to their currency: their spend is short, say so.",
    input: z.strictObject({ clientId: id.optional(), asOf: z.string() }),
    async run(i, tc) {
      const { ctx, services } = tc;
      const campaigns = await allPages((cursor) =>
        services.catalog.listCampaigns(ctx, { clientId: i.clientId, status: 'active', limit: 500, cursor }),
      );
      // Spend in each campaign's currency, as its budget is: never the reporting currency's figure.
      const { spend, warnings } = await campaignSpendInOwnCurrency(tc, {
        from: addDays(i.asOf, -27),
        to: i.asOf,
        campaigns: campaigns.items,
      });
      return {
        campaigns: campaigns.items.map((c) => ({
          campaignId: c.id,
          name: c.name,
          platform: c.platform,
          clientId: c.clientId,
          currency: c.currency,
          dailyBudgetMicros: c.dailyBudgetMicros,
          avgDailySpendMicros: Math.round((spend.get(c.id)?.spendMicros ?? 0) / 28),
          roas28: spend.get(c.id)?.roas ?? null,
        })),
        // Spend left out (no rate to the campaign's currency) is said, never read as no spend.
        warnings,
      };
    },
  }),
  defineTool({
    name: 'propose_budget_changes',
    description:
      'Proposes budget changes (signed percent per campaign) as the agent; guardrails decide whether each applies at once or waits for approval.',
    input: z.strictObject({
      changes: z
        .array(
          z.strictObject({
            campaignId: id,
            percent: z.number().min(-90).max(500),
            reason: z.string().min(1).max(2000),
          }),
        )
        .max(50),
    }),
    async run(i, tc) {
      return proposeAll(tc, i.changes, (c) => ({
        kind: 'budget_change',
        campaignId: c.campaignId,
        percent: c.percent,
        reason: c.reason,
        idempotencyKey: `${tc.executionId}:budget:${c.campaignId}`,
      }));
    },
  }),
  defineTool({
    name: 'run_rules',
    description:
      'Runs the enabled automation rules of the organization now (or the given ones); their actions become proposals under guardrails.',
    input: z.strictObject({ ruleIds: z.array(id).max(20).optional() }),
    async run(i, tc) {
      const { ctx, services } = tc;
      const ids = i.ruleIds?.length
        ? i.ruleIds
        : (await services.rules.list(ctx, { enabled: 'true', limit: 20 })).items.map((r) => r.id);
      const out = [];
      for (const ruleId of ids) {
        const r = await services.rules.run(ctx, ruleId);
        out.push({
          ruleId,
          status: r.status,
          evaluated: r.evaluated,
          matched: r.matched,
          proposed: r.proposed,
          error: r.error,
        });
      }
      return out;
    },
  }),
  defineTool({
    name: 'leads_needing_follow_up',
    description:
      'CRM contacts of a client needing a follow-up: open opportunities untouched for staleDays, and recent contacts (lookbackDays) without any opportunity.',
    input: z.strictObject({
      clientId: id.optional(),
      asOf: z.string(),
      staleDays: z.number().int().min(1).max(90).default(3),
      lookbackDays: z.number().int().min(1).max(90).default(14),
      limit: z.number().int().min(1).max(50).default(10),
    }),
    async run(i, tc) {
      const { ctx, services } = tc;
      await assertScope(tc, i);
      const crm = services.catalog.crm;
      const [contacts, opportunities] = await Promise.all([
        allPages((cursor) => crm.listContacts(ctx, { clientId: i.clientId, limit: 1000, cursor })),
        allPages((cursor) => crm.listOpportunities(ctx, { clientId: i.clientId, limit: 1000, cursor })),
      ]);
      const staleBefore = `${addDays(i.asOf, -i.staleDays)}T23:59:59.999Z`;
      const since = addDays(i.asOf, -(i.lookbackDays - 1));
      const withOpp = new Set(opportunities.items.map((o) => `${o.connectionId}|${o.contactExternalId}`));
      const byExternal = new Map(contacts.items.map((c) => [`${c.connectionId}|${c.externalId}`, c]));
      const stale = opportunities.items
        .filter((o) => o.status === 'open' && o.platformUpdatedAt <= staleBefore)
        .flatMap((o) => {
          const c = byExternal.get(`${o.connectionId}|${o.contactExternalId}`);
          return c
            ? [
                {
                  contactId: c.id,
                  name: [c.firstName, c.lastName].filter(Boolean).join(' '),
                  reason: `open deal "${o.name}" untouched since ${o.platformUpdatedAt.slice(0, 10)}`,
                  since: o.platformUpdatedAt,
                },
              ]
            : [];
        });
      const fresh = contacts.items
        .filter(
          (c) =>
            c.platformCreatedAt.slice(0, 10) >= since &&
            c.platformCreatedAt.slice(0, 10) <= i.asOf &&
            !withOpp.has(`${c.connectionId}|${c.externalId}`),
        )
        .map((c) => ({
          contactId: c.id,
          name: [c.firstName, c.lastName].filter(Boolean).join(' '),
          reason: `new lead of ${c.platformCreatedAt.slice(0, 10)} without a deal`,
          since: c.platformCreatedAt,
        }));
      const all = [
        ...stale.sort((a, b) => a.since.localeCompare(b.since)),
        ...fresh.sort((a, b) => a.since.localeCompare(b.since)),
      ];
      return {
        total: all.length,
        staleDeals: stale.length,
        newLeads: fresh.length,
        items: all.slice(0, i.limit),
      };
    },
  }),
  defineTool({
    name: 'propose_crm_follow_ups',
    description:
      'Proposes, as the agent, enrolling CRM contacts in a GoHighLevel workflow or sending them an SMS or email; guardrails and approvals decide what is sent.',
    input: z.strictObject({
      contactIds: z.array(id).min(1).max(50),
      workflowId: z.string().min(1).max(100).optional(),
      message: z
        .strictObject({
          type: z.enum(['SMS', 'Email']),
          text: z.string().min(1).max(1600),
          subject: z.string().min(1).max(200).optional(),
        })
        .optional(),
      reason: z.string().min(1).max(2000),
    }),
    async run(i, tc) {
      if (!i.workflowId === !i.message)
        return [
          {
            ok: false as const,
            entityId: '',
            error: 'invalid_input: give exactly one of workflowId and message',
          },
        ];
      return proposeAll(tc, i.contactIds, (contactId) =>
        i.workflowId
          ? {
              kind: 'crm_enroll_workflow',
              contactId,
              workflowId: i.workflowId,
              reason: i.reason,
              idempotencyKey: `${tc.executionId}:crm:${contactId}:${i.workflowId}`,
            }
          : {
              kind: 'crm_send_message',
              contactId,
              type: i.message?.type,
              message: i.message?.text,
              ...(i.message?.subject ? { subject: i.message.subject } : {}),
              reason: i.reason,
              idempotencyKey: `${tc.executionId}:crm:${contactId}:message`,
            },
      );
    },
  }),
];
