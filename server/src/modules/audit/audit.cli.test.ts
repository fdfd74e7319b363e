/**
 * `omnify admin verify-audit` against someone who can write to the SQLite file: an installation
 * upgraded from unkeyed entries (`omnify migrate`), the reviewer's rewrite with the exported hash
 * function, the wrong audit key and a downgrade, each in separate processes as an operator runs them.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AuditLogTable } from '../../storage/schema.ts';
import { testDialect } from '../../storage/testing.ts';
import { entryHash } from './audit.chain.ts';

const bin = path.resolve(import.meta.dirname, '../../../bin/omnify.js');

function omnify(dataDir: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', OMNIFY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The attacker's script: rehash entries from `fromSeq` with the public function and move the head. */
function rewriteFrom(db: Database.Database, orgId: string, fromSeq: number, markUnkeyed = false) {
  const rows = db
    .prepare('select * from audit_log where organization_id = ? order by seq')
    .all(orgId) as AuditLogTable[];
  const head = db.prepare('select * from audit_chain_heads where organization_id = ?').get(orgId) as {
    anchor_hash: string;
  };
  let prev = rows.find((r) => r.seq === fromSeq - 1)?.hash ?? head.anchor_hash;
  let last = fromSeq - 1;
  for (const r of rows.filter((x) => x.seq >= fromSeq)) {
    const hash = entryHash({ ...r, prev_hash: prev });
    db.prepare('update audit_log set prev_hash = ?, hash = ? where id = ?').run(prev, hash, r.id);
    if (markUnkeyed)
      db.prepare('update audit_log set hash_version = 1, key_id = null where id = ?').run(r.id);
    prev = hash;
    last = r.seq;
  }
  db.prepare('update audit_chain_heads set last_seq = ?, last_hash = ? where organization_id = ?').run(
    last,
    prev,
    orgId,
  );
}

// The spawned commands use their own SQLite file whatever the suite's dialect: the PostgreSQL pass
// would only repeat them.
describe.runIf(testDialect() === 'sqlite')('verify-audit with the keyed chain', { timeout: 300_000 }, () => {
  it('an upgraded installation verifies; a rewrite, the wrong key and a downgrade fail naming the entry', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'omnify-audit-cli-'));
    const user = (email: string, extra: string[] = []) => {
      const r = omnify(d, ['admin', 'create-user', '--email', email, '--name', 'U', ...extra], {
        OMNIFY_NEW_PASSWORD: 'a long password',
      });
      expect(r.code, r.out).toBe(0);
    };
    expect(omnify(d, ['migrate']).out).toMatch(/Applied \d+ migration/);
    user('ops@agency.test');
    const org = omnify(d, ['admin', 'create-org', '--name', 'Agency', '--owner-email', 'ops@agency.test']);
    expect(org.code, org.out).toBe(0);
    const orgId = /(org_[0-9a-z]+)/.exec(org.out)?.[1] as string;
    user('u1@agency.test', ['--org', orgId, '--role', 'viewer']);

    // Make the database what a pre-upgrade installation has: unkeyed entries, no new columns.
    const db = new Database(path.join(d, 'omnify.sqlite'));
    rewriteFrom(db, orgId, 1);
    for (const [table, column] of [
      ['audit_log', 'hash_version'],
      ['audit_log', 'key_id'],
      ['audit_chain_heads', 'keyed_from_seq'],
      ['audit_chain_heads', 'key_id'],
      ['audit_chain_heads', 'seal'],
    ])
      db.exec(`alter table ${table} drop column ${column}`);
    db.prepare("delete from omnify_migrations where name = '014_audit_keyed_chain'").run();
    // Migrations after it are undone too (Kysely runs by name and refuses one older than the last
    // run): an installation before 014 has none of them.
    db.exec('drop index sync_runs_one_pending');
    db.prepare("delete from omnify_migrations where name = '014_sync_run_one_pending'").run();
    db.exec('drop index workflow_executions_status_created');
    db.prepare("delete from omnify_migrations where name = '015_workflow_execution_status_index'").run();

    const upgraded = omnify(d, ['migrate']);
    expect(upgraded.out).toContain(
      'Applied 3 migration(s): 014_audit_keyed_chain, 014_sync_run_one_pending, 015_workflow_execution_status_index',
    );
    const ok = omnify(d, ['admin', 'verify-audit', '--org', orgId]);
    expect(ok.out).toContain(`ok    ${orgId}  2 entries verified`);
    expect(ok.code).toBe(0);

    user('u2@agency.test', ['--org', orgId, '--role', 'viewer']);
    user('u3@agency.test', ['--org', orgId, '--role', 'viewer']);
    expect(db.prepare('select hash_version from audit_log order by seq').pluck().all()).toEqual([1, 1, 2, 2]);
    expect(omnify(d, ['admin', 'verify-audit']).out).toContain(`ok    ${orgId}  4 entries verified`);

    // The reviewer's attack: edit a keyed row, delete the last, recompute every hash and the head.
    const third = db.prepare('select id from audit_log where seq = 3').pluck().get() as string;
    db.prepare("update audit_log set action = 'members.removed' where id = ?").run(third);
    db.prepare('delete from audit_log where seq = 4').run();
    rewriteFrom(db, orgId, 3);
    const rewritten = omnify(d, ['admin', 'verify-audit', '--org', orgId]);
    expect(rewritten.code).toBe(1);
    expect(rewritten.out).toContain(`FAIL  ${orgId}  first bad entry #3 (${third}): edited`);

    // Without the key that sealed it, the first keyed entry cannot be checked, and the answer says why.
    const wrongKey = omnify(d, ['admin', 'verify-audit', '--org', orgId, '--json'], {
      OMNIFY_AUDIT_KEY: randomBytes(32).toString('base64'),
    });
    expect(wrongKey.code).toBe(1);
    expect(JSON.parse(wrongKey.out)[0].firstProblem).toMatchObject({ seq: 3, problem: 'unknown_key' });
    expect(JSON.parse(wrongKey.out)[0].firstProblem.message).toMatch(/OMNIFY_AUDIT_KEYS_OLD/);

    // Marking the rewritten entry as unkeyed does not help: the chain is keyed from #3.
    rewriteFrom(db, orgId, 3, true);
    const downgraded = omnify(d, ['admin', 'verify-audit', '--org', orgId]);
    expect(downgraded.code).toBe(1);
    expect(downgraded.out).toContain(`FAIL  ${orgId}  first bad entry #3 (${third}): downgraded`);
    db.close();
  });
});
