/** `omnify agents run` as an operator uses it: a separate process on a SQLite file. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testDialect } from '../../storage/testing.ts';

const bin = path.resolve(import.meta.dirname, '../../../bin/omnify.js');
const omnify = (dataDir: string, args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', OMNIFY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

// The command runs on its own SQLite file whatever the suite's dialect: once is enough.
describe.runIf(testDialect() === 'sqlite')('omnify agents run', () => {
  it('runs an agent of an organization, prints its steps and output; bad input names the field and exits 1', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'omnify-agents-cli-'));
    expect(omnify(d, ['migrate']).code).toBe(0);
    omnify(d, ['admin', 'create-user', '--email', 'ops@agency.test', '--name', 'Ops'], {
      OMNIFY_NEW_PASSWORD: 'a long password',
    });
    const org = omnify(d, ['admin', 'create-org', '--name', 'Agency', '--owner-email', 'ops@agency.test']);
    const orgId = /(org_[0-9a-z]+)/.exec(org.out)?.[1] as string;
    const copy = {
      key: 'draft',
      platform: 'meta',
      headline: 'Run faster',
      body: 'Light shoes.',
      callToAction: 'Shop now',
    };
    const ok = omnify(d, [
      'agents',
      'run',
      'creative_intelligence',
      '--org',
      orgId,
      '--input',
      JSON.stringify({ copies: [copy] }),
    ]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/^exe_[0-9a-z]+ succeeded: \d+ steps/);
    expect(ok.out).toContain('tool analyze_copies');
    expect(ok.out).toContain('"key": "draft"');

    const bad = omnify(d, [
      'agents',
      'run',
      'creative_intelligence',
      '--org',
      orgId,
      '--input',
      '{"copies":[{"key":"x"}]}',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('copies.0.headline');

    // An organization that does not exist is named as such (not as a missing agent).
    const nope = omnify(d, ['agents', 'run', 'analytics', '--org', 'org_nope']);
    expect(nope.code).not.toBe(0);
    expect(nope.err).toContain('No organization org_nope');
  }, 180_000);
});
