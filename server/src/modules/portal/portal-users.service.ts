/**
 * Portal users: people of one client, invited by an agency member, who read that client's portal
 * and nothing else. An invitation mails a link to choose a password (valid 7 days); revoking a user
 * ends their sessions at once. They are not agency users: other table, other sessions, other tokens.
 */
import type { Clock } from '../../platform/clock.ts';
import { randomToken, sha256Hex } from '../../platform/crypto.ts';
import { conflict, invalidField, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Mailer } from '../../platform/mailer.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { PortalUsersTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import { hashPassword } from '../auth/passwords.ts';

const INVITE_TTL_MS = 7 * 86_400_000;

export type PortalUserStatus = 'invited' | 'active' | 'revoked' | 'expired';

export interface PortalUser {
  id: string;
  clientId: string;
  email: string;
  name: string;
  status: PortalUserStatus;
  invitedBy: string | null;
  inviteExpiresAt: string | null;
  acceptedAt: string | null;
  lastLoginAt: string | null;
  createdAt: string;
}

/** What invite and provision set on a portal user, new or existing (`invited_by` only if new). */
type UserFields = Omit<
  PortalUsersTable,
  'id' | 'organization_id' | 'client_id' | 'email' | 'invited_by' | 'last_login_at' | 'created_at'
> &
  Partial<Pick<PortalUsersTable, 'invited_by'>>;

