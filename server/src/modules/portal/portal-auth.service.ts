/**
 * Sign-in for portal users: accept an invitation (choose a password), sign in, refresh, sign out.
 * The agency's rules, with the agency's helpers: argon2id hashes (auth/passwords.ts), short-lived
 * JWTs from the one token service (audience `portal`, carrying the organization and the client),
 * one-time refresh tokens whose reuse revokes the session, and the same lockout after repeated
 * failures (config.auth). Portal sessions live in their own tables, so an agency session can never
 * be refreshed into a portal one or the other way round.
 */
import type { Clock } from '../../platform/clock.ts';
import { sha256Hex } from '../../platform/crypto.ts';
import { AppError, invalidField, unauthenticated } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { PortalUsersTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { AuthConfig } from '../auth/auth.service.ts';
import type { Origin } from '../auth/context.ts';
import { dummyHash, hashPassword, verifyPassword } from '../auth/passwords.ts';
import { rotateRefreshToken } from '../auth/refresh-rotation.ts';
import type { PortalClaims, TokenService } from '../auth/tokens.ts';
import type { PortalUsers } from './portal-users.service.ts';

const DAY = 86_400_000;

/** A signed-in portal user: one client of one organization. */
export interface PortalCtx extends Origin {
  organizationId: string;
  clientId: string;
  portalUserId: string;
  sessionId: string;
}

export interface PortalTokens {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  sessionId: string;
  organizationId: string;
  clientId: string;
}

interface Deps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  tokens: TokenService;
  users: PortalUsers;
  config: AuthConfig;
}

