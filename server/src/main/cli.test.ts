/** The `omnify` command as an operator runs it: separate processes on one SQLite file. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { testDialect } from '../storage/testing.ts';

const bin = path.resolve(import.meta.dirname, '../../bin/omnify.js');

function omnify(dataDir: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', OMNIFY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

// Each spawn compiles the TypeScript sources afresh (several seconds on a busy 2-core machine), and
// the --help walk spawns nine: more than the default 30 s per test. The spawned commands use their
// own SQLite file whatever the suite's dialect, so the PostgreSQL pass would only repeat them.
describe.runIf(testDialect() === 'sqlite')('omnify command', { timeout: 180_000 }, () => {
  it('creates a user and an organization, then verify-audit names the first edited, deleted or reordered entry', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'omnify-cli-'));
    expect(omnify(d, ['migrate']).out).toMatch(/Applied \d+ migration/);
    const user = omnify(d, ['admin', 'create-user', '--email', 'ops@agency.test', '--name', 'Ops'], {
      OMNIFY_NEW_PASSWORD: 'a long password',
    });
    expect(user.code, user.out).toBe(0);
    const org = omnify(d, ['admin', 'create-org', '--name', 'Agency', '--owner-email', 'ops@agency.test']);
    expect(org.code, org.out).toBe(0);
    const orgId = /(org_[0-9a-z]+)/.exec(org.out)?.[1] as string;
    const ok = omnify(d, ['admin', 'verify-audit']);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`ok    ${orgId}`);

    const db = new Database(path.join(d, 'omnify.sqlite'));
    // Add entries to tamper with through the CLI itself (each user creation with --org is audited).
    for (const n of [1, 2, 3])
      omnify(
        d,
        [
          'admin',
          'create-user',
          '--email',
          `u${n}@agency.test`,
          '--name',
          `U${n}`,
          '--org',
          orgId,
          '--role',
          'viewer',
        ],
        { OMNIFY_NEW_PASSWORD: 'a long password' },
      );
    // Entries: #1 organizations.created, #2..#4 members.added.
    db.prepare("update audit_log set action = 'members.removed' where organization_id = ? and seq = 2").run(
      orgId,
    );
    const edited = omnify(d, ['admin', 'verify-audit', '--org', orgId]);
    expect(edited.code).toBe(1);
    expect(edited.out).toMatch(/first bad entry #2 .*edited/);

    db.prepare("update audit_log set action = 'members.added' where organization_id = ? and seq = 2").run(
      orgId,
    );
    db.prepare('delete from audit_log where organization_id = ? and seq = 3').run(orgId);
    const deleted = omnify(d, ['admin', 'verify-audit', '--json']);
    expect(deleted.code).toBe(1);
    expect(JSON.parse(deleted.out)[0].firstProblem).toMatchObject({ seq: 3, problem: 'deleted' });
    db.close();
    // An organization that does not exist is not a tampered one.
    const unknown = omnify(d, ['admin', 'verify-audit', '--org', 'org_nope']);
    expect(unknown.code, unknown.out).toBe(2);
    expect(unknown.out.trim()).toBe('error: organization org_nope not found');
  });

  it('refuses a made-up reporting currency, and list-orgs shows the organizations', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'omnify-cli-'));
    const user = omnify(d, ['admin', 'create-user', '--email', 'ops@agency.test', '--name', 'Ops'], {
      OMNIFY_NEW_PASSWORD: 'a long password',
    });
    expect(user.code, user.out).toBe(0);
    // A made-up currency is refused before anything is written (the API refuses it too); a code in
    // lower case is taken as the ISO code.
    const xyz = omnify(d, [
      'admin',
      'create-org',
      '--name',
      'Bad',
      '--owner-email',
      'ops@agency.test',
      '--currency',
      'XYZ',
    ]);
    expect(xyz.code).not.toBe(0);
    expect(xyz.out).toContain('Not an ISO 4217 currency in use');
    const eur = omnify(d, [
      'admin',
      'create-org',
      '--name',
      'Euro Agency',
      '--owner-email',
      'ops@agency.test',
      '--currency',
      'eur',
    ]);
    expect(eur.code, eur.out).toBe(0);
    // stderr names the database it read; stdout is the JSON (the helper joins the two).
    const out = omnify(d, ['admin', 'list-orgs', '--json']).out;
    expect(out).toContain(`Database: ${path.join(d, 'omnify.sqlite')}`);
    const listed = JSON.parse(out.slice(out.indexOf('['), out.lastIndexOf(']') + 1)) as Array<
      Record<string, unknown>
    >;
    expect(listed.map((o) => [o.name, o.reportingCurrency, o.members])).toEqual([['Euro Agency', 'EUR', 1]]);
    expect(listed[0]?.id).toMatch(/^org_[0-9a-z]+$/);
    // Run where there is no database, it says so (and which file it looked for) instead of making one.
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'omnify-cli-'));
    const none = omnify(elsewhere, ['admin', 'list-orgs']);
    expect(none.code).not.toBe(0);
    expect(none.out).toContain(`No database at ${path.join(elsewhere, 'omnify.sqlite')}`);
  });

  it('every command documents itself with --help', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'omnify-cli-'));
    for (const cmd of [
      ['serve'],
      ['worker'],
      ['migrate'],
      ['demo'],
      ['sync'],
      ['admin', 'create-org'],
      ['admin', 'list-orgs'],
      ['admin', 'create-user'],
      ['admin', 'verify-audit'],
      ['admin', 'reconcile-write-backs'],
    ]) {
      const r = omnify(d, [...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.out).toMatch(/Usage: omnify/);
    }
    // The version of the installed package, as bug reports ask for it.
    const version = omnify(d, ['--version']);
    expect(version.code).toBe(0);
    expect(version.out.trim()).toBe(
      (
        JSON.parse(readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')) as {
          version: string;
        }
      ).version,
    );
  });

  it('refuses an invalid configuration with every problem listed and exit code 2', () => {
    const r = omnify(mkdtempSync(path.join(tmpdir(), 'omnify-cli-')), ['migrate'], {
      PORT: 'x',
      DATABASE_URL: 'mysql://a',
    });
    expect(r.code).toBe(2);
    expect(r.out).toContain('PORT');
    expect(r.out).toContain('DATABASE_URL');
  });
});
