/**
 * Sign-up, sign-in, sessions and refresh-token rotation. A session is one refresh-token family:
 * every refresh spends the presented token and issues the next; presenting a spent token again
 * means it leaked, so the whole family (the session) is revoked.
 */
import type { Clock } from '../../platform/clock.ts';
import { sha256Hex } from '../../platform/crypto.ts';
import { AppError, conflict, invalidInput, notFound, unauthenticated } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { UsersTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Invitations } from '../tenancy/invitations.service.ts';
import type { Organization, Organizations } from '../tenancy/organizations.service.ts';
import type { Ctx, Origin } from './context.ts';
import type { Mfa } from './mfa.service.ts';
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts';
import { isRole, type Role } from './permissions.ts';
import { rotateRefreshToken } from './refresh-rotation.ts';
import type { AccessClaims, TokenService } from './tokens.ts';

export interface AuthConfig {
  refreshTokenTtlDays: number;
  loginMaxFailures: number;
  loginLockoutMinutes: number;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  sessionId: string;
  organizationId: string;
  /** The organization enforces MFA and this user has not enrolled: only MFA enrollment is allowed. */
  mfaEnrollmentRequired: boolean;
}

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  mfaEnabled: boolean;
  createdAt: string;
}

export const toPublicUser = (u: UsersTable): PublicUser => ({
  id: u.id,
  email: u.email,
  name: u.name,
  mfaEnabled: u.mfa_enabled_at !== null,
  createdAt: u.created_at,
});

const DAY = 86_400_000;

interface Deps {
  storage: Storage;
  audit: Audit;
  organizations: Organizations;
  invitations: Invitations;
  tokens: TokenService;
  mfa: Mfa;
  clock: Clock;
  config: AuthConfig;
}