export function createPortalAuth({ storage, audit, clock, tokens, users, config }: Deps) {
  const actorOf = (id: string) => ({ type: 'portal_user' as const, id });

  async function issueTokens(
    trx: Executor,
    user: PortalUsersTable,
    sessionId: string,
  ): Promise<PortalTokens> {
    const now = clock.now();
    const refresh = tokens.newRefreshToken(sessionId);
    await trx
      .insertInto('portal_refresh_tokens')
      .values({
        id: newId('portalRefreshToken'),
        organization_id: user.organization_id,
        session_id: sessionId,
        token_hash: refresh.hash,
        created_at: now.toISOString(),
        used_at: null,
      })
      .execute();
    const accessToken = await tokens.signPortalAccess(
      { portalUserId: user.id, sessionId, organizationId: user.organization_id, clientId: user.client_id },
      now,
    );
    return {
      accessToken,
      refreshToken: refresh.token,
      tokenType: 'Bearer',
      expiresIn: tokens.accessTtlSeconds,
      sessionId,
      organizationId: user.organization_id,
      clientId: user.client_id,
    };
  }

  /** Opens a session in the user's tenant transaction, with its audit entry. */
  async function openSession(
    user: PortalUsersTable,
    origin: Origin,
    action: string,
    extra: Partial<PortalUsersTable> = {},
  ) {
    return storage.withTenant(user.organization_id, async (trx) => {
      const now = clock.now();
      await trx
        .updateTable('portal_users')
        .set({
          failed_login_count: 0,
          locked_until: null,
          last_login_at: now.toISOString(),
          updated_at: now.toISOString(),
          ...extra,
        })
        .where('organization_id', '=', user.organization_id)
        .where('id', '=', user.id)
        .execute();
      const sessionId = newId('portalSession');
      await trx
        .insertInto('portal_sessions')
        .values({
          id: sessionId,
          organization_id: user.organization_id,
          portal_user_id: user.id,
          client_id: user.client_id,
          ip: origin.ip ?? null,
          user_agent: origin.userAgent?.slice(0, 512) ?? null,
          created_at: now.toISOString(),
          last_used_at: now.toISOString(),
          expires_at: new Date(now.getTime() + config.refreshTokenTtlDays * DAY).toISOString(),
          revoked_at: null,
          revoked_reason: null,
        })
        .execute();
      const pair = await issueTokens(trx, user, sessionId);
      await audit.record(trx, {
        organizationId: user.organization_id,
        actor: actorOf(user.id),
        action,
        target: { type: 'portal_session', id: sessionId },
        metadata: { clientId: user.client_id },
        origin,
      });
      const fresh = await trx
        .selectFrom('portal_users')
        .selectAll()
        .where('organization_id', '=', user.organization_id)
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow();
      return { user: users.toPortalUser(fresh), tokens: pair };
    });
  }

  /** Accepts an invitation: sets the password and signs the user in. */
  async function accept(input: { token: string; password: string }, origin: Origin) {
    const row = await users.invitedBy(input.token);
    const passwordHash = await hashPassword(input.password);
    const now = clock.now().toISOString();
    // The conditional update spends the token once, even under concurrent accepts.
    const spent = await storage.withTenant(row.organization_id, async (trx) => {
      const res = await trx
        .updateTable('portal_users')
        .set({ password_hash: passwordHash, accepted_at: now, invite_token_hash: null, updated_at: now })
        .where('organization_id', '=', row.organization_id)
        .where('id', '=', row.id)
        .where('invite_token_hash', '=', row.invite_token_hash)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await audit.record(trx, {
        organizationId: row.organization_id,
        actor: actorOf(row.id),
        action: 'portal_users.accepted',
        target: { type: 'portal_user', id: row.id },
        metadata: { clientId: row.client_id },
        origin,
      });
      return true;
    });
    if (!spent)
      throw invalidField('body', ['token'], 'This invitation was already used', {
        details: { field: 'token' },
      });
    return openSession({ ...row, password_hash: passwordHash, accepted_at: now }, origin, 'portal.logged_in');
  }

  /** Counts a failed attempt; locks the user after too many (committed although sign-in fails). */
  async function recordFailure(user: PortalUsersTable, origin: Origin) {
    const failures = user.failed_login_count + 1;
    const lock = failures >= config.loginMaxFailures;
    const lockedUntil = lock
      ? new Date(clock.now().getTime() + config.loginLockoutMinutes * 60_000).toISOString()
      : user.locked_until;
    await storage.withTenant(user.organization_id, async (trx) => {
      await trx
        .updateTable('portal_users')
        .set({ failed_login_count: lock ? 0 : failures, locked_until: lockedUntil })
        .where('organization_id', '=', user.organization_id)
        .where('id', '=', user.id)
        .execute();
      if (lock)
        await audit.record(trx, {
          organizationId: user.organization_id,
          actor: { type: 'system', id: null },
          action: 'portal.account_locked',
          target: { type: 'portal_user', id: user.id },
          metadata: { failures, lockedUntil, clientId: user.client_id },
          origin,
        });
    });
  }

  /**
   * Signs in with email and password. The slug (the portal's address) picks the client when one
   * address has access to several portals; without it the address must be unique.
   */
  async function login(input: { email: string; password: string; slug?: string }, origin: Origin) {
    const email = input.email.toLowerCase();
    let q = storage.db
      .selectFrom('portal_users')
      .innerJoin('clients', 'clients.id', 'portal_users.client_id')
      .selectAll('portal_users')
      .where('portal_users.email', '=', email)
      .where('portal_users.accepted_at', 'is not', null)
      .where('portal_users.revoked_at', 'is', null);
    if (input.slug) q = q.where('clients.portal_slug', '=', input.slug);
    const candidates = await q.limit(2).execute();
    const user = candidates[0];
    if (!user?.password_hash) {
      await verifyPassword(await dummyHash(), input.password);
      throw unauthenticated('Email or password is incorrect');
    }
    if (candidates.length > 1)
      throw invalidField(
        'body',
        ['slug'],
        'This address has access to several portals: send the portal slug',
        {
          code: 'invalid_type',
          issue: { expected: 'string' },
          details: { field: 'slug' },
        },
      );
    const now = clock.now();
    if (user.locked_until && user.locked_until > now.toISOString()) {
      throw new AppError(
        'rate_limited',
        'Too many failed sign-in attempts; the account is locked for a while',
        { lockedUntil: user.locked_until },
        { retryAfterSeconds: (new Date(user.locked_until).getTime() - now.getTime()) / 1000 },
      );
    }
    if (!(await verifyPassword(user.password_hash, input.password))) {
      await recordFailure(user, origin);
      throw unauthenticated('Email or password is incorrect');
    }
    return openSession(user, origin, 'portal.logged_in');
  }

  async function refresh(refreshToken: string, origin: Origin): Promise<PortalTokens> {
    const hash = sha256Hex(refreshToken);
    const now = clock.now().toISOString();
    const found = await storage.db
      .selectFrom('portal_refresh_tokens')
      .select('organization_id')
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!found) throw unauthenticated('Invalid refresh token');
    const org = found.organization_id;
    const result = await storage.withTenant(org, async (trx) => {
      const presented = await trx
        .selectFrom('portal_refresh_tokens as t')
        .innerJoin('portal_sessions as s', 's.id', 't.session_id')
        .innerJoin('portal_users as u', 'u.id', 's.portal_user_id')
        .select([
          't.id as tokenId',
          't.used_at',
          's.id as sessionId',
          's.revoked_at',
          's.expires_at',
          'u.id as userId',
          'u.revoked_at as userRevokedAt',
        ])
        .where('t.organization_id', '=', org)
        .where('t.token_hash', '=', hash)
        .executeTakeFirst();
      const rotated = await rotateRefreshToken(presented, now, {
        // Revoking a user ends their sessions; checking the user too keeps that true if one slipped by.
        view: (r) => ({
          usedAt: r.used_at,
          revoked: Boolean(r.revoked_at || r.userRevokedAt),
          expiresAt: r.expires_at,
        }),
        spend: async (r, at) =>
          Number(
            (
              await trx
                .updateTable('portal_refresh_tokens')
                .set({ used_at: at })
                .where('organization_id', '=', org)
                .where('id', '=', r.tokenId)
                .where('used_at', 'is', null)
                .executeTakeFirst()
            ).numUpdatedRows,
          ) === 1,
        revokeReused: async (r, at) => {
          await trx
            .updateTable('portal_sessions')
            .set({ revoked_at: at, revoked_reason: 'refresh_token_reused' })
            .where('organization_id', '=', org)
            .where('id', '=', r.sessionId)
            .execute();
          await audit.record(trx, {
            organizationId: org,
            actor: { type: 'system', id: null },
            action: 'portal.refresh_token_reused',
            target: { type: 'portal_session', id: r.sessionId },
            metadata: { portalUserId: r.userId, sessionRevoked: true },
            origin,
          });
        },
      });
      if (rotated.error) return { error: rotated.error };
      const row = rotated.row;
      await trx
        .updateTable('portal_sessions')
        .set({ last_used_at: now, ip: origin.ip ?? null })
        .where('organization_id', '=', org)
        .where('id', '=', row.sessionId)
        .execute();
      const user = await trx
        .selectFrom('portal_users')
        .selectAll()
        .where('organization_id', '=', org)
        .where('id', '=', row.userId)
        .executeTakeFirstOrThrow();
      return { pair: await issueTokens(trx, user, row.sessionId) };
    });
    if ('error' in result && result.error) throw result.error;
    return (result as { pair: PortalTokens }).pair;
  }

  async function logout(ctx: PortalCtx) {
    await storage.withTenant(ctx.organizationId, async (trx) => {
      await trx
        .updateTable('portal_sessions')
        .set({ revoked_at: clock.now().toISOString(), revoked_reason: 'logout' })
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', ctx.sessionId)
        .where('revoked_at', 'is', null)
        .execute();
      await audit.record(trx, {
        organizationId: ctx.organizationId,
        actor: actorOf(ctx.portalUserId),
        action: 'portal.logged_out',
        target: { type: 'portal_session', id: ctx.sessionId },
        // Like the sign-in entries: the audit log can be filtered and read per client.
        metadata: { clientId: ctx.clientId },
        origin: ctx,
      });
    });
  }

  /**
   * Resolves a portal access token: live session, user not revoked, client still there. `verified` is
   * the token's verification when the caller already has it (the HTTP layer verifies once per request).
   */
  async function authenticate(
    token: string,
    origin: Origin,
    verified?: Promise<PortalClaims>,
  ): Promise<PortalCtx> {
    const claims = await (verified ?? tokens.verifyPortalAccess(token, clock.now()));
    const row = await storage.withTenant(claims.organizationId, (trx) =>
      trx
        .selectFrom('portal_sessions as s')
        .innerJoin('portal_users as u', 'u.id', 's.portal_user_id')
        .innerJoin('clients as c', 'c.id', 'u.client_id')
        .select(['s.revoked_at', 's.expires_at', 'u.revoked_at as userRevokedAt', 'u.client_id'])
        .where('s.organization_id', '=', claims.organizationId)
        .where('s.id', '=', claims.sessionId)
        .where('u.id', '=', claims.portalUserId)
        .where('c.organization_id', '=', claims.organizationId)
        .executeTakeFirst(),
    );
    if (!row || row.revoked_at || row.userRevokedAt || row.expires_at <= clock.now().toISOString())
      throw unauthenticated('This portal session was signed out or revoked');
    if (row.client_id !== claims.clientId) throw unauthenticated('Invalid portal access token');
    return {
      organizationId: claims.organizationId,
      clientId: claims.clientId,
      portalUserId: claims.portalUserId,
      sessionId: claims.sessionId,
      ...origin,
    };
  }

  return { accept, login, refresh, logout, authenticate };
}

export type PortalAuth = ReturnType<typeof createPortalAuth>;
