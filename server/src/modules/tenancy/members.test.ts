import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';

let ipCounter = 0;
/** Each request from its own address, so the per-IP limits of sign-up and sign-in never answer 429. */
const nextIp = () => `10.3.${(++ipCounter >> 8) & 255}.${ipCounter & 255}`;

interface Member extends Signed {
  membershipId: string;
}

describe(`members on ${testDialect()}`, () => {
  let t: TestApp;
  const send = (who: Signed | null, opts: InjectOptions) =>
    t.app.inject({
      ...opts,
      remoteAddress: nextIp(),
      headers: { ...(who?.headers ?? {}), ...(opts.headers as Record<string, string>) },
    });
  const membershipOf = async (org: Signed, userId: string) =>
    (await send(org, { method: 'GET', url: '/api/v1/members' }))
      .json()
      .items.find((m: { userId: string }) => m.userId === userId);
  /** Joins `org` with `role` through an invitation (a new account, or `existing` accepting it). */
  async function join(org: Signed, role: string, existing?: Signed): Promise<Member> {
    const email = existing?.email ?? uniqueEmail(role);
    const inv = (
      await send(org, { method: 'POST', url: '/api/v1/invitations', payload: { email, role } })
    ).json();
    let user: Signed;
    if (existing) {
      const res = await send(existing, {
        method: 'POST',
        url: '/api/v1/invitations/accept',
        payload: { token: inv.token },
      });
      expect(res.statusCode, res.body).toBe(200);
      user = existing;
    } else {
      const res = await send(null, {
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email, password: 'member password', name: role, invitationToken: inv.token },
      });
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json();
      user = {
        token: body.tokens.accessToken,
        refreshToken: body.tokens.refreshToken,
        userId: body.user.id,
        organizationId: body.tokens.organizationId,
        email,
        password: 'member password',
        headers: { authorization: `Bearer ${body.tokens.accessToken}` },
      };
    }
    return { ...user, membershipId: (await membershipOf(org, user.userId)).id };
  }
  const changeRole = (by: Signed, m: { membershipId: string }, role: string) =>
    send(by, { method: 'PATCH', url: `/api/v1/members/${m.membershipId}`, payload: { role } });
  const remove = (by: Signed, m: { membershipId: string }) =>
    send(by, { method: 'DELETE', url: `/api/v1/members/${m.membershipId}` });

  let owner: Signed;
  let ownerMember: { membershipId: string };
  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'members-owner');
    ownerMember = { membershipId: (await membershipOf(owner, owner.userId)).id };
  });
  afterAll(() => t.close());

  it('lists members with their roles', async () => {
    const viewer = await join(owner, 'viewer');
    const res = await send(owner, { method: 'GET', url: '/api/v1/members' });
    expect(res.json().items).toEqual([
      expect.objectContaining({ userId: owner.userId, email: owner.email, role: 'owner' }),
      expect.objectContaining({ userId: viewer.userId, email: viewer.email, role: 'viewer' }),
    ]);
  });

  it("changes a member's role at once, and audits the change", async () => {
    const m = await join(owner, 'viewer');
    const denied = await send(m, {
      method: 'POST',
      url: '/api/v1/clients',
      payload: { name: 'X', email: uniqueEmail('x') },
    });
    expect(denied.statusCode).toBe(403);
    const res = await changeRole(owner, m, 'member');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: m.membershipId, userId: m.userId, role: 'member' });
    // The same access token now acts with the new role.
    const allowed = await send(m, {
      method: 'POST',
      url: '/api/v1/clients',
      payload: { name: 'X', email: uniqueEmail('x') },
    });
    expect(allowed.statusCode).toBe(201);
    const entry = (
      await t.services.audit.list(owner.organizationId, { limit: 1, action: 'members.role_changed' })
    ).items[0];
    // The target carries the member's name (the user here is called after their first role).
    expect(entry?.target).toEqual({ type: 'membership', id: m.membershipId, name: 'viewer' });
    expect(entry?.metadata).toMatchObject({ userId: m.userId, before: 'viewer', after: 'member' });
  });

  it('never demotes nor removes the last owner; with a second owner both work', async () => {
    const org = await signUp(t.app, 'solo');
    const self = { membershipId: (await membershipOf(org, org.userId)).id };
    const demote = await changeRole(org, self, 'admin');
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error.code).toBe('conflict');
    expect((await remove(org, self)).statusCode).toBe(409);
    expect((await membershipOf(org, org.userId)).role).toBe('owner');

    const second = await join(org, 'admin');
    expect((await changeRole(org, second, 'owner')).statusCode).toBe(200);
    expect((await changeRole(org, self, 'admin')).statusCode).toBe(200);
    // Now `second` is the last owner.
    expect((await changeRole(second, second, 'viewer')).statusCode).toBe(409);
    expect((await remove(second, second)).statusCode).toBe(409);
  });

  it('nobody grants, changes or removes a role above their own', async () => {
    const admin = await join(owner, 'admin');
    const m = await join(owner, 'member');
    const grantOwner = await changeRole(admin, m, 'owner');
    expect(grantOwner.statusCode).toBe(403);
    expect(grantOwner.json().error.code).toBe('forbidden');
    expect((await changeRole(admin, ownerMember, 'viewer')).statusCode).toBe(403);
    expect((await remove(admin, ownerMember)).statusCode).toBe(403);
    expect((await membershipOf(owner, owner.userId)).role).toBe('owner');
    expect((await changeRole(admin, m, 'admin')).statusCode).toBe(200);
    const manager = await join(owner, 'manager');
    expect((await changeRole(manager, m, 'viewer')).statusCode).toBe(403);
    expect((await remove(manager, m)).statusCode).toBe(403);
  });

  it('removing a member ends their sessions and API keys in the organization at once', async () => {
    const m = await join(owner, 'admin');
    const key = await send(m, {
      method: 'POST',
      url: '/api/v1/api-keys',
      payload: { name: 'mine', scopes: ['clients:read'] },
    });
    const secret = key.json().secret as string;
    expect(
      (await send(null, { method: 'GET', url: '/api/v1/clients', headers: { 'x-api-key': secret } }))
        .statusCode,
    ).toBe(200);

    expect((await remove(owner, m)).statusCode).toBe(204);
    const me = await send(m, { method: 'GET', url: '/api/v1/me' });
    expect(me.statusCode).toBe(401);
    const refresh = await send(null, {
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: m.refreshToken },
    });
    expect(refresh.statusCode).toBe(401);
    expect(
      (await send(null, { method: 'GET', url: '/api/v1/clients', headers: { 'x-api-key': secret } }))
        .statusCode,
    ).toBe(401);
    // Their only organization is gone: signing in has nowhere to go.
    const login = await send(null, {
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: m.email, password: m.password },
    });
    expect(login.statusCode).toBe(403);
    const entry = (await t.services.audit.list(owner.organizationId, { limit: 1, action: 'members.removed' }))
      .items[0];
    expect(entry?.metadata).toMatchObject({ userId: m.userId, role: 'admin', apiKeysRevoked: 1 });
    expect(await membershipOf(owner, m.userId)).toBeUndefined();
    // The key is revoked, not only refused while they are away: the list says so, and a new
    // membership would not bring it back.
    const keys = (await send(owner, { method: 'GET', url: '/api/v1/api-keys' })).json().items as Array<{
      id: string;
      revokedAt: string | null;
    }>;
    expect(keys.find((k) => k.id === key.json().id)?.revokedAt).toEqual(expect.any(String));
    // The key's own audit history records the revocation, as the API keys page's Revoke does.
    const revoked = await t.services.audit.list(owner.organizationId, {
      limit: 10,
      action: 'api_keys.revoked',
    });
    expect(revoked.items.find((e) => e.target?.id === key.json().id)?.metadata).toMatchObject({
      reason: 'member_removed',
      membershipId: m.membershipId,
    });
  });

  it('a removed member keeps their own organization but loses this one, even through X-Organization-Id', async () => {
    const other = await signUp(t.app, 'guest');
    const m = await join(owner, 'viewer', other);
    const viaHeader = () =>
      send(other, {
        method: 'GET',
        url: '/api/v1/clients',
        headers: { 'x-organization-id': owner.organizationId },
      });
    expect((await viaHeader()).statusCode).toBe(200);
    expect((await remove(owner, m)).statusCode).toBe(204);
    const after = await viaHeader();
    expect(after.statusCode).toBe(404);
    expect((await send(other, { method: 'GET', url: '/api/v1/clients' })).statusCode).toBe(200);
  });

  it('a member of another organization cannot be changed or removed: 404, and it stays as it was', async () => {
    const elsewhere = await signUp(t.app, 'elsewhere');
    const victim = await join(elsewhere, 'viewer');
    expect((await changeRole(owner, victim, 'owner')).statusCode).toBe(404);
    expect((await remove(owner, victim)).statusCode).toBe(404);
    expect((await membershipOf(elsewhere, victim.userId)).role).toBe('viewer');
  });
});
