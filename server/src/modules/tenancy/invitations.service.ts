/**
 * Invitations to join an organization with a role, valid for 7 days, sent through the mailer. The
 * invitee accepts while signed in (existing account) or by registering with the token.
 */
import type { Clock } from '../../platform/clock.ts';
import { randomToken, sha256Hex } from '../../platform/crypto.ts';
import { AppError, conflict, forbidden, invalidInput, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Mailer } from '../../platform/mailer.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { InvitationsTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx, Origin } from '../auth/context.ts';
import { type Role, roleRank } from '../auth/permissions.ts';
import type { Limits } from '../billing/index.ts';

const WEEK = 7 * 86_400_000;

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  invitedBy: string;
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  expiresAt: string;
  createdAt: string;
}

export function createInvitations({
  storage,
  audit,
  clock,
  mailer,
  publicUrl,
  limits,
}: {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  mailer: Mailer;
  publicUrl: string;
  /** The plan's user limit (billing): checked when inviting and when an invitation is accepted. */
  limits?: Pick<Limits, 'assertCanAdd'>;
}) {
  const toInvitation = (r: InvitationsTable): Invitation => ({
    id: r.id,
    email: r.email,
    role: r.role as Role,
    invitedBy: r.invited_by,
    status: r.accepted_at
      ? 'accepted'
      : r.revoked_at
        ? 'revoked'
        : r.expires_at <= clock.now().toISOString()
          ? 'expired'
          : 'pending',
    expiresAt: r.expires_at,
    createdAt: r.created_at,
  });

  async function create(ctx: Ctx, input: { email: string; role: Role }) {
    if (roleRank[input.role] > roleRank[ctx.role])
      throw forbidden('You cannot invite someone with a role above your own');
    const email = input.email.toLowerCase();
    const token = randomToken(32);
    const now = clock.now();
    const result = await storage.withTenant(ctx.organizationId, async (trx) => {
      const member = await trx
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select('memberships.id')
        .where('memberships.organization_id', '=', ctx.organizationId)
        .where('users.email', '=', email)
        .executeTakeFirst();
      if (member) throw conflict(`${email} is already a member of this organization`);
      await limits?.assertCanAdd(trx, ctx.organizationId, 'users');
      const id = newId('invitation');
      // A new invitation replaces a pending one to the same address: its link stops working. Said in
      // the answer (`replaced`) and the audit log, so nobody wonders why the first link fails.
      const open = await trx
        .selectFrom('invitations')
        .select(['id', 'role', 'created_at', 'expires_at'])
        .where('organization_id', '=', ctx.organizationId)
        .where('email', '=', email)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      const pending = open.find((r) => r.expires_at > now.toISOString());
      const replaced = pending
        ? {
            id: pending.id,
            role: pending.role as Role,
            createdAt: pending.created_at,
            expiresAt: pending.expires_at,
          }
        : null;
      if (open.length)
        await trx
          .updateTable('invitations')
          .set({ revoked_at: now.toISOString() })
          .where('organization_id', '=', ctx.organizationId)
          .where(
            'id',
            'in',
            open.map((r) => r.id),
          )
          .execute();
      const row: InvitationsTable = {
        id,
        organization_id: ctx.organizationId,
        email,
        role: input.role,
        token_hash: sha256Hex(token),
        invited_by: ctx.userId ?? ctx.actor.id ?? 'system',
        expires_at: new Date(now.getTime() + WEEK).toISOString(),
        accepted_at: null,
        revoked_at: null,
        created_at: now.toISOString(),
      };
      await trx.insertInto('invitations').values(row).execute();
      if (replaced)
        await audit.recordFor(trx, ctx, {
          action: 'invitations.revoked',
          target: { type: 'invitation', id: replaced.id },
          metadata: { reason: 'replaced', replacedBy: row.id },
        });
      await audit.recordFor(trx, ctx, {
        action: 'invitations.created',
        target: { type: 'invitation', id: row.id },
        input: { email, role: input.role },
        metadata: { replaced },
      });
      const org = await trx
        .selectFrom('organizations')
        .select('name')
        .where('id', '=', ctx.organizationId)
        .executeTakeFirstOrThrow();
      return { row, orgName: org.name, replaced };
    });
    const acceptUrl = `${publicUrl}/accept-invitation?token=${token}`;
    await mailer.send({
      to: email,
      subject: `You are invited to ${result.orgName} on Omnify`,
      text: `You have been invited to join ${result.orgName} on Omnify as ${input.role}. The invitation is valid for 7 days:\n\n${acceptUrl}\n\nOr send the token to POST /api/v1/invitations/accept (signed in) or with POST /api/v1/auth/register as invitationToken.\n${token}`,
    });
    return { ...toInvitation(result.row), token, acceptUrl, replaced: result.replaced };
  }

  const list = (ctx: Ctx) =>
    storage.withTenant(ctx.organizationId, async (trx) =>
      (
        await trx
          .selectFrom('invitations')
          .selectAll()
          .where('organization_id', '=', ctx.organizationId)
          .orderBy('id', 'desc')
          .execute()
      ).map(toInvitation),
    );

  async function revoke(ctx: Ctx, id: string) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await trx
        .selectFrom('invitations')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw notFound('Invitation', id);
      if (row.accepted_at) throw conflict('This invitation was already accepted');
      const now = clock.now().toISOString();
      await trx
        .updateTable('invitations')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('organization_id', '=', ctx.organizationId)
        .execute();
      await audit.recordFor(trx, ctx, {
        action: 'invitations.revoked',
        target: { type: 'invitation', id },
      });
      return toInvitation({ ...row, revoked_at: now });
    });
  }

  /**
   * What an invitation link offers, for the page it opens: the organization, the address and role,
   * and whether it can still be accepted. Only the token's holder can ask (it is a 32-byte secret).
   */
  async function lookup(token: string) {
    const row = await storage.db
      .selectFrom('invitations')
      .innerJoin('organizations', 'organizations.id', 'invitations.organization_id')
      .select([
        'invitations.email',
        'invitations.role',
        'invitations.expires_at',
        'invitations.accepted_at',
        'invitations.revoked_at',
        'organizations.name as organization_name',
      ])
      .where('invitations.token_hash', '=', sha256Hex(token))
      .executeTakeFirst();
    if (!row) throw notFound('Invitation', 'for this link');
    const status = row.accepted_at
      ? 'accepted'
      : row.revoked_at
        ? 'revoked'
        : row.expires_at <= clock.now().toISOString()
          ? 'expired'
          : 'pending';
    return {
      organizationName: row.organization_name,
      email: row.email,
      role: row.role as Role,
      status: status as 'pending' | 'accepted' | 'revoked' | 'expired',
      expiresAt: row.expires_at,
    };
  }

  /** Accepts in the caller's transaction: the user joins with the invited role. */
  async function acceptWith(
    trx: Executor,
    token: string,
    user: { id: string; email: string },
    origin: Origin,
  ) {
    const now = clock.now().toISOString();
    const row = await trx
      .selectFrom('invitations')
      .selectAll()
      .where('token_hash', '=', sha256Hex(token))
      .executeTakeFirst();
    if (!row || row.revoked_at || row.accepted_at || row.expires_at <= now) {
      throw invalidInput('This invitation is invalid, was used, or has expired; ask for a new one', {
        field: 'token',
      });
    }
    if (row.email !== user.email.toLowerCase())
      throw new AppError('forbidden', `This invitation is for ${row.email}; sign in with that address`);
    const spent = await trx
      .updateTable('invitations')
      .set({ accepted_at: now })
      .where('id', '=', row.id)
      .where('accepted_at', 'is', null)
      .executeTakeFirst();
    if (Number(spent.numUpdatedRows) !== 1)
      throw invalidInput('This invitation was already used', { field: 'token' });
    const existing = await trx
      .selectFrom('memberships')
      .select('id')
      .where('organization_id', '=', row.organization_id)
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (existing) throw conflict('You are already a member of this organization');
    await limits?.assertCanAdd(trx, row.organization_id, 'users');
    const membershipId = newId('membership');
    await trx
      .insertInto('memberships')
      .values({
        id: membershipId,
        organization_id: row.organization_id,
        user_id: user.id,
        role: row.role,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await audit.record(trx, {
      organizationId: row.organization_id,
      actor: { type: 'user', id: user.id },
      action: 'invitations.accepted',
      target: { type: 'invitation', id: row.id },
      metadata: { membershipId, role: row.role },
      origin,
    });
    return { organizationId: row.organization_id, role: row.role as Role, membershipId };
  }

  return { create, list, revoke, lookup, acceptWith };
}

export type Invitations = ReturnType<typeof createInvitations>;
