/**
 * Stored guardrail policies: one per organization (client_id '') and optional overrides per client.
 * A stored policy holds only the settings someone chose; the rest fall back to the defaults (for
 * the organization) or to the organization's policy (for a client), so new settings get defaults.
 */
import type { Clock } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import { ulid } from '../../platform/ids.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import { assertOwned } from '../../storage/owned.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import { defaultPolicy, type Policy, policySchema, roleMayApprove } from './proposals.policy.ts';

export interface PolicyView {
  clientId: string | null;
  /** The policy in force: defaults, then the organization's settings, then the client's. */
  policy: Policy;
  /** Only the settings stored at this level. */
  settings: Partial<Policy>;
  updatedAt: string | null;
  updatedBy: string | null;
}

const partial = policySchema.partial();

async function stored(trx: Executor, org: string, clientId: string) {
  const row = await trx
    .selectFrom('proposal_policies')
    .selectAll()
    .where('organization_id', '=', org)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  // Parsed leniently: a setting an older version stored and this one no longer knows is dropped.
  const settings = row ? (partial.strip().safeParse(JSON.parse(row.policy)).data ?? {}) : {};
  return { row, settings: settings as Partial<Policy> };
}

/** The policy in force for an entity of `clientId` (null: no client). */
export async function effectivePolicy(trx: Executor, org: string, clientId: string | null): Promise<Policy> {
  const base = { ...defaultPolicy, ...(await stored(trx, org, '')).settings };
  return clientId ? { ...base, ...(await stored(trx, org, clientId)).settings } : base;
}

/**
 * Who may decide an approval, for proposals and for workflow approval steps alike: a person (or
 * their API key), not an agent or the system, whose role is at least the policy's `approverRole`
 * (the client's override when `clientId` is set). 403 `forbidden` otherwise, with
 * `details.requiredRole`. Returns the policy in force, for its other approval settings.
 */
export async function assertMayApprove(
  trx: Executor,
  ctx: Ctx,
  clientId: string | null,
  what = 'proposals',
): Promise<Policy> {
  if (ctx.actor.type === 'agent' || ctx.actor.type === 'system')
    throw new AppError('forbidden', `Only people (or their API keys) approve ${what}`, {
      actorType: ctx.actor.type,
    });
  const policy = await effectivePolicy(trx, ctx.organizationId, clientId);
  if (!roleMayApprove(ctx.role, policy.approverRole))
    throw new AppError(
      'forbidden',
      `Approving needs the role ${policy.approverRole} or above; you are ${ctx.role}`,
      { requiredRole: policy.approverRole, role: ctx.role },
    );
  return policy;
}

export function createPolicies({ storage, audit, clock }: { storage: Storage; audit: Audit; clock: Clock }) {
  async function view(trx: Executor, org: string, clientId: string | null): Promise<PolicyView> {
    const { row, settings } = await stored(trx, org, clientId ?? '');
    return {
      clientId,
      policy: await effectivePolicy(trx, org, clientId),
      settings,
      updatedAt: row?.updated_at ?? null,
      updatedBy: row?.updated_by ?? null,
    };
  }

  const get = (ctx: Ctx, clientId: string | null) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      if (clientId) await assertOwned(trx, ctx.organizationId, 'client', clientId);
      return view(trx, ctx.organizationId, clientId);
    });

  /** Replaces the settings stored at one level (organization or client); audited with before and after. */
  const put = (ctx: Ctx, clientId: string | null, settings: Partial<Policy>) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      const org = ctx.organizationId;
      if (clientId) await assertOwned(trx, org, 'client', clientId);
      const before = await view(trx, org, clientId);
      const now = clock.now().toISOString();
      const values = { policy: JSON.stringify(settings), updated_by: ctx.actor.id, updated_at: now };
      if (before.updatedAt === null)
        await trx
          .insertInto('proposal_policies')
          .values({ id: `pol_${ulid()}`, organization_id: org, client_id: clientId ?? '', ...values })
          .execute();
      else
        await trx
          .updateTable('proposal_policies')
          .set(values)
          .where('organization_id', '=', org)
          .where('client_id', '=', clientId ?? '')
          .execute();
      const after = await view(trx, org, clientId);
      await audit.recordFor(trx, ctx, {
        action: 'guardrails.updated',
        target: clientId ? { type: 'client', id: clientId } : { type: 'organization', id: org },
        input: settings,
        metadata: { before: before.policy, after: after.policy },
      });
      return after;
    });

  return { get, put };
}

export type Policies = ReturnType<typeof createPolicies>;
