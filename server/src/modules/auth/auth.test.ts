import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, signUp, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';

describe(`auth on ${testDialect()}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('registers a user with an organization, seven agents and an audit entry, then GET /me answers', async () => {
    const owner = await signUp(t.app, 'alice');
    const me = await t.app.inject(as(owner, { method: 'GET', url: '/api/v1/me' }));
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      user: { email: owner.email },
      organizationId: owner.organizationId,
      role: 'owner',
    });
    const agents = await t.app.inject(as(owner, { method: 'GET', url: '/api/v1/agents' }));
    expect(
      agents
        .json()
        .items.map((a: { kind: string }) => a.kind)
        .sort(),
    ).toEqual([
      'analytics',
      'client_management',
      'compliance',
      'creative_intelligence',
      'marketing_automation',
      'performance_optimization',
      'workflow_orchestration',
    ]);
    const audit = await t.app.inject(as(owner, { method: 'GET', url: '/api/v1/audit' }));
    expect(audit.json().items.map((e: { action: string }) => e.action)).toEqual([
      'users.registered',
      'organizations.created',
    ]);
  });

  it('logs in with the right password only, and the same email cannot register twice', async () => {
    const u = await signUp(t.app, 'bob');
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: u.email.toUpperCase(), password: u.password },
    });
    expect(ok.statusCode).toBe(200);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: u.email, password: 'wrong password' },
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error.code).toBe('unauthenticated');
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: u.email, password: 'whatever123', name: 'x', organizationName: 'y' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('conflict');
  });

  it('rotates refresh tokens, and reusing a spent one revokes the whole session family', async () => {
    const u = await signUp(t.app, 'carol');
    const r1 = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: u.refreshToken },
    });
    expect(r1.statusCode).toBe(200);
    const second = r1.json().tokens;
    expect(second.refreshToken).not.toBe(u.refreshToken);
    // The first token is spent: presenting it again is reuse.
    const reuse = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: u.refreshToken },
    });
    expect(reuse.statusCode).toBe(401);
    // The newest token of the family is dead too, and so is the access token of the session.
    const next = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: second.refreshToken },
    });
    expect(next.statusCode).toBe(401);
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${second.accessToken}` },
    });
    expect(me.statusCode).toBe(401);
    const audit = await t.services.audit.list(u.organizationId, {
      limit: 10,
      action: 'auth.refresh_token_reused',
    });
    expect(audit.items).toHaveLength(1);
  });

  it('locks the account after repeated failures, with Retry-After', async () => {
    const u = await signUp(t.app, 'dave');
    for (let i = 0; i < t.config.auth.loginMaxFailures; i++) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: u.email, password: 'nope nope' },
      });
      expect(r.statusCode).toBe(401);
    }
    const locked = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: u.email, password: u.password },
    });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('rate_limited');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    t.clock.advance(t.config.auth.loginLockoutMinutes * 60_000 + 1000);
    const after = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: u.email, password: u.password },
    });
    expect(after.statusCode).toBe(200);
  });

  it('logout ends the session; access tokens of that session stop working', async () => {
    const u = await signUp(t.app, 'erin');
    const out = await t.app.inject(as(u, { method: 'POST', url: '/api/v1/auth/logout' }));
    expect(out.statusCode).toBe(204);
    const me = await t.app.inject(as(u, { method: 'GET', url: '/api/v1/me' }));
    expect(me.statusCode).toBe(401);
  });

  it('access tokens expire after 15 minutes', async () => {
    const u = await signUp(t.app, 'frank');
    t.clock.advance(15 * 60_000 + 1000);
    const me = await t.app.inject(as(u, { method: 'GET', url: '/api/v1/me' }));
    expect(me.statusCode).toBe(401);
    expect(me.json().error.message).toMatch(/expired/);
  });

  it('unknown email fails like a wrong password', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: uniqueEmail('ghost'), password: 'whatever1' },
    });
    expect(r.statusCode).toBe(401);
    expect(r.json().error.message).toBe('Email or password is incorrect');
  });
});

describe(`sign-in rate limit per client IP on ${testDialect()}`, () => {
  it('answers 429 with Retry-After past OMNIFY_LOGIN_RATE_LIMIT_PER_MINUTE (default 20)', async () => {
    const t = await createTestApp({ env: { OMNIFY_LOGIN_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      expect(t.config.auth.loginRateLimitPerMinute).toBe(3);
      const u = await signUp(t.app, 'limited');
      const login = () =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: u.email, password: u.password },
        });
      for (let i = 0; i < 3; i++) expect((await login()).statusCode).toBe(200);
      const limited = await login();
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});