export function createAuth({ storage, audit, organizations, invitations, tokens, mfa, clock, config }: Deps) {
  async function issueSession(
    trx: Executor,
    user: UsersTable,
    organizationId: string,
    origin: Origin,
  ): Promise<TokenPair> {
    const now = clock.now();
    const sessionId = newId('session');
    await trx
      .insertInto('sessions')
      .values({
        id: sessionId,
        user_id: user.id,
        organization_id: organizationId,
        ip: origin.ip ?? null,
        user_agent: origin.userAgent?.slice(0, 512) ?? null,
        created_at: now.toISOString(),
        last_used_at: now.toISOString(),
        expires_at: new Date(now.getTime() + config.refreshTokenTtlDays * DAY).toISOString(),
        revoked_at: null,
        revoked_reason: null,
      })
      .execute();
    return issueTokens(trx, user, sessionId, organizationId);
  }

  async function issueTokens(
    trx: Executor,
    user: UsersTable,
    sessionId: string,
    organizationId: string,
  ): Promise<TokenPair> {
    const now = clock.now();
    const refresh = tokens.newRefreshToken(sessionId);
    await trx
      .insertInto('refresh_tokens')
      .values({
        id: newId('refreshToken'),
        session_id: sessionId,
        token_hash: refresh.hash,
        created_at: now.toISOString(),
        used_at: null,
      })
      .execute();
    const accessToken = await tokens.signAccess({ userId: user.id, sessionId, organizationId }, now);
    const org = await trx
      .selectFrom('organizations')
      .select('mfa_required')
      .where('id', '=', organizationId)
      .executeTakeFirst();
    return {
      accessToken,
      refreshToken: refresh.token,
      tokenType: 'Bearer',
      expiresIn: tokens.accessTtlSeconds,
      sessionId,
      organizationId,
      mfaEnrollmentRequired: org?.mfa_required === 1 && user.mfa_enabled_at === null,
    };
  }

  /**
   * Creates a user and either a new organization they own or, with an invitation token, membership
   * of the inviting organization. One transaction: no half-registered accounts.
   */
  async function register(
    input: {
      email: string;
      password: string;
      name: string;
      organizationName?: string;
      invitationToken?: string;
    },
    origin: Origin,
  ) {
    const email = input.email.toLowerCase();
    const passwordHash = await hashPassword(input.password);
    return storage.transaction(async (trx) => {
      const existing = await trx
        .selectFrom('users')
        .select('id')
        .where('email', '=', email)
        .executeTakeFirst();
      if (existing)
        throw conflict('An account with this email already exists; sign in instead', { field: 'email' });
      const now = clock.now().toISOString();
      const user: UsersTable = {
        id: newId('user'),
        email,
        name: input.name,
        password_hash: passwordHash,
        mfa_secret_sealed: null,
        mfa_enabled_at: null,
        mfa_pending_secret_sealed: null,
        mfa_last_step: null,
        failed_login_count: 0,
        locked_until: null,
        created_at: now,
        updated_at: now,
      };
      await trx.insertInto('users').values(user).execute();
      const actor = { type: 'user' as const, id: user.id };
      let organizationId: string;
      let organization: Organization;
      if (input.invitationToken) {
        organizationId = (await invitations.acceptWith(trx, input.invitationToken, user, origin))
          .organizationId;
        // The organization joined, as a new one would be answered: the client signs in to it.
        organization = await organizations.load(trx, organizationId);
      } else {
        if (!input.organizationName)
          throw invalidInput('organizationName is required', { field: 'organizationName' });
        organization = await organizations.create(trx, {
          name: input.organizationName,
          ownerUserId: user.id,
          actor,
          origin,
        });
        organizationId = organization.id;
      }
      await audit.record(trx, {
        organizationId,
        actor,
        action: 'users.registered',
        target: { type: 'user', id: user.id },
        input: { email, name: input.name, organizationName: input.organizationName ?? null },
        origin,
      });
      const tokensOut = await issueSession(trx, user, organizationId, origin);
      return { user: toPublicUser(user), organization, tokens: tokensOut };
    });
  }

  /** Marks a failed attempt; locks the account after too many. Committed even though sign-in fails. */
  async function recordFailure(user: UsersTable, origin: Origin) {
    const failures = user.failed_login_count + 1;
    const lock = failures >= config.loginMaxFailures;
    const lockedUntil = lock
      ? new Date(clock.now().getTime() + config.loginLockoutMinutes * 60_000).toISOString()
      : null;
    await storage.transaction(async (trx) => {
      await trx
        .updateTable('users')
        .set({ failed_login_count: lock ? 0 : failures, locked_until: lockedUntil ?? user.locked_until })
        .where('id', '=', user.id)
        .execute();
      if (lock) {
        const orgs = await trx
          .selectFrom('memberships')
          .select('organization_id')
          .where('user_id', '=', user.id)
          .execute();
        for (const o of orgs) {
          await audit.record(trx, {
            organizationId: o.organization_id,
            actor: { type: 'system', id: null },
            action: 'auth.account_locked',
            target: { type: 'user', id: user.id },
            metadata: { failures, lockedUntil },
            origin,
          });
        }
      }
    });
  }

  async function login(
    input: {
      email: string;
      password: string;
      organizationId?: string;
      mfaCode?: string;
      recoveryCode?: string;
    },
    origin: Origin,
  ) {
    const email = input.email.toLowerCase();
    const user = await storage.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirst();
    if (!user) {
      await verifyPassword(await dummyHash(), input.password);
      throw unauthenticated('Email or password is incorrect');
    }
    const now = clock.now();
    if (user.locked_until && user.locked_until > now.toISOString()) {
      const wait = (new Date(user.locked_until).getTime() - now.getTime()) / 1000;
      throw new AppError(
        'rate_limited',
        'Too many failed sign-in attempts; the account is locked for a while',
        { lockedUntil: user.locked_until },
        { retryAfterSeconds: wait },
      );
    }
    if (!(await verifyPassword(user.password_hash, input.password))) {
      await recordFailure(user, origin);
      throw unauthenticated('Email or password is incorrect');
    }
    if (user.mfa_enabled_at) {
      if (!input.mfaCode && !input.recoveryCode) {
        throw new AppError(
          'mfa_required',
          'This account uses two-factor authentication: send mfaCode or recoveryCode',
        );
      }
      const ok = await mfa.checkSecondFactor(user, { code: input.mfaCode, recoveryCode: input.recoveryCode });
      if (!ok) {
        await recordFailure(user, origin);
        throw new AppError('mfa_required', 'The two-factor code is not valid');
      }
    }
    const memberships = await storage.db
      .selectFrom('memberships')
      .select(['organization_id', 'role'])
      .where('user_id', '=', user.id)
      .orderBy('created_at')
      .execute();
    const chosen = input.organizationId
      ? memberships.find((m) => m.organization_id === input.organizationId)
      : memberships[0];
    if (!chosen) {
      if (input.organizationId) throw notFound('Organization', input.organizationId);
      throw new AppError('forbidden', 'This account is not a member of any organization');
    }
    return storage.transaction(async (trx) => {
      await trx
        .updateTable('users')
        .set({ failed_login_count: 0, locked_until: null })
        .where('id', '=', user.id)
        .execute();
      const pair = await issueSession(trx, user, chosen.organization_id, origin);
      await audit.record(trx, {
        organizationId: chosen.organization_id,
        actor: { type: 'user', id: user.id },
        action: 'auth.logged_in',
        target: { type: 'session', id: pair.sessionId },
        metadata: { mfa: user.mfa_enabled_at !== null },
        origin,
      });
      return { user: toPublicUser(user), tokens: pair };
    });
  }

  async function refresh(
    refreshToken: string,
    origin: Origin,
    switchToOrganizationId?: string,
  ): Promise<TokenPair> {
    const hash = sha256Hex(refreshToken);
    const now = clock.now().toISOString();
    const result = await storage.transaction(async (trx) => {
      const found = await trx
        .selectFrom('refresh_tokens')
        .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
        .select([
          'refresh_tokens.id as tokenId',
          'refresh_tokens.used_at',
          'sessions.id as sessionId',
          'sessions.user_id',
          'sessions.organization_id',
          'sessions.revoked_at',
          'sessions.expires_at',
        ])
        .where('refresh_tokens.token_hash', '=', hash)
        .executeTakeFirst();
      const rotated = await rotateRefreshToken(found, now, {
        view: (r) => ({ usedAt: r.used_at, revoked: Boolean(r.revoked_at), expiresAt: r.expires_at }),
        spend: async (r, at) =>
          Number(
            (
              await trx
                .updateTable('refresh_tokens')
                .set({ used_at: at })
                .where('id', '=', r.tokenId)
                .where('used_at', 'is', null)
                .executeTakeFirst()
            ).numUpdatedRows,
          ) === 1,
        revokeReused: async (r, at) => {
          await trx
            .updateTable('sessions')
            .set({ revoked_at: at, revoked_reason: 'refresh_token_reused' })
            .where('id', '=', r.sessionId)
            .execute();
          await audit.record(trx, {
            organizationId: r.organization_id,
            actor: { type: 'system', id: null },
            action: 'auth.refresh_token_reused',
            target: { type: 'session', id: r.sessionId },
            metadata: { userId: r.user_id, sessionRevoked: true },
            origin,
          });
        },
      });
      if (rotated.error) return { error: rotated.error };
      const row = rotated.row;
      let organizationId = row.organization_id;
      if (switchToOrganizationId && switchToOrganizationId !== organizationId) {
        const m = await trx
          .selectFrom('memberships')
          .select('id')
          .where('user_id', '=', row.user_id)
          .where('organization_id', '=', switchToOrganizationId)
          .executeTakeFirst();
        if (!m) return { error: notFound('Organization', switchToOrganizationId) };
        organizationId = switchToOrganizationId;
        await trx
          .updateTable('sessions')
          .set({ organization_id: organizationId })
          .where('id', '=', row.sessionId)
          .execute();
      }
      await trx
        .updateTable('sessions')
        .set({ last_used_at: now, ip: origin.ip ?? null })
        .where('id', '=', row.sessionId)
        .execute();
      const user = await trx
        .selectFrom('users')
        .selectAll()
        .where('id', '=', row.user_id)
        .executeTakeFirstOrThrow();
      return { pair: await issueTokens(trx, user, row.sessionId, organizationId) };
    });
    // The revocation above must commit even though the caller gets an error.
    if ('error' in result && result.error) throw result.error;
    return (result as { pair: TokenPair }).pair;
  }

  async function revokeSession(
    userId: string,
    sessionId: string,
    reason: string,
    ctx: Ctx | null,
    origin: Origin,
  ) {
    await storage.transaction(async (trx) => {
      const s = await trx
        .selectFrom('sessions')
        .selectAll()
        .where('id', '=', sessionId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (!s) throw notFound('Session', sessionId);
      if (s.revoked_at) return;
      await trx
        .updateTable('sessions')
        .set({ revoked_at: clock.now().toISOString(), revoked_reason: reason })
        .where('id', '=', sessionId)
        .execute();
      await audit.record(trx, {
        organizationId: ctx?.organizationId ?? s.organization_id,
        actor: ctx?.actor ?? { type: 'user', id: userId },
        action: reason === 'logout' ? 'auth.logged_out' : 'auth.session_revoked',
        target: { type: 'session', id: sessionId },
        origin,
      });
    });
  }

  const logout = (ctx: Ctx) => {
    if (!ctx.sessionId || !ctx.userId)
      throw new AppError('invalid_input', 'Only a signed-in session can sign out; revoke API keys instead');
    return revokeSession(ctx.userId, ctx.sessionId, 'logout', ctx, ctx);
  };

  async function listSessions(ctx: Ctx) {
    if (!ctx.userId) return [];
    const rows = await storage.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', ctx.userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', clock.now().toISOString())
      .orderBy('last_used_at', 'desc')
      .execute();
    return rows.map((s) => ({
      id: s.id,
      organizationId: s.organization_id,
      ip: s.ip,
      userAgent: s.user_agent,
      createdAt: s.created_at,
      lastUsedAt: s.last_used_at,
      expiresAt: s.expires_at,
      current: s.id === ctx.sessionId,
    }));
  }

  async function me(ctx: Ctx) {
    const orgs = ctx.userId ? await organizations.listForUser(ctx.userId) : [];
    const user = ctx.userId
      ? await storage.db.selectFrom('users').selectAll().where('id', '=', ctx.userId).executeTakeFirst()
      : undefined;
    return { user: user ? toPublicUser(user) : null, organizations: orgs };
  }

  /**
   * Resolves an access token to the caller's context, checking the session is live and the membership
   * current. `verified` is the token's verification when the caller already has it (the HTTP layer
   * verifies once per request); without it the token is verified here.
   */
  async function authenticateAccessToken(
    token: string,
    requestedOrganizationId: string | undefined,
    origin: Origin,
    verified?: Promise<AccessClaims>,
  ): Promise<Ctx & { mfaEnrollmentRequired: boolean }> {
    const claims = await (verified ?? tokens.verifyAccess(token, clock.now()));
    const organizationId = requestedOrganizationId ?? claims.organizationId;
    const row = await storage.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .leftJoin('memberships', (j) =>
        j
          .onRef('memberships.user_id', '=', 'sessions.user_id')
          .on('memberships.organization_id', '=', organizationId),
      )
      .leftJoin('organizations', 'organizations.id', 'memberships.organization_id')
      .select([
        'sessions.revoked_at',
        'sessions.expires_at',
        'memberships.role',
        'users.mfa_enabled_at',
        'organizations.mfa_required',
      ])
      .where('sessions.id', '=', claims.sessionId)
      .where('sessions.user_id', '=', claims.userId)
      .executeTakeFirst();
    if (!row || row.revoked_at || row.expires_at <= clock.now().toISOString())
      throw unauthenticated('This session was signed out or revoked');
    if (!row.role || !isRole(row.role)) {
      // Not a member (any more, or of the organization asked for): the organization does not exist for them.
      throw notFound('Organization', organizationId);
    }
    return {
      organizationId,
      actor: { type: 'user', id: claims.userId },
      userId: claims.userId,
      role: row.role as Role,
      sessionId: claims.sessionId,
      mfaEnrollmentRequired: row.mfa_required === 1 && row.mfa_enabled_at === null,
      ...origin,
    };
  }

  return {
    register,
    login,
    refresh,
    logout,
    revokeSession,
    listSessions,
    me,
    authenticateAccessToken,
    issueSession,
  };
}

export type Auth = ReturnType<typeof createAuth>;