export function createPortalUsers({
  storage,
  audit,
  clock,
  mailer,
  publicUrl,
}: {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  mailer: Mailer;
  publicUrl: string;
}) {
  const statusOf = (r: PortalUsersTable): PortalUserStatus =>
    r.revoked_at
      ? 'revoked'
      : r.accepted_at
        ? 'active'
        : r.invite_expires_at && r.invite_expires_at <= clock.now().toISOString()
          ? 'expired'
          : 'invited';

  const toPortalUser = (r: PortalUsersTable): PortalUser => ({
    id: r.id,
    clientId: r.client_id,
    email: r.email,
    name: r.name,
    status: statusOf(r),
    invitedBy: r.invited_by,
    inviteExpiresAt: r.accepted_at ? null : r.invite_expires_at,
    acceptedAt: r.accepted_at,
    lastLoginAt: r.last_login_at,
    createdAt: r.created_at,
  });

  async function clientOf(trx: Executor, organizationId: string, clientId: string) {
    const c = await trx
      .selectFrom('clients')
      .select(['id', 'name', 'portal_slug'])
      .where('organization_id', '=', organizationId)
      .where('id', '=', clientId)
      .executeTakeFirst();
    if (!c) throw notFound('Client', clientId);
    return c;
  }

  const findByEmail = (trx: Executor, organizationId: string, clientId: string, email: string) =>
    trx
      .selectFrom('portal_users')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('client_id', '=', clientId)
      .where('email', '=', email)
      .executeTakeFirst();

  /** Updates the existing portal user of this client and address, or inserts one; the row as stored. */
  async function upsertUser(
    trx: Executor,
    ctx: Ctx,
    target: { clientId: string; email: string; existing: PortalUsersTable | undefined; now: string },
    fields: UserFields,
  ): Promise<PortalUsersTable> {
    const { existing } = target;
    if (existing) {
      await trx
        .updateTable('portal_users')
        .set(fields)
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', existing.id)
        .execute();
      return { ...existing, ...fields };
    }
    const row: PortalUsersTable = {
      id: newId('portalUser'),
      organization_id: ctx.organizationId,
      client_id: target.clientId,
      email: target.email,
      invited_by: ctx.userId ?? ctx.actor.id,
      last_login_at: null,
      created_at: target.now,
      ...fields,
    };
    await trx.insertInto('portal_users').values(row).execute();
    return row;
  }

  /**
   * Invites someone to one client's portal. Inviting an address again (pending, expired or revoked)
   * issues a fresh link and voids the old one; an active user is a conflict.
   */
  async function invite(ctx: Ctx, clientId: string, input: { email: string; name: string }) {
    const email = input.email.toLowerCase();
    const token = randomToken(32);
    const now = clock.now();
    const out = await storage.withTenant(ctx.organizationId, async (trx) => {
      const client = await clientOf(trx, ctx.organizationId, clientId);
      const existing = await findByEmail(trx, ctx.organizationId, clientId, email);
      if (existing && statusOf(existing) === 'active')
        throw conflict(`${email} already has access to this client's portal`, { field: 'email' });
      const row = await upsertUser(
        trx,
        ctx,
        { clientId, email, existing, now: now.toISOString() },
        {
          name: input.name,
          password_hash: null,
          invite_token_hash: sha256Hex(token),
          invite_expires_at: new Date(now.getTime() + INVITE_TTL_MS).toISOString(),
          invited_by: ctx.userId ?? ctx.actor.id,
          accepted_at: null,
          revoked_at: null,
          failed_login_count: 0,
          locked_until: null,
          updated_at: now.toISOString(),
        },
      );
      await audit.recordFor(trx, ctx, {
        action: 'portal_users.invited',
        target: { type: 'portal_user', id: row.id },
        input: { email, name: input.name, clientId },
        metadata: { clientId, reinvited: Boolean(existing) },
      });
      const org = await trx
        .selectFrom('organizations')
        .select('name')
        .where('id', '=', ctx.organizationId)
        .executeTakeFirstOrThrow();
      const brand = await trx
        .selectFrom('portal_branding')
        .select(['client_id', 'agency_name'])
        .where('organization_id', '=', ctx.organizationId)
        .where('client_id', 'in', ['', clientId])
        .execute();
      const agencyName =
        brand.find((b) => b.client_id === clientId)?.agency_name ??
        brand.find((b) => b.client_id === '')?.agency_name ??
        org.name;
      return { row, client, agencyName };
    });
    const slug = out.client.portal_slug ?? '';
    await mailer.send({
      to: email,
      subject: `${out.agencyName} invites you to the ${out.client.name} reporting portal`,
      text: `${out.agencyName} gives you read-only access to the campaign results of ${out.client.name}.\n\nChoose your password within 7 days:\n\n${publicUrl}/portal/${slug}/accept?token=${token}\n\nAfterwards sign in at ${publicUrl}/portal/${slug}/login`,
    });
    return toPortalUser(out.row);
  }

  const list = (ctx: Ctx, clientId: string) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      await clientOf(trx, ctx.organizationId, clientId);
      const rows = await trx
        .selectFrom('portal_users')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('client_id', '=', clientId)
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toPortalUser);
    });

  /** Revokes access: the invitation link dies and every session ends now. */
  const revoke = (ctx: Ctx, clientId: string, portalUserId: string) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await trx
        .selectFrom('portal_users')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('client_id', '=', clientId)
        .where('id', '=', portalUserId)
        .executeTakeFirst();
      if (!row) throw notFound('Portal user', portalUserId);
      if (row.revoked_at) return toPortalUser(row);
      const now = clock.now().toISOString();
      await trx
        .updateTable('portal_users')
        .set({ revoked_at: now, invite_token_hash: null, updated_at: now })
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', row.id)
        .execute();
      const ended = await trx
        .updateTable('portal_sessions')
        .set({ revoked_at: now, revoked_reason: 'access_revoked' })
        .where('organization_id', '=', ctx.organizationId)
        .where('portal_user_id', '=', row.id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      await audit.recordFor(trx, ctx, {
        action: 'portal_users.revoked',
        target: { type: 'portal_user', id: row.id },
        metadata: { clientId, email: row.email, sessionsEnded: Number(ended.numUpdatedRows) },
      });
      return toPortalUser({ ...row, revoked_at: now, invite_token_hash: null });
    });

  /**
   * Finds the portal user an invitation token belongs to (outside any tenant: the token is the
   * only thing the invitee has). Invalid, used, revoked or expired → 400.
   */
  async function invitedBy(token: string) {
    const row = await storage.db
      .selectFrom('portal_users')
      .selectAll()
      .where('invite_token_hash', '=', sha256Hex(token))
      .executeTakeFirst();
    if (!row || row.revoked_at || row.accepted_at || statusOf(row) !== 'invited')
      throw invalidField(
        'body',
        ['token'],
        'This invitation is invalid, was used, or has expired; ask your agency for a new one',
        { details: { field: 'token' } },
      );
    return row;
  }

  /**
   * Creates (or resets) an active portal user with a known password, without an invitation. Not on
   * the API, where agencies only invite: for the demo data and operators seeding an install.
   */
  async function provision(
    ctx: Ctx,
    clientId: string,
    input: { email: string; name: string; password: string },
  ) {
    const email = input.email.toLowerCase();
    const passwordHash = await hashPassword(input.password);
    return storage.withTenant(ctx.organizationId, async (trx) => {
      await clientOf(trx, ctx.organizationId, clientId);
      const now = clock.now().toISOString();
      const existing = await findByEmail(trx, ctx.organizationId, clientId, email);
      const row = await upsertUser(
        trx,
        ctx,
        { clientId, email, existing, now },
        {
          name: input.name,
          password_hash: passwordHash,
          invite_token_hash: null,
          invite_expires_at: null,
          accepted_at: existing?.accepted_at ?? now,
          revoked_at: null,
          failed_login_count: 0,
          locked_until: null,
          updated_at: now,
        },
      );
      await audit.recordFor(trx, ctx, {
        action: 'portal_users.provisioned',
        target: { type: 'portal_user', id: row.id },
        metadata: { clientId, email },
      });
      return toPortalUser(row);
    });
  }

  return { invite, list, revoke, invitedBy, provision, toPortalUser };
}

export type PortalUsers = ReturnType<typeof createPortalUsers>;
