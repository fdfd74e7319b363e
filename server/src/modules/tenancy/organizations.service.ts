/** Organizations (the agencies) and their members. */
import { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import { AppError, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { OrganizationsTable } from '../../storage/schema.ts';
import type { Agents } from '../agents/agents.service.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Actor, Ctx, Origin } from '../auth/context.ts';
import { type Role, roleRank } from '../auth/permissions.ts';
import type { Retention } from '../retention/retention.service.ts';

/** ISO 4217 codes in use (Intl's list): a made-up code such as XYZ has no exchange rates. */
const isoCurrencies = new Set(Intl.supportedValuesOf('currency'));

export const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. USD')
  .refine((c) => isoCurrencies.has(c), 'Not an ISO 4217 currency in use (e.g. USD, EUR, GBP)')
  .describe('ISO 4217 currency code');

export interface Organization {
  id: string;
  name: string;
  reportingCurrency: string;
  mfaRequired: boolean;
  createdAt: string;
  updatedAt: string;
}

export const toOrganization = (r: OrganizationsTable): Organization => ({
  id: r.id,
  name: r.name,
  reportingCurrency: r.reporting_currency,
  mfaRequired: r.mfa_required === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface Member {
  id: string;
  userId: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
}

interface Deps {
  storage: Storage;
  audit: Audit;
  agents: Agents;
  retention: Retention;
  clock: Clock;
}

export function createOrganizations({ storage, audit, agents, retention, clock }: Deps) {
  /**
   * Creates an organization with its owner, audit chain, retention policy and seven default agents,
   * all in the caller's transaction.
   */
  async function create(
    trx: Executor,
    input: { name: string; ownerUserId: string; reportingCurrency?: string; actor: Actor; origin?: Origin },
  ): Promise<Organization> {
    const now = clock.now().toISOString();
    // The API validates it too; this guards every other caller (the CLI, the demo, tests).
    const currency = currencySchema.safeParse(input.reportingCurrency ?? 'USD');
    if (!currency.success)
      throw new AppError('invalid_input', `reportingCurrency: ${currency.error.issues[0]?.message}`, {
        field: 'reportingCurrency',
      });
    const row: OrganizationsTable = {
      id: newId('organization'),
      name: input.name,
      reporting_currency: currency.data,
      mfa_required: 0,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('organizations').values(row).execute();
    await audit.initChain(trx, row.id);
    await trx
      .insertInto('memberships')
      .values({
        id: newId('membership'),
        organization_id: row.id,
        user_id: input.ownerUserId,
        role: 'owner',
        created_at: now,
        updated_at: now,
      })
      .execute();
    await retention.initPolicy(trx, row.id);
    await agents.provisionDefaults(trx, row.id);
    await audit.record(trx, {
      organizationId: row.id,
      actor: input.actor,
      action: 'organizations.created',
      target: { type: 'organization', id: row.id },
      input: { name: input.name, reportingCurrency: row.reporting_currency },
      metadata: { ownerUserId: input.ownerUserId, agentsProvisioned: 7 },
      origin: input.origin,
    });
    return toOrganization(row);
  }

  async function listForUser(userId: string) {
    const rows = await storage.db
      .selectFrom('memberships')
      .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
      .selectAll('organizations')
      .select('memberships.role')
      .where('memberships.user_id', '=', userId)
      .orderBy('organizations.created_at')
      .execute();
    return rows.map((r) => ({ ...toOrganization(r), role: r.role as Role }));
  }

  /** The organization, read in the caller's transaction (registration joining by invitation). */
  async function load(trx: Executor, organizationId: string) {
    const row = await trx
      .selectFrom('organizations')
      .selectAll()
      .where('id', '=', organizationId)
      .executeTakeFirst();
    if (!row) throw notFound('Organization', organizationId);
    return toOrganization(row);
  }

  const get = (ctx: Ctx) => storage.withTenant(ctx.organizationId, (trx) => load(trx, ctx.organizationId));

  async function update(
    ctx: Ctx,
    patch: { name?: string; reportingCurrency?: string; mfaRequired?: boolean },
  ) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const before = await trx
        .selectFrom('organizations')
        .selectAll()
        .where('id', '=', ctx.organizationId)
        .executeTakeFirst();
      if (!before) throw notFound('Organization', ctx.organizationId);
      if (patch.mfaRequired === true && before.mfa_required !== 1 && ctx.userId) {
        // Turning it on without MFA yourself would lock you out of everything but enrolment.
        const me = await trx
          .selectFrom('users')
          .select('mfa_enabled_at')
          .where('id', '=', ctx.userId)
          .executeTakeFirst();
        if (!me?.mfa_enabled_at)
          throw new AppError(
            'conflict',
            'Enable two-factor authentication for yourself before requiring it for the organization',
          );
      }
      const after: OrganizationsTable = {
        ...before,
        name: patch.name ?? before.name,
        reporting_currency: patch.reportingCurrency ?? before.reporting_currency,
        mfa_required: patch.mfaRequired === undefined ? before.mfa_required : patch.mfaRequired ? 1 : 0,
        updated_at: clock.now().toISOString(),
      };
      await trx.updateTable('organizations').set(after).where('id', '=', ctx.organizationId).execute();
      await audit.recordFor(trx, ctx, {
        action: 'organizations.updated',
        target: { type: 'organization', id: ctx.organizationId },
        input: patch,
        metadata: { before: toOrganization(before), after: toOrganization(after) },
      });
      return toOrganization(after);
    });
  }

  const listMembers = (ctx: Ctx): Promise<Member[]> =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      const rows = await trx
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select([
          'memberships.id',
          'memberships.user_id',
          'memberships.role',
          'memberships.created_at',
          'users.email',
          'users.name',
        ])
        .where('memberships.organization_id', '=', ctx.organizationId)
        .orderBy('memberships.created_at')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        userId: r.user_id,
        email: r.email,
        name: r.name,
        role: r.role as Role,
        createdAt: r.created_at,
      }));
    });

  async function findMembership(trx: Executor, organizationId: string, membershipId: string) {
    const m = await trx
      .selectFrom('memberships')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', membershipId)
      .executeTakeFirst();
    if (!m) throw notFound('Member', membershipId);
    return m;
  }

  async function assertNotLastOwner(trx: Executor, organizationId: string) {
    const owners = await trx
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', organizationId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    if (Number(owners.n) <= 1) throw conflict('An organization must keep at least one owner');
  }

  async function changeRole(ctx: Ctx, membershipId: string, role: Role) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const m = await findMembership(trx, ctx.organizationId, membershipId);
      // Nobody grants or removes a role above their own.
      if (roleRank[role] > roleRank[ctx.role] || roleRank[m.role as Role] > roleRank[ctx.role]) {
        throw forbidden('You cannot grant or change a role above your own');
      }
      if (m.role === 'owner' && role !== 'owner') await assertNotLastOwner(trx, ctx.organizationId);
      await trx
        .updateTable('memberships')
        .set({ role, updated_at: clock.now().toISOString() })
        .where('id', '=', m.id)
        .execute();
      await audit.recordFor(trx, ctx, {
        action: 'members.role_changed',
        target: { type: 'membership', id: m.id },
        input: { role },
        metadata: { userId: m.user_id, before: m.role, after: role },
      });
      return { id: m.id, userId: m.user_id, role };
    });
  }

  async function removeMember(ctx: Ctx, membershipId: string) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const m = await findMembership(trx, ctx.organizationId, membershipId);
      if (roleRank[m.role as Role] > roleRank[ctx.role])
        throw forbidden('You cannot remove a member above your own role');
      if (m.role === 'owner') await assertNotLastOwner(trx, ctx.organizationId);
      await trx.deleteFrom('memberships').where('id', '=', m.id).execute();
      // Their sessions in this organization end with the membership.
      await trx
        .updateTable('sessions')
        .set({ revoked_at: clock.now().toISOString(), revoked_reason: 'membership_removed' })
        .where('user_id', '=', m.user_id)
        .where('organization_id', '=', ctx.organizationId)
        .where('revoked_at', 'is', null)
        .execute();
      // And the API keys they created here are revoked, not merely refused while they are not a
      // member: invited again, they do not get their old keys back. Each key's own history says so,
      // as a revocation from the API keys page does.
      const keys = await trx
        .selectFrom('api_keys')
        .select('id')
        .where('organization_id', '=', ctx.organizationId)
        .where('created_by', '=', m.user_id)
        .where('revoked_at', 'is', null)
        .execute();
      if (keys.length)
        await trx
          .updateTable('api_keys')
          .set({ revoked_at: clock.now().toISOString() })
          .where('organization_id', '=', ctx.organizationId)
          .where(
            'id',
            'in',
            keys.map((k) => k.id),
          )
          .execute();
      for (const k of keys)
        await audit.recordFor(trx, ctx, {
          action: 'api_keys.revoked',
          target: { type: 'api_key', id: k.id },
          metadata: { reason: 'member_removed', membershipId: m.id },
        });
      await audit.recordFor(trx, ctx, {
        action: 'members.removed',
        target: { type: 'membership', id: m.id },
        metadata: { userId: m.user_id, role: m.role, apiKeysRevoked: keys.length },
      });
    });
  }

  return { create, listForUser, get, load, update, listMembers, changeRole, removeMember };
}

export type Organizations = ReturnType<typeof createOrganizations>;
