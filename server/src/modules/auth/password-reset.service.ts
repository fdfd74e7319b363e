/**
 * Password reset: a one-time token valid for one hour, delivered through the mailer port. The answer
 * to a request never says whether the email has an account. Completing a reset signs out every
 * session of the user and lifts a lockout.
 */
import type { Clock } from '../../platform/clock.ts';
import { randomToken, sha256Hex } from '../../platform/crypto.ts';
import { invalidInput } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Mailer } from '../../platform/mailer.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Origin } from './context.ts';
import { hashPassword } from './passwords.ts';

const HOUR = 3_600_000;

export function createPasswordReset({
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
  async function auditForUser(
    trx: Executor,
    userId: string,
    action: string,
    origin: Origin,
    metadata?: Record<string, unknown>,
  ) {
    const orgs = await trx
      .selectFrom('memberships')
      .select('organization_id')
      .where('user_id', '=', userId)
      .execute();
    for (const o of orgs) {
      await audit.record(trx, {
        organizationId: o.organization_id,
        actor: { type: 'user', id: userId },
        action,
        target: { type: 'user', id: userId },
        origin,
        ...(metadata ? { metadata } : {}),
      });
    }
  }

  async function request(email: string, origin: Origin): Promise<void> {
    const user = await storage.db
      .selectFrom('users')
      .select(['id', 'email', 'name'])
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst();
    if (!user) return;
    const token = randomToken(32);
    const now = clock.now();
    await storage.transaction(async (trx) => {
      await trx
        .insertInto('password_resets')
        .values({
          id: newId('passwordReset'),
          user_id: user.id,
          token_hash: sha256Hex(token),
          expires_at: new Date(now.getTime() + HOUR).toISOString(),
          used_at: null,
          created_at: now.toISOString(),
        })
        .execute();
      await auditForUser(trx, user.id, 'auth.password_reset_requested', origin);
    });
    await mailer.send({
      to: user.email,
      subject: 'Reset your Omnify password',
      text: `Hello ${user.name},\n\nSomeone (hopefully you) asked to reset your Omnify password. The link below works once, for one hour:\n\n${publicUrl}/reset-password?token=${token}\n\nOr send the token to POST /api/v1/auth/password-reset/confirm:\n${token}\n\nIf you did not ask for this, ignore this message.`,
    });
  }

  async function confirm(token: string, newPassword: string, origin: Origin): Promise<void> {
    const passwordHash = await hashPassword(newPassword);
    await storage.transaction(async (trx) => {
      const now = clock.now().toISOString();
      const row = await trx
        .selectFrom('password_resets')
        .selectAll()
        .where('token_hash', '=', sha256Hex(token))
        .executeTakeFirst();
      if (!row || row.used_at || row.expires_at <= now)
        throw invalidInput('This reset link is invalid or has expired; ask for a new one', {
          field: 'token',
        });
      const spent = await trx
        .updateTable('password_resets')
        .set({ used_at: now })
        .where('id', '=', row.id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(spent.numUpdatedRows) !== 1)
        throw invalidInput('This reset link was already used', { field: 'token' });
      await trx
        .updateTable('users')
        .set({ password_hash: passwordHash, failed_login_count: 0, locked_until: null, updated_at: now })
        .where('id', '=', row.user_id)
        .execute();
      const revoked = await trx
        .updateTable('sessions')
        .set({ revoked_at: now, revoked_reason: 'password_reset' })
        .where('user_id', '=', row.user_id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      await auditForUser(trx, row.user_id, 'auth.password_reset_completed', origin, {
        sessionsRevoked: Number(revoked.numUpdatedRows),
      });
    });
  }

  return { request, confirm };
}

export type PasswordReset = ReturnType<typeof createPasswordReset>;
