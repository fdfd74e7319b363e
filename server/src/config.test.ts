import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const dir = () => mkdtempSync(path.join(tmpdir(), 'omnify-config-'));

describe('config', () => {
  it('runs with no environment: SQLite under the data dir, in-process queue, port 3000, secrets generated once', () => {
    const d = dir();
    const c = loadConfig({ OMNIFY_DATA_DIR: d });
    expect(c.database).toEqual({ dialect: 'sqlite', file: path.join(d, 'omnify.sqlite') });
    expect(c.queue).toEqual({ kind: 'in-process' });
    expect(c.http.port).toBe(3000);
    expect(c.worker.runInApi).toBe(true);
    expect(c.secrets.generated).toEqual([
      path.join(d, 'encryption.key'),
      path.join(d, 'jwt.key'),
      path.join(d, 'audit.key'),
    ]);
    expect(existsSync(path.join(d, 'encryption.key'))).toBe(true);
    // The same key on the next start: what was encrypted stays readable.
    const again = loadConfig({ OMNIFY_DATA_DIR: d });
    expect(again.secrets.encryptionKey.equals(c.secrets.encryptionKey)).toBe(true);
    // The audit chain's key too: entries sealed before a restart keep verifying.
    expect(again.secrets.auditKey.equals(c.secrets.auditKey)).toBe(true);
    expect(c.secrets.auditKey.equals(c.secrets.encryptionKey)).toBe(false);
    expect(readFileSync(path.join(d, 'encryption.key'), 'utf8').trim()).toBe(
      c.secrets.encryptionKey.toString('base64'),
    );
  });

  it('picks PostgreSQL and BullMQ from the URLs', () => {
    const c = loadConfig({
      OMNIFY_DATA_DIR: dir(),
      DATABASE_URL: 'postgres://u@db:5432/omnify',
      REDIS_URL: 'redis://cache:6379',
    });
    expect(c.database).toMatchObject({ dialect: 'postgres', url: 'postgres://u@db:5432/omnify' });
    expect(c.queue).toMatchObject({ kind: 'bullmq', redisUrl: 'redis://cache:6379' });
    expect(c.worker.runInApi).toBe(false);
  });

  it('an invalid configuration stops boot listing every problem at once', () => {
    let err: unknown;
    try {
      loadConfig({
        OMNIFY_DATA_DIR: dir(),
        PORT: 'eighty',
        DATABASE_URL: 'mysql://nope',
        REDIS_URL: 'http://x',
        OMNIFY_ENCRYPTION_KEY: 'short',
        OMNIFY_AUDIT_KEYS_OLD: 'c2hvcnQ=',
        OMNIFY_META_API_BASE_URL: 'not a url',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const key of [
      'PORT',
      'DATABASE_URL',
      'REDIS_URL',
      'OMNIFY_ENCRYPTION_KEY',
      'OMNIFY_AUDIT_KEYS_OLD',
      'OMNIFY_META_API_BASE_URL',
    ])
      expect(problems).toContain(key);
  });

  it('mail: the log without SMTP_URL; SMTP_URL needs a MAIL_FROM, and both must be well formed', () => {
    expect(loadConfig({ OMNIFY_DATA_DIR: dir() }).mail).toEqual({ kind: 'log' });
    const url = 'smtps://omnify:secret@smtp.example.com:465';
    expect(
      loadConfig({ OMNIFY_DATA_DIR: dir(), SMTP_URL: url, MAIL_FROM: 'Omnify <omnify@example.com>' }).mail,
    ).toEqual({ kind: 'smtp', url, from: 'Omnify <omnify@example.com>' });
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig({ OMNIFY_DATA_DIR: dir(), ...env });
      } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
      }
      return [];
    };
    expect(problemsOf({ SMTP_URL: url })).toEqual([
      'MAIL_FROM: required with SMTP_URL (the sender, e.g. Omnify <omnify@example.com>)',
    ]);
    const bad = problemsOf({ SMTP_URL: 'http://u:secret@mail.example.com', MAIL_FROM: 'Omnify' });
    expect(bad).toEqual([
      'SMTP_URL: must be smtp://[user:password@]host[:port] or smtps://…',
      'MAIL_FROM: must be an address, or a name and an address: Omnify <omnify@example.com>',
    ]);
    // The error names the variable, never its value (the URL carries the password).
    expect(bad.join('\n')).not.toContain('secret');
    expect(problemsOf({ SMTP_URL: url, MAIL_FROM: 'omnify@example.com' })).toEqual([]);
  });
});
