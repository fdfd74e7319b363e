/**
 * The storage port: one Kysely instance over SQLite or PostgreSQL, migrations, and the two kinds of
 * transaction every module uses. `withTenant` is how tenant-owned rows are read and written: on
 * PostgreSQL it also arms row-level security for the organization.
 */
import { Kysely, type Kysely as KyselyType, sql, type Transaction } from 'kysely';
import type { DatabaseConfig } from '../config.ts';
import { runMigrations } from './migrate.ts';
import { createPostgresDialect, enterTenant } from './postgres.ts';
import type { Database } from './schema.ts';
import { createSqliteDialect } from './sqlite.ts';

export type Db = KyselyType<Database>;
export type Trx = Transaction<Database>;
/** Anything a repository can run a query on: the database or a transaction. */
export type Executor = KyselyType<Database>;

export interface Storage {
  db: Db;
  dialect: 'sqlite' | 'postgres';
  /** A transaction scoped to one organization (RLS-armed on PostgreSQL). */
  withTenant<T>(organizationId: string, fn: (trx: Trx) => Promise<T>): Promise<T>;
  /** A transaction outside any tenant: sign-in, registration, system jobs. */
  transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T>;
  migrate(): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createStorage(config: DatabaseConfig, opts: { searchPath?: string } = {}): Storage {
  if (config.dialect === 'sqlite') {
    const { dialect } = createSqliteDialect(config.file);
    const db = new Kysely<Database>({ dialect });
    return build(db, 'sqlite');
  }
  const { dialect } = createPostgresDialect(config.url, config.poolMax, opts.searchPath);
  const db = new Kysely<Database>({ dialect });
  return build(db, 'postgres');
}

function build(db: Db, dialect: 'sqlite' | 'postgres'): Storage {
  let closed = false;
  return {
    db,
    dialect,
    withTenant: (organizationId, fn) =>
      db.transaction().execute(async (trx) => {
        if (dialect === 'postgres') await enterTenant(trx, organizationId);
        return fn(trx);
      }),
    transaction: (fn) => db.transaction().execute(fn),
    migrate: () => runMigrations(db, dialect),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
