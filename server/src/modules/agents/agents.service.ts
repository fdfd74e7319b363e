/** Agent rows of an organization: provisioning, listing and limit changes. */
import { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import { notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { AgentsTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import { type AgentKind, type AgentLimits, agentDefaults, agentKinds } from './agents.defaults.ts';

export const agentLimitsSchema = z.strictObject({
  maxSteps: z.number().int().min(1).max(200),
  maxTokensPerRun: z.number().int().min(0).max(2_000_000),
  maxRunSeconds: z.number().int().min(1).max(3600),
  maxConcurrentRuns: z.number().int().min(1).max(50),
  maxRunsPerDay: z.number().int().min(0).max(100_000),
  autoApproveBudgetChangePct: z.number().min(0).max(100),
});

export interface Agent {
  id: string;
  kind: AgentKind;
  name: string;
  enabled: boolean;
  limits: AgentLimits;
  createdAt: string;
  updatedAt: string;
}

const toAgent = (r: AgentsTable): Agent => ({
  id: r.id,
  kind: r.kind as AgentKind,
  name: r.name,
  enabled: r.enabled === 1,
  limits: JSON.parse(r.limits) as AgentLimits,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Each organization has one agent per kind, so the kind (`analytics`) works as an id. */
const byIdOrKind = (idOrKind: string) =>
  (agentKinds as readonly string[]).includes(idOrKind) ? ('kind' as const) : ('id' as const);

export function createAgents({ storage, audit, clock }: { storage: Storage; audit: Audit; clock: Clock }) {
  async function provisionDefaults(trx: Executor, organizationId: string) {
    const now = clock.now().toISOString();
    await trx
      .insertInto('agents')
      .values(
        agentKinds.map((kind) => ({
          id: newId('agent'),
          organization_id: organizationId,
          kind,
          name: agentDefaults[kind].name,
          enabled: 1,
          limits: JSON.stringify(agentDefaults[kind].limits),
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  }

  const list = (ctx: Ctx) =>
    storage.withTenant(ctx.organizationId, async (trx) =>
      (
        await trx
          .selectFrom('agents')
          .selectAll()
          .where('organization_id', '=', ctx.organizationId)
          .orderBy('kind')
          .execute()
      ).map(toAgent),
    );

  const get = (ctx: Ctx, id: string) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await trx
        .selectFrom('agents')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where(byIdOrKind(id), '=', id)
        .executeTakeFirst();
      if (!row) throw notFound('Agent', id);
      return toAgent(row);
    });

  async function update(ctx: Ctx, id: string, patch: { enabled?: boolean; limits?: Partial<AgentLimits> }) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await trx
        .selectFrom('agents')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where(byIdOrKind(id), '=', id)
        .executeTakeFirst();
      if (!row) throw notFound('Agent', id);
      const before = toAgent(row);
      const limits = agentLimitsSchema.parse({ ...before.limits, ...patch.limits });
      const enabled = patch.enabled ?? before.enabled;
      const now = clock.now().toISOString();
      await trx
        .updateTable('agents')
        .set({ limits: JSON.stringify(limits), enabled: enabled ? 1 : 0, updated_at: now })
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', row.id)
        .execute();
      await audit.recordFor(trx, ctx, {
        action: 'agents.updated',
        target: { type: 'agent', id: row.id },
        input: patch,
        metadata: { before: { enabled: before.enabled, limits: before.limits }, after: { enabled, limits } },
      });
      return { ...before, enabled, limits, updatedAt: now };
    });
  }

  return { provisionDefaults, list, get, update };
}

export type Agents = ReturnType<typeof createAgents>;
