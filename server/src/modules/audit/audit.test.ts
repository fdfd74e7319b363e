import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { canonicalJson, sha256Hex } from '../../platform/crypto.ts';
import { testDialect } from '../../storage/testing.ts';
import { entryHash } from './audit.chain.ts';
import type { AuditEntry } from './audit.service.ts';

let ipCounter = 0;
const nextIp = () => `10.8.${(++ipCounter >> 8) & 255}.${ipCounter & 255}`;

describe(`audit trail on ${testDialect()}`, () => {
  let t: TestApp;
  const send = (who: Signed | null, opts: InjectOptions) =>
    t.app.inject({
      ...opts,
      remoteAddress: opts.remoteAddress ?? nextIp(),
      headers: { ...(who?.headers ?? {}), ...(opts.headers as Record<string, string>) },
    });
  const addClient = async (who: Signed) => {
    const res = await send(who, {
      method: 'POST',
      url: '/api/v1/clients',
      payload: { name: 'Audited', email: uniqueEmail('audited') },
    });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  /** Like the helper's signUp, but from a fresh address: this suite registers more than sign-up's per-IP limit. */
  async function signUpOwner(label: string): Promise<Signed> {
    const email = uniqueEmail(label);
    const password = 'correct horse battery';
    const res = await send(null, {
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password, name: label, organizationName: `${label} agency` },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    return {
      token: body.tokens.accessToken,
      refreshToken: body.tokens.refreshToken,
      userId: body.user.id,
      organizationId: body.tokens.organizationId,
      email,
      password,
      headers: { authorization: `Bearer ${body.tokens.accessToken}` },
    };
  }
  /** An organization with `clients` more entries after its two from sign-up (seq 1..2+clients). */
  async function orgWithEntries(clients: number) {
    const owner = await signUpOwner('chain');
    for (let i = 0; i < clients; i++) await addClient(owner);
    return owner;
  }
  /** The first problem, as the service and as GET /api/v1/audit/verify report it (they must agree). */
  async function verify(owner: Signed) {
    const direct = await t.services.audit.verify(owner.organizationId);
    const res = await send(owner, { method: 'GET', url: '/api/v1/audit/verify' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(direct);
    return direct;
  }
  const rowAt = (owner: Signed, seq: number) =>
    t.storage.db
      .selectFrom('audit_log')
      .selectAll()
      .where('organization_id', '=', owner.organizationId)
      .where('seq', '=', seq)
      .executeTakeFirstOrThrow();
  const listAll = async (owner: Signed, qs = '') => {
    const items: AuditEntry[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/audit?limit=3${qs}${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await send(owner, { method: 'GET', url })).json();
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  };

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('an untouched chain verifies', async () => {
    const owner = await orgWithEntries(3);
    expect(await verify(owner)).toEqual({
      organizationId: owner.organizationId,
      ok: true,
      checked: 5,
      firstProblem: null,
    });
  });

  describe('changing, deleting or reordering any row directly in the database is reported with the first bad entry', () => {
    it.each([
      ['action', "'clients.deleted'"],
      ['actor_id', "'usr_forged'"],
      ['target_id', "'cli_other'"],
      ['metadata', "'{}'"],
      ['created_at', "'2020-01-01T00:00:00.000Z'"],
      ['ip', "'198.51.100.9'"],
      ['input_hash', 'null'],
      ['hash', "'0000'"],
    ])('an edit of %s', async (column, value) => {
      const owner = await orgWithEntries(4);
      const row = await rowAt(owner, 4);
      await sql`update audit_log set ${sql.ref(column)} = ${sql.raw(value)} where id = ${row.id}`.execute(
        t.storage.db,
      );
      const result = await verify(owner);
      expect(result.ok).toBe(false);
      expect(result.firstProblem).toMatchObject({ seq: 4, id: row.id, problem: 'edited' });
      // Putting the value back makes the chain whole again: the verdict is about that one field.
      await t.storage.db
        .updateTable('audit_log')
        .set({ [column]: row[column as keyof typeof row] })
        .where('id', '=', row.id)
        .execute();
      expect((await verify(owner)).ok).toBe(true);
    });

    it('an edit whose hash is recomputed with the public (unkeyed) function is caught at that entry', async () => {
      const owner = await orgWithEntries(4);
      const row = await rowAt(owner, 3);
      const forged = { ...row, action: 'clients.deleted' };
      const { hash: _, ...fields } = forged;
      await t.storage.db
        .updateTable('audit_log')
        .set({ action: forged.action, hash: entryHash(fields) })
        .where('id', '=', row.id)
        .execute();
      const result = await verify(owner);
      expect(result.ok).toBe(false);
      expect(result.firstProblem).toMatchObject({ seq: 3, id: row.id, problem: 'edited' });
    });

    it('a deleted middle row', async () => {
      const owner = await orgWithEntries(4);
      await t.storage.db
        .deleteFrom('audit_log')
        .where('organization_id', '=', owner.organizationId)
        .where('seq', '=', 3)
        .execute();
      expect((await verify(owner)).firstProblem).toMatchObject({ seq: 3, problem: 'deleted' });
    });

    it('a deleted last row', async () => {
      const owner = await orgWithEntries(4);
      await t.storage.db
        .deleteFrom('audit_log')
        .where('organization_id', '=', owner.organizationId)
        .where('seq', '=', 6)
        .execute();
      expect((await verify(owner)).firstProblem).toMatchObject({ seq: 6, problem: 'truncated' });
    });

    it('every row deleted', async () => {
      const owner = await orgWithEntries(1);
      await t.storage.db
        .deleteFrom('audit_log')
        .where('organization_id', '=', owner.organizationId)
        .execute();
      const result = await verify(owner);
      expect(result).toMatchObject({ ok: false, checked: 0, firstProblem: { seq: 1, problem: 'truncated' } });
    });

    it.each([
      [3, 5],
      [4, 5],
      [2, 6],
    ])('seq of rows #%i and #%i swapped', async (x, y) => {
      const owner = await orgWithEntries(4);
      const [rx, ry] = [await rowAt(owner, x), await rowAt(owner, y)];
      const setSeq = (id: string, seq: number) =>
        t.storage.db.updateTable('audit_log').set({ seq }).where('id', '=', id).execute();
      await setSeq(rx.id, -1);
      await setSeq(ry.id, x);
      await setSeq(rx.id, y);
      const result = await verify(owner);
      expect(result.ok).toBe(false);
      expect(result.firstProblem).toMatchObject({ seq: x, id: ry.id, problem: 'reordered' });
    });

    it('a forged entry appended with a correctly chained hash', async () => {
      const owner = await orgWithEntries(2);
      const last = await rowAt(owner, 4);
      const fields = {
        ...last,
        id: 'aud_forged000000000000000000',
        seq: 5,
        action: 'clients.deleted',
        prev_hash: last.hash,
      };
      const { hash: _, ...unhashed } = fields;
      await t.storage.db
        .insertInto('audit_log')
        .values({ ...unhashed, hash: entryHash(unhashed) })
        .execute();
      // Its hash cannot be the keyed one; marked as unkeyed, it is a downgrade.
      expect((await verify(owner)).firstProblem).toMatchObject({
        seq: 5,
        id: fields.id,
        problem: 'edited',
      });
      await t.storage.db
        .updateTable('audit_log')
        .set({ hash_version: 1 })
        .where('id', '=', fields.id)
        .execute();
      expect((await verify(owner)).firstProblem).toMatchObject({ seq: 5, problem: 'downgraded' });
    });

    it("tampering with one organization's trail leaves the others verifiable", async () => {
      const victim = await orgWithEntries(2);
      const bystander = await orgWithEntries(2);
      await sql`update audit_log set action = 'x.y' where organization_id = ${victim.organizationId}`.execute(
        t.storage.db,
      );
      expect((await verify(victim)).ok).toBe(false);
      expect((await verify(bystander)).ok).toBe(true);
      const all = await t.services.audit.verifyAll();
      expect(all.find((r) => r.organizationId === victim.organizationId)?.ok).toBe(false);
      expect(all.find((r) => r.organizationId === bystander.organizationId)?.ok).toBe(true);
    });
  });

  it('concurrent changes in one organization append one after another and never fork the chain', async () => {
    const owner = await orgWithEntries(0);
    await Promise.all(Array.from({ length: 12 }, () => addClient(owner)));
    const result = await verify(owner);
    expect(result).toMatchObject({ ok: true, checked: 14 });
  });

  it("names each entry's actor, also a member since removed, and never another organization's", async () => {
    const owner = await signUpOwner('names');
    const email = uniqueEmail('leaver');
    const inv = await send(owner, {
      method: 'POST',
      url: '/api/v1/invitations',
      payload: { email, role: 'admin' },
    });
    const joined = await send(null, {
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password: 'leaver password', name: 'Lena Leaver', invitationToken: inv.json().token },
    });
    const leaver = joined.json();
    const leaverHeaders = { authorization: `Bearer ${leaver.tokens.accessToken}` };
    const made = await send(null, {
      method: 'POST',
      url: '/api/v1/clients',
      headers: leaverHeaders,
      payload: { name: 'Left behind', email: uniqueEmail('left') },
    });
    expect(made.statusCode, made.body).toBe(201);
    const members = await send(owner, { method: 'GET', url: '/api/v1/members' });
    const membership = members.json().items.find((m: { userId: string }) => m.userId === leaver.user.id);
    expect(
      (await send(owner, { method: 'DELETE', url: `/api/v1/members/${membership.id}` })).statusCode,
    ).toBeLessThan(300);
    const entries = await listAll(owner, '&action=clients.created');
    expect(entries.map((e) => e.actor)).toEqual([{ type: 'user', id: leaver.user.id, name: 'Lena Leaver' }]);
    // Another organization reads only its own entries (and so no names of this one's people).
    const stranger = await signUpOwner('names-other');
    expect((await listAll(stranger, `&actorId=${leaver.user.id}`)).length).toBe(0);
  });

  it("names each entry's target: the organization, a membership's person (also once removed), an invitation, a client (also once deleted); never another organization's", async () => {
    const owner = await signUpOwner('targets');
    await send(owner, { method: 'PATCH', url: '/api/v1/organization', payload: { name: 'Named agency' } });
    const email = uniqueEmail('member');
    const inv = await send(owner, {
      method: 'POST',
      url: '/api/v1/invitations',
      payload: { email, role: 'member' },
    });
    const joined = await send(null, {
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password: 'member password', name: 'Mo Member', invitationToken: inv.json().token },
    });
    expect(joined.statusCode, joined.body).toBe(201);
    const members = (await send(owner, { method: 'GET', url: '/api/v1/members' })).json().items as Array<{
      id: string;
      userId: string;
    }>;
    const membership = members.find((m) => m.userId === joined.json().user.id)?.id as string;
    const patch = await send(owner, {
      method: 'PATCH',
      url: `/api/v1/members/${membership}`,
      payload: { role: 'viewer' },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    const client = await addClient(owner);
    await send(owner, {
      method: 'PATCH',
      url: `/api/v1/clients/${client}`,
      payload: { name: 'Renamed client' },
    });
    expect(
      (await send(owner, { method: 'DELETE', url: `/api/v1/clients/${client}` })).statusCode,
    ).toBeLessThan(300);

    const named = async (qs: string) => (await listAll(owner, qs)).map((e) => e.target);
    expect(await named('&action=organizations.updated')).toEqual([
      { type: 'organization', id: owner.organizationId, name: 'Named agency' },
    ]);
    expect(await named('&action=members.role_changed')).toEqual([
      { type: 'membership', id: membership, name: 'Mo Member' },
    ]);
    expect(await named('&action=invitations.created')).toEqual([
      { type: 'invitation', id: inv.json().id, name: email },
    ]);
    // The client is gone: each of its entries, also read alone, names it as it was last called.
    expect(await named('&targetType=client')).toEqual(
      Array(3).fill({ type: 'client', id: client, name: 'Renamed client' }),
    );
    for (const action of ['clients.created', 'clients.updated'])
      expect(await named(`&action=${action}`)).toEqual([
        { type: 'client', id: client, name: 'Renamed client' },
      ]);
    // The member leaves: the membership row is gone, the entries still name the person.
    expect(
      (await send(owner, { method: 'DELETE', url: `/api/v1/members/${membership}` })).statusCode,
    ).toBeLessThan(300);
    expect((await named('&targetType=membership')).map((x) => x?.name)).toEqual(['Mo Member', 'Mo Member']);

    // Another organization sees none of these entries, so none of these names.
    const stranger = await signUpOwner('targets-other');
    const theirs = await listAll(stranger);
    expect(theirs.map((e) => e.target?.id)).not.toContain(membership);
    expect(theirs.map((e) => e.target?.name)).not.toContain('Named agency');
    expect(theirs.find((e) => e.action === 'organizations.created')?.target).toEqual({
      type: 'organization',
      id: stranger.organizationId,
      name: 'targets-other agency',
    });
  });

  it('filters by actor, action, action prefix, target and time, and pages with a cursor', async () => {
    const owner = await signUpOwner('filters');
    const email = uniqueEmail('auditor');
    const inv = await send(owner, {
      method: 'POST',
      url: '/api/v1/invitations',
      payload: { email, role: 'member' },
    });
    const joined = await send(null, {
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password: 'member password', name: 'M', invitationToken: inv.json().token },
    });
    const member: Signed = {
      ...owner,
      userId: joined.json().user.id,
      headers: { authorization: `Bearer ${joined.json().tokens.accessToken}` },
    };
    // t0: sign-up and the invitation (5 entries); t1: two clients; t2: three changes; t3: nothing.
    const t0 = t.clock.now().toISOString();
    t.clock.advance(60_000);
    const t1 = t.clock.now().toISOString();
    const c1 = await addClient(owner);
    const c2 = await addClient(member);
    t.clock.advance(60_000);
    const t2 = t.clock.now().toISOString();
    await send(owner, { method: 'PATCH', url: `/api/v1/clients/${c1}`, payload: { status: 'paused' } });
    await send(owner, { method: 'DELETE', url: `/api/v1/clients/${c2}` });
    await send(owner, { method: 'PATCH', url: '/api/v1/organization', payload: { name: 'Filtered agency' } });
    t.clock.advance(60_000);
    const t3 = t.clock.now().toISOString();
    // A bystander organization whose entries must never show up.
    await addClient(await signUpOwner('bystander'));

    const actions = async (qs: string) => (await listAll(owner, qs)).map((e) => e.action);
    const all = await listAll(owner);
    expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((x, y) => y - x));
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    const direct = await t.services.audit.list(owner.organizationId, { limit: 200 });
    expect(all.map((e) => e.id)).toEqual(direct.items.map((e) => e.id));

    expect(await actions('&action=clients.*')).toEqual([
      'clients.deleted',
      'clients.updated',
      'clients.created',
      'clients.created',
    ]);
    expect(await actions('&action=clients.updated')).toEqual(['clients.updated']);
    expect(await actions(`&actorId=${member.userId}`)).toEqual([
      'clients.created',
      'users.registered',
      'invitations.accepted',
    ]);
    expect(await actions('&actorType=user&action=organizations.*')).toEqual([
      'organizations.updated',
      'organizations.created',
    ]);
    expect(await actions(`&targetType=client&targetId=${c2}`)).toEqual([
      'clients.deleted',
      'clients.created',
    ]);
    expect(await actions(`&to=${t1}`)).toEqual([
      'users.registered',
      'invitations.accepted',
      'invitations.created',
      'users.registered',
      'organizations.created',
    ]);
    expect(await actions(`&from=${t0}&to=${t0}`)).toEqual([]);
    expect(await actions(`&from=${t1}&to=${t2}`)).toEqual(['clients.created', 'clients.created']);
    expect(await actions(`&from=${t2}&to=${t3}`)).toEqual([
      'organizations.updated',
      'clients.deleted',
      'clients.updated',
    ]);
    expect(await actions(`&from=${t3}`)).toEqual([]);
    expect(await actions(`&from=${t1}&action=clients.*&actorId=${owner.userId}`)).toEqual([
      'clients.deleted',
      'clients.updated',
      'clients.created',
    ]);
  });

  it('entries carry the request id, IP, user agent and a hash of the input, but never a password', async () => {
    const email = uniqueEmail('origin');
    const password = 'a very secret passphrase';
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      remoteAddress: '203.0.113.7',
      headers: { 'user-agent': 'AuditProbe/1.0', 'x-request-id': 'req-audit-probe-1' },
      payload: { email, password, name: 'Origin', organizationName: 'Origin agency' },
    });
    expect(res.statusCode).toBe(201);
    const owner: Signed = {
      token: res.json().tokens.accessToken,
      refreshToken: res.json().tokens.refreshToken,
      userId: res.json().user.id,
      organizationId: res.json().tokens.organizationId,
      email,
      password,
      headers: { authorization: `Bearer ${res.json().tokens.accessToken}` },
    };
    const registered = (
      await t.services.audit.list(owner.organizationId, { limit: 1, action: 'users.registered' })
    ).items[0];
    expect(registered).toMatchObject({
      requestId: 'req-audit-probe-1',
      ip: '203.0.113.7',
      userAgent: 'AuditProbe/1.0',
      actor: { type: 'user', id: owner.userId },
      inputHash: sha256Hex(canonicalJson({ email, name: 'Origin', organizationName: 'Origin agency' })),
    });

    const body = { name: 'Hashed', email: uniqueEmail('hashed'), notes: 'n' };
    const created = await send(owner, {
      method: 'POST',
      url: '/api/v1/clients',
      payload: body,
      headers: { 'user-agent': 'AuditProbe/2.0', 'x-request-id': 'req-audit-probe-2' },
      remoteAddress: '198.51.100.23',
    });
    const entry = (
      await t.services.audit.list(owner.organizationId, { limit: 1, targetId: created.json().id })
    ).items[0];
    expect(entry).toMatchObject({
      requestId: 'req-audit-probe-2',
      ip: '198.51.100.23',
      userAgent: 'AuditProbe/2.0',
      inputHash: sha256Hex(canonicalJson(body)),
    });

    // Everything that handles a password is audited; no entry may hold it or its hash.
    await send(null, { method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    await send(null, {
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'wrong guess 1' },
    });
    await send(null, { method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } });
    const token = t.mailer.sent.at(-1)?.text.match(/token=([A-Za-z0-9_-]{20,})/)?.[1] as string;
    const newPassword = 'another very secret passphrase';
    expect(
      (
        await send(null, {
          method: 'POST',
          url: '/api/v1/auth/password-reset/confirm',
          payload: { token, password: newPassword },
        })
      ).statusCode,
    ).toBe(204);
    const user = await t.storage.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', owner.userId)
      .executeTakeFirstOrThrow();
    const rows = JSON.stringify(
      await t.storage.db
        .selectFrom('audit_log')
        .selectAll()
        .where('organization_id', '=', owner.organizationId)
        .execute(),
    );
    expect(JSON.parse(rows).map((r: { action: string }) => r.action)).toEqual(
      expect.arrayContaining([
        'auth.logged_in',
        'auth.password_reset_requested',
        'auth.password_reset_completed',
      ]),
    );
    for (const secret of [password, newPassword, 'wrong guess 1', user.password_hash, token])
      expect(rows).not.toContain(secret);
  });
});
