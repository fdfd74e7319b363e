import type { InjectOptions } from 'fastify';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';

const STEP = 30_000;
let ipCounter = 0;
/** Each request from its own address, so the per-IP limits of sign-in never answer 429. */
const nextIp = () => `10.5.${(++ipCounter >> 8) & 255}.${ipCounter & 255}`;

describe(`two-factor authentication on ${testDialect()}`, () => {
  let t: TestApp;
  const send = (who: Signed | null, opts: InjectOptions) =>
    t.app.inject({
      ...opts,
      remoteAddress: nextIp(),
      headers: { ...(who?.headers ?? {}), ...(opts.headers as Record<string, string>) },
    });
  /** The code an authenticator app shows now, by the test app's clock. */
  const codeNow = (secret: string) => generate({ secret, epoch: Math.floor(t.clock.now().getTime() / 1000) });
  const login = (u: Signed, extra: Record<string, string> = {}) =>
    send(null, {
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: u.email, password: u.password, ...extra },
    });

  /** Enrols `u` and confirms with the current code; returns the secret and the recovery codes. */
  async function enrol(u: Signed) {
    const started = await send(u, { method: 'POST', url: '/api/v1/auth/mfa/enroll' });
    expect(started.statusCode, started.body).toBe(200);
    const { secret } = started.json() as { secret: string };
    const verified = await send(u, {
      method: 'POST',
      url: '/api/v1/auth/mfa/verify',
      payload: { code: await codeNow(secret) },
    });
    expect(verified.statusCode, verified.body).toBe(200);
    return { secret, recoveryCodes: verified.json().recoveryCodes as string[] };
  }
  /** A code that is not the current one (nor a neighbour's, which the tolerance would accept). */
  async function wrongCode(secret: string) {
    const taken = new Set<string>();
    for (const d of [-1, 0, 1])
      taken.add(await generate({ secret, epoch: Math.floor(t.clock.now().getTime() / 1000) + d * 30 }));
    let n = 0;
    while (taken.has(String(n).padStart(6, '0'))) n++;
    return String(n).padStart(6, '0');
  }

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('enrols with an otpauth URI; the first valid code turns MFA on and returns 10 one-time recovery codes', async () => {
    const u = await signUp(t.app, 'mfa-enrol');
    const started = await send(u, { method: 'POST', url: '/api/v1/auth/mfa/enroll' });
    const { secret, otpauthUri } = started.json() as { secret: string; otpauthUri: string };
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    const uri = new URL(otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toContain(u.email);
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Omnify');
    // Not on until confirmed.
    expect((await send(u, { method: 'GET', url: '/api/v1/auth/mfa' })).json().enabled).toBe(false);
    expect((await login(u)).statusCode).toBe(200);

    const bad = await send(u, {
      method: 'POST',
      url: '/api/v1/auth/mfa/verify',
      payload: { code: await wrongCode(secret) },
    });
    expect(bad.statusCode).toBe(400);
    expect((await send(u, { method: 'GET', url: '/api/v1/auth/mfa' })).json().enabled).toBe(false);

    const ok = await send(u, {
      method: 'POST',
      url: '/api/v1/auth/mfa/verify',
      payload: { code: await codeNow(secret) },
    });
    expect(ok.statusCode).toBe(200);
    const codes = ok.json().recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect((await send(u, { method: 'GET', url: '/api/v1/auth/mfa' })).json()).toMatchObject({
      enabled: true,
      recoveryCodesRemaining: 10,
    });
    const row = await t.storage.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', u.userId)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(secret);
    const codesInDb = await t.storage.db
      .selectFrom('mfa_recovery_codes')
      .selectAll()
      .where('user_id', '=', u.userId)
      .execute();
    for (const c of codes) expect(JSON.stringify(codesInDb)).not.toContain(c);
    const entry = (await t.services.audit.list(u.organizationId, { limit: 1 })).items[0];
    expect(entry?.action).toBe('auth.mfa_enabled');
    // Enrolling again while on is a conflict.
    expect((await send(u, { method: 'POST', url: '/api/v1/auth/mfa/enroll' })).statusCode).toBe(409);
  });

  it('then requires a second factor to sign in: 401 mfa_required without one or with a wrong one', async () => {
    const u = await signUp(t.app, 'mfa-login');
    const { secret } = await enrol(u);
    const none = await login(u);
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('mfa_required');
    const wrong = await login(u, { mfaCode: await wrongCode(secret) });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('mfa_required');
    // The right password still matters.
    const badPassword = await send(null, {
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: u.email, password: 'wrong password', mfaCode: await codeNow(secret) },
    });
    expect(badPassword.json().error.code).toBe('unauthenticated');
    t.clock.advance(STEP);
    const ok = await login(u, { mfaCode: await codeNow(secret) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().user.mfaEnabled).toBe(true);
  });

  it('accepts a TOTP code once: neither the enrolment code nor a used code can be replayed', async () => {
    const u = await signUp(t.app, 'mfa-replay');
    const { secret } = await enrol(u);
    const enrolmentCode = await codeNow(secret);
    expect((await login(u, { mfaCode: enrolmentCode })).statusCode).toBe(401);
    t.clock.advance(STEP);
    const code = await codeNow(secret);
    expect((await login(u, { mfaCode: code })).statusCode).toBe(200);
    const replay = await login(u, { mfaCode: code });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('mfa_required');
    // An older code still inside the clock-drift tolerance is refused too: time steps only move forward.
    t.clock.advance(STEP);
    expect((await login(u, { mfaCode: code })).statusCode).toBe(401);
    expect((await login(u, { mfaCode: await codeNow(secret) })).statusCode).toBe(200);
  });

  it('accepts each recovery code once, however it is typed', async () => {
    const u = await signUp(t.app, 'mfa-recovery');
    const { recoveryCodes } = await enrol(u);
    const [first, second] = recoveryCodes as [string, string];
    expect((await login(u, { recoveryCode: first })).statusCode).toBe(200);
    const again = await login(u, { recoveryCode: first });
    expect(again.statusCode).toBe(401);
    expect(again.json().error.code).toBe('mfa_required');
    expect((await login(u, { recoveryCode: second.replaceAll('-', '').toUpperCase() })).statusCode).toBe(200);
    const status = await send(u, { method: 'GET', url: '/api/v1/auth/mfa' });
    expect(status.json().recoveryCodesRemaining).toBe(8);
  });

  it('new recovery codes replace the old ones; disabling needs a valid code and stops asking for one', async () => {
    const u = await signUp(t.app, 'mfa-disable');
    const { secret, recoveryCodes } = await enrol(u);
    t.clock.advance(STEP);
    const regenerated = await send(u, {
      method: 'POST',
      url: '/api/v1/auth/mfa/recovery-codes',
      payload: { code: await codeNow(secret) },
    });
    expect(regenerated.statusCode).toBe(200);
    const fresh = regenerated.json().recoveryCodes as string[];
    expect(fresh).toHaveLength(10);
    expect(fresh.some((c) => recoveryCodes.includes(c))).toBe(false);
    expect((await login(u, { recoveryCode: recoveryCodes[0] as string })).statusCode).toBe(401);

    const refused = await send(u, {
      method: 'POST',
      url: '/api/v1/auth/mfa/disable',
      payload: { code: await wrongCode(secret) },
    });
    expect(refused.statusCode).toBe(400);
    const disabled = await send(u, {
      method: 'POST',
      url: '/api/v1/auth/mfa/disable',
      payload: { code: fresh[0] as string },
    });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().enabled).toBe(false);
    expect((await login(u)).statusCode).toBe(200);
    expect((await send(u, { method: 'GET', url: '/api/v1/auth/mfa' })).json()).toMatchObject({
      enabled: false,
      recoveryCodesRemaining: 0,
    });
  });

  it('an organization requiring MFA blocks a member who has not enrolled, with 403 mfa_enrollment_required, until they enrol', async () => {
    const owner = await signUp(t.app, 'mfa-org');
    await enrol(owner);
    const require = await send(owner, {
      method: 'PATCH',
      url: '/api/v1/organization',
      payload: { mfaRequired: true },
    });
    expect(require.statusCode).toBe(200);
    expect(require.json().mfaRequired).toBe(true);

    const email = uniqueEmail('mfa-member');
    const inv = await send(owner, {
      method: 'POST',
      url: '/api/v1/invitations',
      payload: { email, role: 'member' },
    });
    const joined = await send(null, {
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password: 'member password', name: 'Member', invitationToken: inv.json().token },
    });
    expect(joined.statusCode).toBe(201);
    expect(joined.json().tokens.mfaEnrollmentRequired).toBe(true);
    const member: Signed = {
      token: joined.json().tokens.accessToken,
      refreshToken: joined.json().tokens.refreshToken,
      userId: joined.json().user.id,
      organizationId: owner.organizationId,
      email,
      password: 'member password',
      headers: { authorization: `Bearer ${joined.json().tokens.accessToken}` },
    };
    for (const opts of [
      { method: 'GET', url: '/api/v1/clients' },
      { method: 'POST', url: '/api/v1/clients', payload: { name: 'Blocked', email: uniqueEmail('c') } },
      { method: 'GET', url: '/api/v1/organization' },
    ] as const) {
      const res = await send(member, opts);
      expect(res.statusCode, `${opts.method} ${opts.url}`).toBe(403);
      expect(res.json().error).toMatchObject({
        code: 'forbidden',
        details: { reason: 'mfa_enrollment_required' },
      });
    }
    // Who they are and how to enrol stay reachable.
    expect((await send(member, { method: 'GET', url: '/api/v1/me' })).statusCode).toBe(200);
    expect((await login(member)).json().tokens.mfaEnrollmentRequired).toBe(true);

    await enrol(member);
    expect((await send(member, { method: 'GET', url: '/api/v1/clients' })).statusCode).toBe(200);
    // While the organization requires it, a member cannot turn it off.
    t.clock.advance(STEP);
    const off = await send(member, {
      method: 'POST',
      url: '/api/v1/auth/mfa/disable',
      payload: { code: '123456' },
    });
    expect([400, 403]).toContain(off.statusCode);
    expect((await send(member, { method: 'GET', url: '/api/v1/auth/mfa' })).json().enabled).toBe(true);
  });
});
