import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { sha256Hex } from '../../platform/crypto.ts';
import { testDialect } from '../../storage/testing.ts';

const DAY = 86_400_000;
let ipCounter = 0;
/** Each request from its own address, so the per-IP limit of sign-up never answers 429. */
const nextIp = () => `10.2.${(++ipCounter >> 8) & 255}.${ipCounter & 255}`;

describe(`invitations on ${testDialect()}`, () => {
  let t: TestApp;
  const send = (who: Signed | null, opts: InjectOptions) =>
    t.app.inject({
      ...opts,
      remoteAddress: nextIp(),
      headers: { ...(who?.headers ?? {}), ...(opts.headers as Record<string, string>) },
    });
  const invite = async (by: Signed, role: string, email = uniqueEmail('invitee')) => {
    const res = await send(by, { method: 'POST', url: '/api/v1/invitations', payload: { email, role } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as {
      id: string;
      email: string;
      role: string;
      token: string;
      expiresAt: string;
      createdAt: string;
      status: string;
      replaced: { id: string; role: string; createdAt: string; expiresAt: string } | null;
    };
  };
  const registerWith = (token: string, email: string) =>
    send(null, {
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password: 'invitee password', name: 'Invitee', invitationToken: token },
    });
  const userCount = async () =>
    Number(
      (
        await t.storage.db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const statusOf = async (owner: Signed, id: string) =>
    (await send(owner, { method: 'GET', url: '/api/v1/invitations' }))
      .json()
      .items.find((i: { id: string }) => i.id === id)?.status;
  /** Joins `org` with `role` through an invitation and returns the new member's credentials. */
  async function member(org: Signed, role: string): Promise<Signed> {
    const inv = await invite(org, role);
    const res = await registerWith(inv.token, inv.email);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    return {
      token: body.tokens.accessToken,
      refreshToken: body.tokens.refreshToken,
      userId: body.user.id,
      organizationId: body.tokens.organizationId,
      email: inv.email,
      password: 'invitee password',
      headers: { authorization: `Bearer ${body.tokens.accessToken}` },
    };
  }

  let owner: Signed;
  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'inviter');
  });
  afterAll(() => t.close());

  it('mails a token that is stored only as a hash and never listed', async () => {
    const inv = await invite(owner, 'member');
    expect(inv.status).toBe('pending');
    const mail = t.mailer.sent.at(-1);
    expect(mail?.to).toBe(inv.email);
    expect(mail?.text).toContain(inv.token);
    const row = await t.storage.db
      .selectFrom('invitations')
      .selectAll()
      .where('id', '=', inv.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(inv.token);
    expect(row.token_hash).toBe(sha256Hex(inv.token));
    const listed = await send(owner, { method: 'GET', url: '/api/v1/invitations' });
    expect(listed.body).not.toContain(inv.token);
    expect(listed.json().items.map((i: { id: string }) => i.id)).toContain(inv.id);
  });

  it('registering with invitationToken joins the inviting organization with the invited role, answers with that organization, and creates none of its own', async () => {
    const inv = await invite(owner, 'manager');
    const res = await registerWith(inv.token, inv.email.toUpperCase());
    expect(res.statusCode).toBe(201);
    // The organization joined is in the answer, as a new one would be (not null).
    const joined = await t.storage.db
      .selectFrom('organizations')
      .select(['name', 'reporting_currency'])
      .where('id', '=', owner.organizationId)
      .executeTakeFirstOrThrow();
    expect(res.json().organization).toMatchObject({
      id: owner.organizationId,
      name: joined.name,
      reportingCurrency: joined.reporting_currency,
    });
    expect(res.json().tokens.organizationId).toBe(owner.organizationId);
    const me = await send(null, {
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${res.json().tokens.accessToken}` },
    });
    expect(me.json()).toMatchObject({ organizationId: owner.organizationId, role: 'manager' });
    expect(me.json().organizations).toHaveLength(1);
    expect(await statusOf(owner, inv.id)).toBe('accepted');
    const trail = await t.services.audit.list(owner.organizationId, { limit: 5 });
    expect(trail.items.slice(0, 2).map((e) => e.action)).toEqual([
      'users.registered',
      'invitations.accepted',
    ]);
  });

  it('a signed-in user accepts with POST /api/v1/invitations/accept and can then switch to the organization', async () => {
    const other = await signUp(t.app, 'joiner');
    const inv = await invite(owner, 'member', other.email);
    const res = await send(other, {
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token: inv.token },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ organizationId: owner.organizationId, role: 'member' });
    const switched = await send(other, {
      method: 'GET',
      url: '/api/v1/me',
      headers: { 'x-organization-id': owner.organizationId },
    });
    expect(switched.json()).toMatchObject({ organizationId: owner.organizationId, role: 'member' });
    expect(
      switched
        .json()
        .organizations.map((o: { id: string }) => o.id)
        .sort(),
    ).toEqual([owner.organizationId, other.organizationId].sort());
    // Their own organization is untouched, and they stay its owner.
    const own = await send(other, { method: 'GET', url: '/api/v1/me' });
    expect(own.json()).toMatchObject({ organizationId: other.organizationId, role: 'owner' });
  });

  it('refuses someone whose email differs from the invitation, leaving it usable by the invitee', async () => {
    const inv = await invite(owner, 'member');
    const stranger = await signUp(t.app, 'stranger');
    const accept = await send(stranger, {
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token: inv.token },
    });
    expect(accept.statusCode).toBe(403);
    const users = await userCount();
    const register = await registerWith(inv.token, uniqueEmail('impostor'));
    expect(register.statusCode).toBe(403);
    expect(await userCount()).toBe(users);
    expect(await statusOf(owner, inv.id)).toBe('pending');
    expect((await registerWith(inv.token, inv.email)).statusCode).toBe(201);
  });

  it('works once', async () => {
    const user = await signUp(t.app, 'once');
    const inv = await invite(owner, 'viewer', user.email);
    const accept = () =>
      send(user, { method: 'POST', url: '/api/v1/invitations/accept', payload: { token: inv.token } });
    expect((await accept()).statusCode).toBe(200);
    const again = await accept();
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('invalid_input');
    const memberships = await t.storage.db
      .selectFrom('memberships')
      .select('role')
      .where('user_id', '=', user.userId)
      .where('organization_id', '=', owner.organizationId)
      .execute();
    expect(memberships).toEqual([{ role: 'viewer' }]);
  });

  it("a link's page can look up what it offers (organization, address, role, status), and nothing for a wrong token", async () => {
    const inv = await invite(owner, 'viewer');
    const look = (token: string) =>
      send(null, { method: 'POST', url: '/api/v1/invitations/lookup', payload: { token } });
    const org = (await send(owner, { method: 'GET', url: '/api/v1/me' })).json();
    const orgName = org.organizations.find((o: { id: string }) => o.id === owner.organizationId)?.name;
    const res = await look(inv.token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      organizationName: orgName,
      email: inv.email,
      role: 'viewer',
      status: 'pending',
      expiresAt: inv.expiresAt,
    });
    expect((await look(`${inv.token.slice(0, -2)}xx`)).statusCode).toBe(404);
    expect((await look('short')).statusCode).toBe(400);
    expect((await registerWith(inv.token, inv.email)).statusCode).toBe(201);
    expect((await look(inv.token)).json().status).toBe('accepted');
  });

  it('nobody invites above their own role', async () => {
    const admin = await member(owner, 'admin');
    const tooHigh = await send(admin, {
      method: 'POST',
      url: '/api/v1/invitations',
      payload: { email: uniqueEmail('boss'), role: 'owner' },
    });
    expect(tooHigh.statusCode).toBe(403);
    expect(tooHigh.json().error.code).toBe('forbidden');
    expect((await invite(admin, 'admin')).role).toBe('admin');
    const manager = await member(owner, 'manager');
    const byManager = await send(manager, {
      method: 'POST',
      url: '/api/v1/invitations',
      payload: { email: uniqueEmail('x'), role: 'viewer' },
    });
    expect(byManager.statusCode).toBe(403);
  });

  it('revoking, or inviting the same address again, voids the earlier token', async () => {
    const first = await invite(owner, 'member');
    expect(first.replaced).toBeNull();
    const second = await invite(owner, 'viewer', first.email);
    expect(await statusOf(owner, first.id)).toBe('revoked');
    // The answer says which pending invitation the new one replaced, and so does the audit log.
    expect(second.replaced).toEqual({
      id: first.id,
      role: 'member',
      createdAt: first.createdAt,
      expiresAt: first.expiresAt,
    });
    const replacedTrail = await t.services.audit.list(owner.organizationId, { limit: 2 });
    expect(replacedTrail.items.map((e) => [e.action, e.target?.id, e.metadata])).toEqual([
      ['invitations.created', second.id, { replaced: second.replaced }],
      ['invitations.revoked', first.id, { reason: 'replaced', replacedBy: second.id }],
    ]);
    // Another address's invitation replaces nothing.
    expect((await invite(owner, 'viewer')).replaced).toBeNull();
    expect((await registerWith(first.token, first.email)).statusCode).toBe(400);
    const revoked = await send(owner, { method: 'DELETE', url: `/api/v1/invitations/${second.id}` });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().status).toBe('revoked');
    expect((await registerWith(second.token, second.email)).statusCode).toBe(400);
    const trail = await t.services.audit.list(owner.organizationId, {
      limit: 1,
      action: 'invitations.revoked',
    });
    expect(trail.items[0]?.target).toMatchObject({ type: 'invitation', id: second.id });
  });

  it('inviting an existing member is a conflict, and an accepted invitation cannot be revoked', async () => {
    const joined = await member(owner, 'viewer');
    const again = await send(owner, {
      method: 'POST',
      url: '/api/v1/invitations',
      payload: { email: joined.email, role: 'admin' },
    });
    expect(again.statusCode).toBe(409);
    const accepted = (await send(owner, { method: 'GET', url: '/api/v1/invitations' }))
      .json()
      .items.find((i: { email: string }) => i.email === joined.email);
    const revoke = await send(owner, { method: 'DELETE', url: `/api/v1/invitations/${accepted.id}` });
    expect(revoke.statusCode).toBe(409);
  });

  // Moves the clock a week: runs last, with an organization of its own, signing in again afterwards.
  it('is valid for 7 days: accepted just before, refused just after, without creating the account', async () => {
    const host = await signUp(t.app, 'week');
    const early = await invite(host, 'viewer');
    const late = await invite(host, 'viewer');
    expect(new Date(late.expiresAt).getTime() - t.clock.now().getTime()).toBe(7 * DAY);
    t.clock.advance(7 * DAY - 60_000);
    expect((await registerWith(early.token, early.email)).statusCode).toBe(201);
    t.clock.advance(61_000);
    const login = await send(null, {
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: host.email, password: host.password },
    });
    const fresh = { ...host, headers: { authorization: `Bearer ${login.json().tokens.accessToken}` } };
    expect(await statusOf(fresh, late.id)).toBe('expired');
    expect(await statusOf(fresh, early.id)).toBe('accepted');
    const users = await userCount();
    const refused = await registerWith(late.token, late.email);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({ code: 'invalid_input', details: { field: 'token' } });
    expect(await userCount()).toBe(users);
  });
});
