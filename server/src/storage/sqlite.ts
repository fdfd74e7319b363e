/** SQLite specifics: the file, its pragmas, and the Kysely dialect. The embedded default. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDialect } from 'kysely';

export function createSqliteDialect(file: string): { dialect: SqliteDialect; raw: Database.Database } {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  // Several processes (serve, worker, CLI) may share the file: wait for a lock rather than fail.
  raw.pragma('busy_timeout = 5000');
  return { dialect: new SqliteDialect({ database: withStatementCache(raw) }), raw };
}

/**
 * Kysely prepares every query afresh; preparing is a good part of a small query's cost on SQLite.
 * Statements are kept by SQL text (queries are parameterised, so the set is small) and reused —
 * safe because better-sqlite3 runs each one to completion synchronously.
 */
function withStatementCache(raw: Database.Database, max = 1000) {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => raw.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = raw.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}
