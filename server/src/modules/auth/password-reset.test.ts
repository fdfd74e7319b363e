import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { sha256Hex } from '../../platform/crypto.ts';
import { testDialect } from '../../storage/testing.ts';

const HOUR = 3_600_000;
let ipCounter = 0;
/** Each request from its own address, so the per-IP limits of these public routes never answer 429. */
const nextIp = () => `10.6.${(++ipCounter >> 8) & 255}.${ipCounter & 255}`;

describe(`password reset on ${testDialect()}`, () => {
  let t: TestApp;
  const send = (who: Signed | null, opts: InjectOptions) =>
    t.app.inject({
      ...opts,
      remoteAddress: nextIp(),
      headers: { ...(who?.headers ?? {}), ...(opts.headers as Record<string, string>) },
    });
  const requestReset = (email: string) =>
    send(null, { method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } });
  const confirm = (token: string, password: string) =>
    send(null, { method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { token, password } });
  const login = (email: string, password: string) =>
    send(null, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  /** Asks for a reset and returns the token from the mail that was sent. */
  async function tokenFor(u: Signed): Promise<string> {
    const sent = t.mailer.sent.length;
    expect((await requestReset(u.email)).statusCode).toBe(202);
    expect(t.mailer.sent).toHaveLength(sent + 1);
    const mail = t.mailer.sent.at(-1);
    expect(mail?.to).toBe(u.email);
    const token = mail?.text.match(/token=([A-Za-z0-9_-]{20,})/)?.[1];
    expect(token).toBeDefined();
    return token as string;
  }

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('answers every request with 202, and mails only a known address, storing the token as a hash', async () => {
    const u = await signUp(t.app, 'reset-known');
    const sent = t.mailer.sent.length;
    const rowsBefore = await t.storage.db.selectFrom('password_resets').selectAll().execute();
    const unknown = await requestReset(uniqueEmail('nobody'));
    expect(unknown.statusCode).toBe(202);
    expect(unknown.json()).toEqual({ accepted: true });
    expect(t.mailer.sent).toHaveLength(sent);
    expect(await t.storage.db.selectFrom('password_resets').selectAll().execute()).toEqual(rowsBefore);

    const known = await requestReset(u.email.toUpperCase());
    expect(known.statusCode).toBe(202);
    expect(known.body).toBe(unknown.body);
    const mail = t.mailer.sent.at(-1);
    expect(mail?.to).toBe(u.email);
    const token = mail?.text.match(/token=([A-Za-z0-9_-]{20,})/)?.[1] as string;
    expect(mail?.text).toContain(`${t.config.http.publicUrl}/reset-password?token=${token}`);
    const row = await t.storage.db
      .selectFrom('password_resets')
      .selectAll()
      .where('user_id', '=', u.userId)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.token_hash).toBe(sha256Hex(token));
    const entry = (await t.services.audit.list(u.organizationId, { limit: 1 })).items[0];
    expect(entry?.action).toBe('auth.password_reset_requested');
  });

  it('sets a new password once; the old password stops working and the token cannot be reused', async () => {
    const u = await signUp(t.app, 'reset-once');
    const token = await tokenFor(u);
    expect((await confirm(token, 'a brand new password')).statusCode).toBe(204);
    expect((await login(u.email, u.password)).statusCode).toBe(401);
    expect((await login(u.email, 'a brand new password')).statusCode).toBe(200);
    const reuse = await confirm(token, 'yet another password');
    expect(reuse.statusCode).toBe(400);
    expect(reuse.json().error).toMatchObject({ code: 'invalid_input', details: { field: 'token' } });
    expect((await login(u.email, 'yet another password')).statusCode).toBe(401);
  });

  it('a rejected new password does not spend the token', async () => {
    const u = await signUp(t.app, 'reset-weak');
    const token = await tokenFor(u);
    expect((await confirm(token, 'short')).statusCode).toBe(400);
    expect((await login(u.email, u.password)).statusCode).toBe(200);
    expect((await confirm(token, 'long enough now')).statusCode).toBe(204);
  });

  it('expires after one hour', async () => {
    const u = await signUp(t.app, 'reset-expiry');
    const early = await tokenFor(u);
    const late = await tokenFor(u);
    t.clock.advance(HOUR - 1000);
    expect((await confirm(early, 'changed in time')).statusCode).toBe(204);
    t.clock.advance(1000);
    const expired = await confirm(late, 'changed too late');
    expect(expired.statusCode).toBe(400);
    expect((await login(u.email, 'changed too late')).statusCode).toBe(401);
    expect((await login(u.email, 'changed in time')).statusCode).toBe(200);
  });

  it('signs out every session of the user: access and refresh tokens stop working', async () => {
    const u = await signUp(t.app, 'reset-sessions');
    const second = (await login(u.email, u.password)).json().tokens;
    const sessions = [u.token, second.accessToken];
    for (const token of sessions)
      expect(
        (
          await send(null, {
            method: 'GET',
            url: '/api/v1/me',
            headers: { authorization: `Bearer ${token}` },
          })
        ).statusCode,
      ).toBe(200);

    expect((await confirm(await tokenFor(u), 'fresh start please')).statusCode).toBe(204);
    for (const token of sessions)
      expect(
        (
          await send(null, {
            method: 'GET',
            url: '/api/v1/me',
            headers: { authorization: `Bearer ${token}` },
          })
        ).statusCode,
      ).toBe(401);
    for (const refreshToken of [u.refreshToken, second.refreshToken])
      expect(
        (await send(null, { method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } }))
          .statusCode,
      ).toBe(401);
    const live = await t.storage.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', u.userId)
      .where('revoked_at', 'is', null)
      .execute();
    expect(live).toEqual([]);
    const entry = (await t.services.audit.list(u.organizationId, { limit: 1 })).items[0];
    expect(entry?.action).toBe('auth.password_reset_completed');
    expect(entry?.metadata).toMatchObject({ sessionsRevoked: 2 });
  });

  it('lifts a lockout: the new password works at once', async () => {
    const u = await signUp(t.app, 'reset-lockout');
    for (let i = 0; i < t.config.auth.loginMaxFailures; i++)
      expect((await login(u.email, 'not the password')).statusCode).toBe(401);
    const locked = await login(u.email, u.password);
    expect(locked.statusCode).toBe(429);
    expect((await confirm(await tokenFor(u), 'unlocked password')).statusCode).toBe(204);
    expect((await login(u.email, 'unlocked password')).statusCode).toBe(200);
  });
});
