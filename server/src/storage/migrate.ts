/** Runs the migrations in `migrations/index.ts`, in order, on either dialect. */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { migrations } from './migrations/index.ts';

export type Dialect = 'sqlite' | 'postgres';
/** What a migration gets: the untyped database (schemas change) and the dialect it runs on. */
export interface MigrationContext {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it is at that step
  db: Kysely<any>;
  dialect: Dialect;
}
export interface OmnifyMigration {
  up(ctx: MigrationContext): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: runs on any schema
export async function runMigrations(db: Kysely<any>, dialect: Dialect): Promise<string[]> {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(migrations)) {
        out[name] = { up: (trxDb) => m.up({ db: trxDb, dialect }) };
      }
      return out;
    },
  };
  // Kysely looks for its bookkeeping tables in every schema it can see; pin them to ours so that
  // another schema of the cluster holding an Omnify install (tests, staging) is not mistaken for it.
  const schema =
    dialect === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
      : undefined;
  const migrator = new Migrator({
    db,
    provider,
    ...(schema ? { migrationTableSchema: schema } : {}),
    migrationTableName: 'omnify_migrations',
    migrationLockTableName: 'omnify_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(
      `Migration ${failed?.migrationName ?? '?'} failed: ${String((error as Error).message ?? error)}`,
      {
        cause: error,
      },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
