/**
 * One-time refresh tokens with reuse detection, shared by agency sign-in (auth.service.ts:
 * `sessions`, `refresh_tokens`) and the client portal (portal-auth.service.ts: `portal_sessions`,
 * `portal_refresh_tokens`). The caller looks the presented token up in its own tables; this decides
 * whether it may be rotated, spends it, and on reuse has the session revoked. The caller then issues
 * the next pair in the same transaction.
 */
import { type AppError, unauthenticated } from '../../platform/errors.ts';

/** The presented token and its session, as the caller's tables hold them. */
export interface PresentedRefreshToken {
  usedAt: string | null;
  /** The session was signed out or revoked (the portal also counts a revoked user). */
  revoked: boolean;
  expiresAt: string;
}

/** The caller's side, over its own row type `T` (the token joined with its session). */
export interface RotationSteps<T> {
  view(found: T): PresentedRefreshToken;
  /**
   * Marks the token used if it is not yet, as a conditional update (`used_at is null`) so that two
   * concurrent uses cannot both succeed; true if this call spent it.
   */
  spend(found: T, now: string): Promise<boolean>;
  /**
   * A spent token presented again has leaked: revoke its session (reason `refresh_token_reused`) and
   * audit it. Runs in the caller's transaction, which must commit although the caller gets an error.
   */
  revokeReused(found: T, now: string): Promise<void>;
}

/** `{ row }` when this call spent the token (issue the next pair); else the error to answer. */
export async function rotateRefreshToken<T>(
  found: T | undefined,
  now: string,
  steps: RotationSteps<T>,
): Promise<{ row: T; error?: undefined } | { error: AppError }> {
  if (!found) return { error: unauthenticated('Invalid refresh token') };
  const token = steps.view(found);
  if (token.revoked) return { error: unauthenticated('This session was signed out or revoked') };
  if (token.expiresAt <= now) return { error: unauthenticated('This session has expired; sign in again') };
  const spent = token.usedAt ? false : await steps.spend(found, now);
  if (!spent) {
    await steps.revokeReused(found, now);
    return {
      error: unauthenticated(
        'This refresh token was already used; the session has been revoked. Sign in again',
      ),
    };
  }
  return { row: found };
}
