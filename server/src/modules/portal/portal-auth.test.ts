import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { clientWithData, portalUserFor } from '../../../test/helpers/portal.ts';
import { testDialect } from '../../storage/testing.ts';

describe(`client-portal users and sign-in on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let clientId: string;
  let slug: string;

  const inject = (opts: InjectOptions) => t.app.inject(opts);
  const tokenOf = (to: string) =>
    /token=([A-Za-z0-9_-]+)/.exec([...t.mailer.sent].reverse().find((m) => m.to === to)?.text ?? '')?.[1];

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'portal-auth');
    ({ clientId, slug } = await clientWithData(t, owner, 'portalauth', 'Bright Smile Dental'));
  });
  afterAll(() => t.close());

  it('gives every client a portal slug from its name, unique across the install', async () => {
    expect(slug).toBe('bright-smile-dental');
    const other = await signUp(t.app, 'slug-twin');
    const twin = await inject({
      method: 'POST',
      url: '/api/v1/clients',
      headers: other.headers,
      payload: { name: 'Bright Smile Dental', email: uniqueEmail('twin') },
    });
    expect(twin.json().portalSlug).toBe('bright-smile-dental-2');
    const taken = await inject({
      method: 'PATCH',
      url: `/api/v1/clients/${twin.json().id}`,
      headers: other.headers,
      payload: { portalSlug: 'bright-smile-dental' },
    });
    expect(taken.statusCode).toBe(409);
    const bad = await inject({
      method: 'PATCH',
      url: `/api/v1/clients/${twin.json().id}`,
      headers: other.headers,
      payload: { portalSlug: 'Not A Slug!' },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('invites by email with a link to choose a password; accepting signs the user in, once', async () => {
    const email = uniqueEmail('invitee');
    const invited = await inject({
      method: 'POST',
      url: `/api/v1/clients/${clientId}/portal-users`,
      headers: owner.headers,
      payload: { email, name: 'Dr. Reader' },
    });
    expect(invited.statusCode).toBe(201);
    expect(invited.json()).toMatchObject({ email, status: 'invited', clientId });
    expect(invited.body).not.toContain('token');
    const mail = t.mailer.sent.find((m) => m.to === email);
    expect(mail?.text).toContain(`/portal/${slug}/accept?token=`);
    expect(mail?.subject).toContain('Bright Smile Dental');
    const token = tokenOf(email) as string;

    const short = await inject({
      method: 'POST',
      url: '/api/v1/portal/auth/accept',
      payload: { token, password: 'short' },
    });
    expect(short.statusCode).toBe(400);
    const accepted = await inject({
      method: 'POST',
      url: '/api/v1/portal/auth/accept',
      payload: { token, password: 'a good portal password' },
    });
    expect(accepted.statusCode).toBe(201);
    expect(accepted.json().user.status).toBe('active');
    expect(accepted.json().tokens.clientId).toBe(clientId);
    const again = await inject({
      method: 'POST',
      url: '/api/v1/portal/auth/accept',
      payload: { token, password: 'a good portal password' },
    });
    expect(again.statusCode).toBe(400);
    // The shape of every other 400: the issue names the token in the body.
    expect(again.json().error).toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/^body\.token: /),
      details: {
        field: 'token',
        issues: [{ location: 'body.token', path: ['token'], code: 'invalid_value' }],
      },
    });

    const login = await inject({
      method: 'POST',
      url: '/api/v1/portal/auth/login',
      payload: { email, password: 'a good portal password', slug },
    });
    expect(login.statusCode).toBe(200);
    const me = await inject({
      method: 'GET',
      url: '/api/v1/portal/me',
      headers: { authorization: `Bearer ${login.json().tokens.accessToken}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json().client).toMatchObject({ id: clientId, name: 'Bright Smile Dental', portalSlug: slug });

    const list = await inject({
      method: 'GET',
      url: `/api/v1/clients/${clientId}/portal-users`,
      headers: owner.headers,
    });
    expect(list.json().items.find((u: { email: string }) => u.email === email).status).toBe('active');
    const audit = await inject({ method: 'GET', url: '/api/v1/audit?limit=200', headers: owner.headers });
    const actions = audit.json().items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['portal_users.invited', 'portal_users.accepted', 'portal.logged_in']),
    );
  });

  it('one address with two portals must name the slug: a 400 whose issue names body.slug', async () => {
    const second = await inject({
      method: 'POST',
      url: '/api/v1/clients',
      headers: owner.headers,
      payload: { name: 'Second Portal Client', email: uniqueEmail('second') },
    });
    expect(second.statusCode, second.body).toBe(201);
    const email = uniqueEmail('two-portals');
    const password = 'one password for both';
    for (const id of [clientId, second.json().id as string]) {
      const invited = await inject({
        method: 'POST',
        url: `/api/v1/clients/${id}/portal-users`,
        headers: owner.headers,
        payload: { email, name: 'Two Portals' },
      });
      expect(invited.statusCode, invited.body).toBe(201);
      const accepted = await inject({
        method: 'POST',
        url: '/api/v1/portal/auth/accept',
        payload: { token: tokenOf(email), password },
      });
      expect(accepted.statusCode, accepted.body).toBe(201);
    }
    const ambiguous = await inject({
      method: 'POST',
      url: '/api/v1/portal/auth/login',
      payload: { email, password },
    });
    expect(ambiguous.statusCode).toBe(400);
    expect(ambiguous.json().error).toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/^body\.slug: /),
      details: { field: 'slug', issues: [{ location: 'body.slug', path: ['slug'], code: 'invalid_type' }] },
    });
    const named = await inject({
      method: 'POST',
      url: '/api/v1/portal/auth/login',
      payload: { email, password, slug: second.json().portalSlug },
    });
    expect(named.statusCode, named.body).toBe(200);
    expect(named.json().tokens.clientId).toBe(second.json().id);
  });

  it('an agency token is refused on every portal route and a portal token on agency routes', async () => {
    const reader = await portalUserFor(t, owner, clientId);
    for (const url of [
      '/api/v1/portal/me',
      '/api/v1/portal/overview',
      '/api/v1/portal/campaigns',
      '/api/v1/portal/reports',
    ]) {
      const res = await inject({ method: 'GET', url, headers: owner.headers });
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
    }
    for (const url of [
      '/api/v1/campaigns',
      '/api/v1/clients',
      '/api/v1/me',
      `/api/v1/clients/${clientId}/portal-users`,
    ]) {
      const res = await inject({ method: 'GET', url, headers: reader.headers });
      expect(res.statusCode, url).toBe(401);
    }
    // Nor does an API key of the organization.
    const key = await inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: owner.headers,
      payload: { name: 'portal probe', scopes: ['campaigns:read', 'clients:read'] },
    });
    for (const headers of [
      { 'x-api-key': key.json().secret },
      { authorization: `Bearer ${key.json().secret}` },
    ]) {
      const res = await inject({ method: 'GET', url: '/api/v1/portal/me', headers });
      expect(res.statusCode).toBe(401);
    }
    // A portal refresh token is not an agency refresh token either.
    const cross = await inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: reader.refreshToken },
    });
    expect(cross.statusCode).toBe(401);
    const crossBack = await inject({
      method: 'POST',
      url: '/api/v1/portal/auth/refresh',
      payload: { refreshToken: owner.refreshToken },
    });
    expect(crossBack.statusCode).toBe(401);
  });

  it('rotates refresh tokens; a reused one ends the session; logout ends it too', async () => {
    const reader = await portalUserFor(t, owner, clientId);
    const next = await inject({
      method: 'POST',
      url: '/api/v1/portal/auth/refresh',
      payload: { refreshToken: reader.refreshToken },
    });
    expect(next.statusCode).toBe(200);
    const reused = await inject({
      method: 'POST',
      url: '/api/v1/portal/auth/refresh',
      payload: { refreshToken: reader.refreshToken },
    });
    expect(reused.statusCode).toBe(401);
    const afterReuse = await inject({
      method: 'GET',
      url: '/api/v1/portal/me',
      headers: { authorization: `Bearer ${next.json().accessToken}` },
    });
    expect(afterReuse.statusCode).toBe(401);

    const login = await inject({
      method: 'POST',
      url: '/api/v1/portal/auth/login',
      payload: { email: reader.email, password: reader.password },
    });
    const headers = { authorization: `Bearer ${login.json().tokens.accessToken}` };
    expect((await inject({ method: 'POST', url: '/api/v1/portal/auth/logout', headers })).statusCode).toBe(
      204,
    );
    expect((await inject({ method: 'GET', url: '/api/v1/portal/me', headers })).statusCode).toBe(401);
    // The agency reads the sign-out in its audit log, with the client it was for.
    const logged = await inject({
      method: 'GET',
      url: '/api/v1/audit?action=portal.logged_out',
      headers: owner.headers,
    });
    expect(logged.json().items[0]).toMatchObject({
      actor: { type: 'portal_user', id: reader.portalUserId },
      metadata: { clientId },
    });
  });

  it('revoking a portal user ends their sessions at once and refuses sign-in; re-inviting restores access', async () => {
    const reader = await portalUserFor(t, owner, clientId);
    const revoked = await inject({
      method: 'DELETE',
      url: `/api/v1/clients/${clientId}/portal-users/${reader.portalUserId}`,
      headers: owner.headers,
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().status).toBe('revoked');
    expect(
      (await inject({ method: 'GET', url: '/api/v1/portal/me', headers: reader.headers })).statusCode,
    ).toBe(401);
    const login = await inject({
      method: 'POST',
      url: '/api/v1/portal/auth/login',
      payload: { email: reader.email, password: reader.password },
    });
    expect(login.statusCode).toBe(401);
    const again = await inject({
      method: 'POST',
      url: `/api/v1/clients/${clientId}/portal-users`,
      headers: owner.headers,
      payload: { email: reader.email, name: 'Back again' },
    });
    expect(again.statusCode).toBe(201);
    expect(again.json().status).toBe('invited');
    const dup = await portalUserFor(t, owner, clientId);
    const conflict = await inject({
      method: 'POST',
      url: `/api/v1/clients/${clientId}/portal-users`,
      headers: owner.headers,
      payload: { email: dup.email, name: 'Twice' },
    });
    expect(conflict.statusCode).toBe(409);
  });

  it('a viewer cannot invite portal users; another organization gets 404 for the client', async () => {
    const stranger = await signUp(t.app, 'stranger');
    const res = await inject({
      method: 'POST',
      url: `/api/v1/clients/${clientId}/portal-users`,
      headers: stranger.headers,
      payload: { email: uniqueEmail('x'), name: 'X' },
    });
    expect(res.statusCode).toBe(404);
    const invite = await inject({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: owner.headers,
      payload: { email: uniqueEmail('viewer'), role: 'viewer' },
    });
    const joined = await inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: {
        email: invite.json().email,
        password: 'viewer password',
        name: 'V',
        invitationToken: invite.json().token,
      },
    });
    const viewer = { authorization: `Bearer ${joined.json().tokens.accessToken}` };
    const denied = await inject({
      method: 'POST',
      url: `/api/v1/clients/${clientId}/portal-users`,
      headers: viewer,
      payload: { email: uniqueEmail('y'), name: 'Y' },
    });
    expect(denied.statusCode).toBe(403);
    expect(
      (await inject({ method: 'GET', url: `/api/v1/clients/${clientId}/portal-users`, headers: viewer }))
        .statusCode,
    ).toBe(200);
  });
  // Last: it moves the clock past the agency access tokens of the tests above.
  it('locks a portal user out after repeated wrong passwords, like the agency sign-in', async () => {
    const reader = await portalUserFor(t, owner, clientId);
    const max = t.config.auth.loginMaxFailures;
    for (let i = 0; i < max; i++) {
      const res = await inject({
        method: 'POST',
        url: '/api/v1/portal/auth/login',
        remoteAddress: `10.9.0.${i + 1}`,
        payload: { email: reader.email, password: 'wrong password' },
      });
      expect(res.statusCode).toBe(401);
    }
    const locked = await inject({
      method: 'POST',
      url: '/api/v1/portal/auth/login',
      remoteAddress: '10.9.1.1',
      payload: { email: reader.email, password: reader.password },
    });
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toBeDefined();
    t.clock.advance((t.config.auth.loginLockoutMinutes + 1) * 60_000);
    const later = await inject({
      method: 'POST',
      url: '/api/v1/portal/auth/login',
      remoteAddress: '10.9.1.2',
      payload: { email: reader.email, password: reader.password },
    });
    expect(later.statusCode).toBe(200);
  });

  it('an invitation link expires after 7 days and shows as expired; a new invitation works', async () => {
    const email = uniqueEmail('late');
    await inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: owner.email, password: owner.password },
    }).then((r) => {
      owner = { ...owner, headers: { authorization: `Bearer ${r.json().tokens.accessToken}` } };
    });
    await inject({
      method: 'POST',
      url: `/api/v1/clients/${clientId}/portal-users`,
      headers: owner.headers,
      payload: { email, name: 'Late' },
    });
    const token = tokenOf(email) as string;
    t.clock.advance(7 * 86_400_000 + 60_000);
    const late = await inject({
      method: 'POST',
      url: '/api/v1/portal/auth/accept',
      payload: { token, password: 'a good portal password' },
    });
    expect(late.statusCode).toBe(400);
    expect(late.json().error.details.issues).toEqual([
      expect.objectContaining({ location: 'body.token', path: ['token'], code: 'invalid_value' }),
    ]);
    const login = await inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: owner.email, password: owner.password },
    });
    const headers = { authorization: `Bearer ${login.json().tokens.accessToken}` };
    const list = await inject({ method: 'GET', url: `/api/v1/clients/${clientId}/portal-users`, headers });
    expect(list.json().items.find((u: { email: string }) => u.email === email).status).toBe('expired');
    await inject({
      method: 'POST',
      url: `/api/v1/clients/${clientId}/portal-users`,
      headers,
      payload: { email, name: 'Late' },
    });
    const fresh = await inject({
      method: 'POST',
      url: '/api/v1/portal/auth/accept',
      payload: { token: tokenOf(email) as string, password: 'a good portal password' },
    });
    expect(fresh.statusCode).toBe(201);
  });
});
