/**
 * The keyed chain against someone who can write to the database but does not have the audit key:
 * rewriting history with the public (unkeyed) hash function, moving the chain head, downgrading
 * entries to the unkeyed algorithm, and verifying with the wrong key. Also the upgrade of an
 * installation whose entries predate the keyed chain (migration 014).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type Signed, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';
import { createAuditKeys, entryHash, genesisHash } from './audit.chain.ts';
import { createAudit } from './audit.service.ts';

let ipCounter = 0;
const nextIp = () => `10.9.${(++ipCounter >> 8) & 255}.${ipCounter & 255}`;

function harness() {
  const h = {} as { t: TestApp };
  const send = (who: Signed | null, opts: InjectOptions) =>
    h.t.app.inject({ ...opts, remoteAddress: nextIp(), headers: { ...(who?.headers ?? {}) } });
  async function owner(clients: number): Promise<Signed> {
    const email = uniqueEmail('keyed');
    const password = 'correct horse battery';
    const res = await send(null, {
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password, name: 'Keyed', organizationName: 'Keyed agency' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    const who: Signed = {
      token: body.tokens.accessToken,
      refreshToken: body.tokens.refreshToken,
      userId: body.user.id,
      organizationId: body.tokens.organizationId,
      email,
      password,
      headers: { authorization: `Bearer ${body.tokens.accessToken}` },
    };
    for (let i = 0; i < clients; i++) await addClient(who);
    return who;
  }
  async function addClient(who: Signed) {
    const res = await send(who, {
      method: 'POST',
      url: '/api/v1/clients',
      payload: { name: 'Audited', email: uniqueEmail('audited') },
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  /** The service's verdict, which GET /api/v1/audit/verify must report the same. */
  async function verify(who: Signed) {
    const direct = await h.t.services.audit.verify(who.organizationId);
    const res = await send(who, { method: 'GET', url: '/api/v1/audit/verify' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(direct);
    return direct;
  }
  const rows = (orgId: string) =>
    h.t.storage.db
      .selectFrom('audit_log')
      .selectAll()
      .where('organization_id', '=', orgId)
      .orderBy('seq')
      .execute();
  const head = (orgId: string) =>
    h.t.storage.db
      .selectFrom('audit_chain_heads')
      .selectAll()
      .where('organization_id', '=', orgId)
      .executeTakeFirstOrThrow();
  /**
   * What someone with write access to the database can do: recompute every hash from `fromSeq` on
   * with the exported `entryHash` (optionally marking the entries as unkeyed) and move the chain
   * head to the new end.
   */
  async function rewriteFrom(
    orgId: string,
    fromSeq: number,
    opts: { markUnkeyed?: boolean; headFields?: Record<string, unknown> } = {},
  ) {
    const all = await rows(orgId);
    const h0 = await head(orgId);
    let prev = all.find((r) => Number(r.seq) === fromSeq - 1)?.hash ?? h0.anchor_hash;
    let lastSeq = fromSeq - 1;
    for (const r of all.filter((x) => Number(x.seq) >= fromSeq)) {
      const { hash: _, ...fields } = { ...r, prev_hash: prev };
      const hash = entryHash(fields);
      await h.t.storage.db
        .updateTable('audit_log')
        .set({
          prev_hash: prev,
          hash,
          ...(opts.markUnkeyed ? { hash_version: 1, key_id: null } : {}),
        })
        .where('id', '=', r.id)
        .execute();
      prev = hash;
      lastSeq = Number(r.seq);
    }
    await h.t.storage.db
      .updateTable('audit_chain_heads')
      .set({ last_seq: lastSeq, last_hash: prev, ...opts.headFields })
      .where('organization_id', '=', orgId)
      .execute();
  }
  return { h, send, owner, addClient, verify, rows, head, rewriteFrom };
}

describe(`keyed audit chain on ${testDialect()}`, () => {
  const { h, owner, verify, rows, head, rewriteFrom, addClient } = harness();
  beforeAll(async () => {
    h.t = await createTestApp();
  });
  afterAll(() => h.t.close());

  it('entries are HMAC-SHA256 with the audit key, not the public hash', async () => {
    const who = await owner(1);
    const all = await rows(who.organizationId);
    const keys = createAuditKeys(h.t.config.secrets.auditKey);
    expect(all.map((r) => [r.hash_version, r.key_id])).toEqual(all.map(() => [2, keys.currentId]));
    for (const r of all) {
      expect(r.hash).toBe(keys.entryMac(r));
      expect(r.hash).not.toBe(entryHash(r));
    }
    expect(await head(who.organizationId)).toMatchObject({ keyed_from_seq: 1, key_id: keys.currentId });
    expect(await verify(who)).toMatchObject({ ok: true, checked: 3 });
  });

  it("the reviewer's attack (edit a row, delete the last, recompute every hash and the head) names the edited entry", async () => {
    const who = await owner(4);
    const edited = (await rows(who.organizationId))[2];
    await sql`update audit_log set action = 'clients.deleted' where id = ${edited?.id}`.execute(
      h.t.storage.db,
    );
    await h.t.storage.db
      .deleteFrom('audit_log')
      .where('organization_id', '=', who.organizationId)
      .where('seq', '=', 6)
      .execute();
    await rewriteFrom(who.organizationId, 3);
    const result = await verify(who);
    expect(result).toMatchObject({
      ok: false,
      checked: 2,
      firstProblem: { seq: 3, id: edited?.id, problem: 'edited' },
    });
  });

  it('deleting the last entry and moving the head back to the one before is detected by the head seal', async () => {
    const who = await owner(2);
    const all = await rows(who.organizationId);
    await h.t.storage.db
      .deleteFrom('audit_log')
      .where('id', '=', all[3]?.id as string)
      .execute();
    await h.t.storage.db
      .updateTable('audit_chain_heads')
      .set({ last_seq: 3, last_hash: all[2]?.hash })
      .where('organization_id', '=', who.organizationId)
      .execute();
    expect((await verify(who)).firstProblem).toMatchObject({ seq: 3, id: null, problem: 'head_modified' });
    // The next change does not seal over it: the chain stays reported.
    await addClient(who);
    expect((await verify(who)).firstProblem).toMatchObject({ problem: 'head_modified' });
  });

  describe('a downgrade to the unkeyed algorithm is detected', () => {
    it('entries marked unkeyed and rehashed with the public function', async () => {
      const who = await owner(3);
      const target = (await rows(who.organizationId))[1];
      await sql`update audit_log set actor_id = 'usr_someone_else' where id = ${target?.id}`.execute(
        h.t.storage.db,
      );
      await rewriteFrom(who.organizationId, 2, { markUnkeyed: true });
      expect((await verify(who)).firstProblem).toMatchObject({
        seq: 2,
        id: target?.id,
        problem: 'downgraded',
      });
    });

    it('entries and the head marked unkeyed (keyed start moved past the end, seal removed)', async () => {
      const who = await owner(2);
      await rewriteFrom(who.organizationId, 1, {
        markUnkeyed: true,
        headFields: { keyed_from_seq: 1000, seal: null, key_id: null },
      });
      const result = await verify(who);
      expect(result.ok).toBe(false);
      expect(result.firstProblem).toMatchObject({ problem: 'downgraded' });
      expect(result.firstProblem?.message).toMatch(/not sealed with the audit key/);
    });

    it('entries marked unkeyed and the keyed start moved past them, seal kept', async () => {
      const who = await owner(2);
      await rewriteFrom(who.organizationId, 1, { markUnkeyed: true, headFields: { keyed_from_seq: 1000 } });
      expect((await verify(who)).firstProblem).toMatchObject({ seq: 4, problem: 'head_modified' });
    });
  });

  it('with the wrong key verification fails naming the key; retired keys keep verifying after a rotation', async () => {
    const who = await owner(1);
    const original = h.t.config.secrets.auditKey;
    const auditWith = (current: Buffer, old: Buffer[] = []) =>
      createAudit({ storage: h.t.storage, clock: h.t.clock, keys: createAuditKeys(current, old) });
    const newKey = randomBytes(32);

    const wrong = await auditWith(newKey).verify(who.organizationId);
    expect(wrong).toMatchObject({ ok: false, checked: 0, firstProblem: { seq: 1, problem: 'unknown_key' } });
    expect(wrong.firstProblem?.message).toContain(createAuditKeys(original).currentId);
    expect(wrong.firstProblem?.message).toMatch(/OMNIFY_AUDIT_KEY or add it to OMNIFY_AUDIT_KEYS_OLD/);

    // Rotation: the new key seals from now on, the old one (OMNIFY_AUDIT_KEYS_OLD) verifies what it sealed.
    const rotated = auditWith(newKey, [original]);
    expect(await rotated.verify(who.organizationId)).toMatchObject({ ok: true, checked: 3 });
    await h.t.storage.withTenant(who.organizationId, (trx) =>
      rotated.record(trx, {
        organizationId: who.organizationId,
        actor: { type: 'system', id: 'rotation-test' },
        action: 'audit.key_rotated',
      }),
    );
    expect((await rows(who.organizationId)).map((r) => r.key_id)).toEqual([
      ...Array(3).fill(createAuditKeys(original).currentId),
      createAuditKeys(newKey).currentId,
    ]);
    expect(await rotated.verify(who.organizationId)).toMatchObject({ ok: true, checked: 4 });
    // Dropping the retired key too early, or not configuring the new one, fails clearly.
    expect((await auditWith(newKey).verify(who.organizationId)).firstProblem).toMatchObject({
      seq: 1,
      problem: 'unknown_key',
    });
    expect((await auditWith(original).verify(who.organizationId)).firstProblem).toMatchObject({
      seq: 4,
      problem: 'unknown_key',
    });
  });
});

describe(`upgrading an installation with unkeyed entries (migration 014) on ${testDialect()}`, () => {
  const { h, owner, verify, rows, head, rewriteFrom, addClient } = harness();
  beforeAll(async () => {
    h.t = await createTestApp();
  });
  afterAll(() => h.t.close());
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('pre-upgrade entries keep verifying with the old algorithm, later ones are keyed, and neither can be rewritten', async () => {
    const busy = await owner(3);
    const idle = await owner(1);
    // Turn the database into what an installation before migration 014 has: entries hashed with
    // the unkeyed function from the genesis, and none of the new columns.
    for (const who of [busy, idle]) {
      expect((await head(who.organizationId)).anchor_hash).toBe(genesisHash(who.organizationId));
      await rewriteFrom(who.organizationId, 1);
    }
    const db = h.t.storage.db;
    for (const [table, column] of [
      ['audit_log', 'hash_version'],
      ['audit_log', 'key_id'],
      ['audit_chain_heads', 'keyed_from_seq'],
      ['audit_chain_heads', 'key_id'],
      ['audit_chain_heads', 'seal'],
    ] as const)
      await db.schema.alterTable(table).dropColumn(column).execute();
    await sql`delete from omnify_migrations where name = '014_audit_keyed_chain'`.execute(db);
    // Migrations after it are undone too (Kysely runs by name and refuses one older than the last
    // run): an installation before 014 has none of them.
    await sql`drop index sync_runs_one_pending`.execute(db);
    await sql`delete from omnify_migrations where name = '014_sync_run_one_pending'`.execute(db);
    await sql`drop index workflow_executions_status_created`.execute(db);
    await sql`delete from omnify_migrations where name = '015_workflow_execution_status_index'`.execute(db);

    // The migration reads the audit key from the configuration, as `omnify migrate` and `serve` do.
    vi.stubEnv('OMNIFY_DATA_DIR', mkdtempSync(path.join(tmpdir(), 'omnify-upgrade-')));
    vi.stubEnv('OMNIFY_AUDIT_KEY', h.t.config.secrets.auditKey.toString('base64'));
    vi.stubEnv('OMNIFY_ENCRYPTION_KEY', h.t.config.secrets.encryptionKey.toString('base64'));
    vi.stubEnv('OMNIFY_JWT_SECRET', randomBytes(32).toString('hex'));
    expect(await h.t.storage.migrate()).toEqual([
      '014_audit_keyed_chain',
      '014_sync_run_one_pending',
      '015_workflow_execution_status_index',
    ]);

    const keyId = createAuditKeys(h.t.config.secrets.auditKey).currentId;
    expect(await head(busy.organizationId)).toMatchObject({ keyed_from_seq: 6, key_id: keyId });
    expect((await rows(busy.organizationId)).map((r) => r.hash_version)).toEqual([1, 1, 1, 1, 1]);
    expect(await verify(busy)).toMatchObject({ ok: true, checked: 5 });
    expect(await verify(idle)).toMatchObject({ ok: true, checked: 3 });

    // New entries are keyed; the chain verifies across the two algorithms.
    await addClient(busy);
    expect((await rows(busy.organizationId)).map((r) => r.hash_version)).toEqual([1, 1, 1, 1, 1, 2]);
    expect(await verify(busy)).toMatchObject({ ok: true, checked: 6 });

    // A downgrade of the keyed entry is detected.
    await rewriteFrom(busy.organizationId, 6, { markUnkeyed: true });
    expect((await verify(busy)).firstProblem).toMatchObject({ seq: 6, problem: 'downgraded' });

    // Rewriting the unkeyed prefix of a sealed chain (with its head) breaks the seal.
    const legacy = (await rows(idle.organizationId))[1];
    await sql`update audit_log set action = 'clients.deleted' where id = ${legacy?.id}`.execute(db);
    await rewriteFrom(idle.organizationId, 2);
    expect((await verify(idle)).firstProblem).toMatchObject({ seq: 3, problem: 'head_modified' });
  });
});
