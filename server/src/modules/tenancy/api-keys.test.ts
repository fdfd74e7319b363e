import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { sha256Hex } from '../../platform/crypto.ts';
import { testDialect } from '../../storage/testing.ts';

let ipCounter = 0;
const nextIp = () => `10.4.${(++ipCounter >> 8) & 255}.${ipCounter & 255}`;

interface CreatedKey {
  id: string;
  prefix: string;
  scopes: string[];
  secret: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

describe(`API keys on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  const send = (who: Signed | null, opts: InjectOptions) =>
    t.app.inject({
      ...opts,
      remoteAddress: nextIp(),
      headers: { ...(who?.headers ?? {}), ...(opts.headers as Record<string, string>) },
    });
  const withKey = (secret: string, opts: InjectOptions) =>
    t.app.inject({ ...opts, headers: { 'x-api-key': secret, ...(opts.headers as Record<string, string>) } });
  const createKey = async (by: Signed, scopes: string[], extra: Record<string, unknown> = {}) => {
    const res = await send(by, {
      method: 'POST',
      url: '/api/v1/api-keys',
      payload: { name: 'key', scopes, ...extra },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as CreatedKey;
  };
  const listed = async (id: string) =>
    (await send(owner, { method: 'GET', url: '/api/v1/api-keys' }))
      .json()
      .items.find((k: { id: string }) => k.id === id);
  async function join(role: string): Promise<Signed & { membershipId: string }> {
    const email = uniqueEmail(role);
    const inv = (
      await send(owner, { method: 'POST', url: '/api/v1/invitations', payload: { email, role } })
    ).json();
    const body = (
      await send(null, {
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email, password: 'member password', name: role, invitationToken: inv.token },
      })
    ).json();
    const members = (await send(owner, { method: 'GET', url: '/api/v1/members' })).json().items;
    return {
      token: body.tokens.accessToken,
      refreshToken: body.tokens.refreshToken,
      userId: body.user.id,
      organizationId: body.tokens.organizationId,
      email,
      password: 'member password',
      headers: { authorization: `Bearer ${body.tokens.accessToken}` },
      membershipId: members.find((m: { userId: string }) => m.userId === body.user.id).id,
    };
  }

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'keys-owner');
  });
  afterAll(() => t.close());

  it('shows the secret once and stores only its hash', async () => {
    const key = await createKey(owner, ['clients:read']);
    expect(key.secret).toMatch(/^omk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(key.secret.startsWith(`${key.prefix}_`)).toBe(true);
    const list = await send(owner, { method: 'GET', url: '/api/v1/api-keys' });
    expect(list.body).not.toContain(key.secret);
    expect(await listed(key.id)).toMatchObject({ id: key.id, prefix: key.prefix, scopes: ['clients:read'] });
    const row = await t.storage.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(key.secret);
    expect(row.key_hash).toBe(sha256Hex(key.secret));
    const auditRows = await t.storage.db.selectFrom('audit_log').selectAll().execute();
    expect(JSON.stringify(auditRows)).not.toContain(key.secret);
  });

  it('works as X-Api-Key and as a Bearer token, within its scopes only', async () => {
    const key = await createKey(owner, ['clients:read']);
    expect((await withKey(key.secret, { method: 'GET', url: '/api/v1/clients' })).statusCode).toBe(200);
    const bearer = await t.app.inject({
      method: 'GET',
      url: '/api/v1/clients',
      headers: { authorization: `Bearer ${key.secret}` },
    });
    expect(bearer.statusCode).toBe(200);
    const write = await withKey(key.secret, {
      method: 'POST',
      url: '/api/v1/clients',
      payload: { name: 'Nope', email: uniqueEmail('nope') },
    });
    expect(write.statusCode).toBe(403);
    expect(write.json().error).toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('clients:write'),
    });
    expect((await withKey(key.secret, { method: 'GET', url: '/api/v1/audit' })).statusCode).toBe(403);
    const me = await withKey(key.secret, { method: 'GET', url: '/api/v1/me' });
    expect(me.json()).toMatchObject({
      actor: { type: 'api_key', id: key.id },
      permissions: ['clients:read'],
    });
    // Keys are for machines: they cannot mint keys nor use a person's session routes.
    const mint = await withKey((await createKey(owner, ['api_keys:manage'])).secret, {
      method: 'POST',
      url: '/api/v1/api-keys',
      payload: { name: 'child', scopes: ['clients:read'] },
    });
    expect(mint.statusCode).toBe(403);
    expect((await withKey(key.secret, { method: 'GET', url: '/api/v1/auth/sessions' })).statusCode).toBe(403);
  });

  it('cannot carry more than the creator’s role allows', async () => {
    const admin = await join('admin');
    const denied = await send(admin, {
      method: 'POST',
      url: '/api/v1/api-keys',
      payload: { name: 'billing', scopes: ['clients:read', 'billing:manage'] },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.message).toContain('billing:manage');
    expect((await createKey(admin, ['clients:read', 'billing:read'])).scopes).toEqual([
      'clients:read',
      'billing:read',
    ]);
    expect((await createKey(owner, ['billing:manage'])).scopes).toEqual(['billing:manage']);
    const manager = await join('manager');
    const byManager = await send(manager, {
      method: 'POST',
      url: '/api/v1/api-keys',
      payload: { name: 'm', scopes: ['clients:read'] },
    });
    expect(byManager.statusCode).toBe(403);
  });

  it("acts with at most its creator's current role: demoting or removing the creator shrinks or ends the key", async () => {
    const admin = await join('admin');
    const key = await createKey(admin, ['clients:read', 'clients:write']);
    const post = () =>
      withKey(key.secret, {
        method: 'POST',
        url: '/api/v1/clients',
        payload: { name: 'K', email: uniqueEmail('k') },
      });
    expect((await post()).statusCode).toBe(201);
    await send(owner, {
      method: 'PATCH',
      url: `/api/v1/members/${admin.membershipId}`,
      payload: { role: 'viewer' },
    });
    expect((await post()).statusCode).toBe(403);
    expect((await withKey(key.secret, { method: 'GET', url: '/api/v1/clients' })).statusCode).toBe(200);
    await send(owner, { method: 'DELETE', url: `/api/v1/members/${admin.membershipId}` });
    expect((await withKey(key.secret, { method: 'GET', url: '/api/v1/clients' })).statusCode).toBe(401);
  });

  it('revocation takes effect on the next request', async () => {
    const key = await createKey(owner, ['clients:read']);
    expect((await withKey(key.secret, { method: 'GET', url: '/api/v1/clients' })).statusCode).toBe(200);
    const revoked = await send(owner, { method: 'DELETE', url: `/api/v1/api-keys/${key.id}` });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revokedAt).toBe(t.clock.now().toISOString());
    const after = await withKey(key.secret, { method: 'GET', url: '/api/v1/clients' });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('unauthenticated');
    expect((await listed(key.id)).revokedAt).toBe(revoked.json().revokedAt);
    // Revoking again changes nothing and writes no second audit entry.
    expect(
      (await send(owner, { method: 'DELETE', url: `/api/v1/api-keys/${key.id}` })).json().revokedAt,
    ).toBe(revoked.json().revokedAt);
    const entries = await t.services.audit.list(owner.organizationId, { limit: 10, targetId: key.id });
    expect(entries.items.map((e) => e.action)).toEqual(['api_keys.revoked', 'api_keys.created']);
  });

  it('records when a key was last used, at most once a minute', async () => {
    const key = await createKey(owner, ['clients:read']);
    expect(key.lastUsedAt).toBeNull();
    const firstUse = t.clock.now().toISOString();
    await withKey(key.secret, { method: 'GET', url: '/api/v1/clients' });
    expect((await listed(key.id)).lastUsedAt).toBe(firstUse);
    t.clock.advance(30_000);
    await withKey(key.secret, { method: 'GET', url: '/api/v1/clients' });
    expect((await listed(key.id)).lastUsedAt).toBe(firstUse);
    t.clock.advance(31_000);
    await withKey(key.secret, { method: 'GET', url: '/api/v1/clients' });
    expect((await listed(key.id)).lastUsedAt).toBe(t.clock.now().toISOString());
  });

  it('stops working when it expires, and an unknown or malformed key is 401', async () => {
    const expiresAt = new Date(t.clock.now().getTime() + 3_600_000).toISOString();
    const key = await createKey(owner, ['clients:read'], { expiresAt });
    expect((await withKey(key.secret, { method: 'GET', url: '/api/v1/clients' })).statusCode).toBe(200);
    t.clock.advance(3_600_000);
    expect((await withKey(key.secret, { method: 'GET', url: '/api/v1/clients' })).statusCode).toBe(401);
    const forged = `${key.secret.slice(0, -4)}AAAA`;
    expect((await withKey(forged, { method: 'GET', url: '/api/v1/clients' })).statusCode).toBe(401);
    expect((await withKey('omk_nonsense', { method: 'GET', url: '/api/v1/clients' })).statusCode).toBe(401);
  });
});
