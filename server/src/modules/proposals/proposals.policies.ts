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

/** What a locked id may name: the entities proposals act on. */
const lockableTables = ['campaigns', 'ad_groups', 'ads', 'crm_contacts'] as const;

/**
 * Every id of `lockedEntityIds` names a campaign, ad group, ad or CRM contact of this organization;
 * otherwise 404 `not_found` with `details.field` and `details.ids` (all the unknown ones). A typo
 * would otherwise protect nothing while the settings page showed it locked; another organization's
 * id reads exactly like one that does not exist.
 */
async function assertLockable(trx: Executor, org: string, ids: readonly string[]) {
  const unknown = new Set(ids);
  for (const table of lockableTables) {
    if (unknown.size === 0) return;
    const rest = [...unknown];
    for (let i = 0; i < rest.length; i += 500) {
      const found = await trx
        .selectFrom(table)
        .select('id')
        .where('organization_id', '=', org)
        .where('id', 'in', rest.slice(i, i + 500))
        .execute();
      for (const r of found) unknown.delete(r.id);
    }
  }
  if (unknown.size === 0) return;
  const missing = [...unknown];
  throw new AppError(
    'not_found',
    missing.length === 1
      ? `settings.lockedEntityIds: ${missing[0]} is not a campaign, ad group, ad or contact of this organization`
      : `settings.lockedEntityIds: ${missing.join(', ')} are not campaigns, ad groups, ads or contacts of this organization`,
    { field: 'settings.lockedEntityIds', ids: missing },
  );
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
      if (settings.lockedEntityIds?.length) await assertLockable(trx, org, settings.lockedEntityIds);
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
