/**
 * TOTP two-factor authentication (RFC 6238: SHA-1, 6 digits, 30 s, as authenticator apps expect):
 * enrolment with an otpauth URI, confirmation with a first code, ten one-time recovery codes, and
 * replay protection (a time step is accepted once).
 */
import { randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import type { Clock } from '../../platform/clock.ts';
import { type SecretBox, sha256Hex } from '../../platform/crypto.ts';
import { AppError, conflict, invalidInput } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { UsersTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from './context.ts';

const RECOVERY_CODES = 10;

/** Recovery codes look like `7f3k-q9xm-2hdp`; compared case- and dash-insensitively. */
function newRecoveryCode(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(12);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
}
const normalizeRecovery = (code: string) => code.toLowerCase().replace(/[^a-z0-9]/g, '');

export function createMfa({
  storage,
  audit,
  clock,
  box,
  issuer = 'Omnify',
}: {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  box: SecretBox;
  issuer?: string;
}) {
  async function checkCode(secret: string, code: string, afterTimeStep: number | null) {
    if (!/^\d{6}$/.test(code)) return { valid: false as const };
    const r = await verify({
      secret,
      token: code,
      epoch: Math.floor(clock.now().getTime() / 1000),
      epochTolerance: 30,
      ...(afterTimeStep === null ? {} : { afterTimeStep }),
    });
    // The functional API types its result as HOTP | TOTP; with a secret and an epoch it is TOTP.
    return r.valid
      ? { valid: true as const, timeStep: (r as unknown as { timeStep: number }).timeStep }
      : { valid: false as const };
  }

  async function getUser(trx: Executor, userId: string) {
    return trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  }

  function requireUser(ctx: Ctx): string {
    if (!ctx.userId || ctx.actor.type !== 'user')
      throw new AppError('forbidden', 'Two-factor settings belong to a signed-in user, not an API key');
    return ctx.userId;
  }

  async function enroll(ctx: Ctx) {
    const userId = requireUser(ctx);
    const user = await getUser(storage.db, userId);
    if (user.mfa_enabled_at)
      throw conflict('Two-factor authentication is already enabled; disable it first to re-enrol');
    const secret = generateSecret();
    await storage.db
      .updateTable('users')
      .set({ mfa_pending_secret_sealed: box.seal(secret), updated_at: clock.now().toISOString() })
      .where('id', '=', userId)
      .execute();
    return { secret, otpauthUri: generateURI({ issuer, label: user.email, secret }) };
  }

  async function issueRecoveryCodes(trx: Executor, userId: string): Promise<string[]> {
    await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
    const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    const now = clock.now().toISOString();
    await trx
      .insertInto('mfa_recovery_codes')
      .values(
        codes.map((c) => ({
          id: newId('mfa'),
          user_id: userId,
          code_hash: sha256Hex(normalizeRecovery(c)),
          used_at: null,
          created_at: now,
        })),
      )
      .execute();
    return codes;
  }

  /** Confirms enrolment with the first code from the app; returns the recovery codes, shown once. */
  async function activate(ctx: Ctx, code: string) {
    const userId = requireUser(ctx);
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const user = await getUser(trx, userId);
      if (user.mfa_enabled_at) throw conflict('Two-factor authentication is already enabled');
      if (!user.mfa_pending_secret_sealed)
        throw invalidInput('Start enrolment first (POST /api/v1/auth/mfa/enroll)');
      const secret = box.open(user.mfa_pending_secret_sealed);
      const r = await checkCode(secret, code, null);
      if (!r.valid)
        throw invalidInput('The code does not match; check the device clock and try the current code', {
          field: 'code',
        });
      const now = clock.now().toISOString();
      await trx
        .updateTable('users')
        .set({
          mfa_secret_sealed: user.mfa_pending_secret_sealed,
          mfa_pending_secret_sealed: null,
          mfa_enabled_at: now,
          mfa_last_step: r.timeStep,
          updated_at: now,
        })
        .where('id', '=', userId)
        .execute();
      const recoveryCodes = await issueRecoveryCodes(trx, userId);
      await audit.recordFor(trx, ctx, {
        action: 'auth.mfa_enabled',
        target: { type: 'user', id: userId },
      });
      return { enabled: true, recoveryCodes };
    });
  }

  /**
   * Checks a TOTP code or spends a recovery code. Inside a transaction, pass it as `db`: on SQLite a
   * write through `storage.db` would wait forever for the connection the transaction holds.
   */
  async function checkSecondFactor(
    user: UsersTable,
    input: { code?: string | undefined; recoveryCode?: string | undefined },
    db: Executor = storage.db,
  ): Promise<boolean> {
    if (!user.mfa_secret_sealed) return true;
    if (input.code) {
      const r = await checkCode(
        box.open(user.mfa_secret_sealed),
        input.code,
        user.mfa_last_step === null ? null : Number(user.mfa_last_step),
      );
      if (!r.valid) return false;
      // Conditional so that one code cannot sign in twice, even concurrently.
      const res = await db
        .updateTable('users')
        .set({ mfa_last_step: r.timeStep })
        .where('id', '=', user.id)
        .where((eb) => eb.or([eb('mfa_last_step', 'is', null), eb('mfa_last_step', '<', r.timeStep)]))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    }
    if (input.recoveryCode) {
      const res = await db
        .updateTable('mfa_recovery_codes')
        .set({ used_at: clock.now().toISOString() })
        .where('user_id', '=', user.id)
        .where('code_hash', '=', sha256Hex(normalizeRecovery(input.recoveryCode)))
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    }
    return false;
  }

  async function disable(ctx: Ctx, code: string) {
    const userId = requireUser(ctx);
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const user = await getUser(trx, userId);
      if (!user.mfa_enabled_at) throw conflict('Two-factor authentication is not enabled');
      const ok = /^\d{6}$/.test(code)
        ? await checkSecondFactor(user, { code }, trx)
        : await checkSecondFactor(user, { recoveryCode: code }, trx);
      if (!ok) throw invalidInput('The code is not valid', { field: 'code' });
      const org = await trx
        .selectFrom('organizations')
        .select('mfa_required')
        .where('id', '=', ctx.organizationId)
        .executeTakeFirst();
      if (org?.mfa_required === 1)
        throw new AppError('forbidden', 'This organization requires two-factor authentication');
      await trx
        .updateTable('users')
        .set({
          mfa_secret_sealed: null,
          mfa_enabled_at: null,
          mfa_last_step: null,
          updated_at: clock.now().toISOString(),
        })
        .where('id', '=', userId)
        .execute();
      await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
      await audit.recordFor(trx, ctx, {
        action: 'auth.mfa_disabled',
        target: { type: 'user', id: userId },
      });
      return { enabled: false };
    });
  }

  async function regenerateRecoveryCodes(ctx: Ctx, code: string) {
    const userId = requireUser(ctx);
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const user = await getUser(trx, userId);
      if (!user.mfa_enabled_at) throw conflict('Two-factor authentication is not enabled');
      if (!(await checkSecondFactor(user, { code }, trx)))
        throw invalidInput('The code is not valid', { field: 'code' });
      const recoveryCodes = await issueRecoveryCodes(trx, userId);
      await audit.recordFor(trx, ctx, {
        action: 'auth.mfa_recovery_codes_regenerated',
        target: { type: 'user', id: userId },
      });
      return { recoveryCodes };
    });
  }

  async function status(ctx: Ctx) {
    const userId = requireUser(ctx);
    const user = await getUser(storage.db, userId);
    const left = await storage.db
      .selectFrom('mfa_recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return {
      enabled: user.mfa_enabled_at !== null,
      enabledAt: user.mfa_enabled_at,
      recoveryCodesRemaining: Number(left.n),
    };
  }

  return { enroll, activate, checkSecondFactor, disable, regenerateRecoveryCodes, status };
}

export type Mfa = ReturnType<typeof createMfa>;
