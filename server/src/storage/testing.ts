/**
 * Test databases. `OMNIFY_TEST_DB=postgres` runs the same suites on PostgreSQL
 * (`OMNIFY_TEST_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/test), each test database in a
 * schema of its own that is dropped afterwards; the default is an in-memory SQLite database.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createStorage, type Storage } from './db.ts';

export type TestDialect = 'sqlite' | 'postgres';

export const testDialect = (): TestDialect =>
  process.env.OMNIFY_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
export const testPostgresUrl = () =>
  process.env.OMNIFY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStorage extends Storage {
  /** The DATABASE_URL-style description of this database, for child processes. */
  url: string;
  searchPath?: string;
}

/** A fresh, migrated database. Pass `file` to use an on-disk SQLite file (for multi-process tests). */
export async function createTestStorage(opts: { file?: string } = {}): Promise<TestStorage> {
  if (testDialect() === 'sqlite') {
    const file = opts.file ?? ':memory:';
    const storage = createStorage({ dialect: 'sqlite', file });
    await storage.migrate();
    return Object.assign(storage, { url: file === ':memory:' ? ':memory:' : `sqlite:${file}` });
  }
  const url = testPostgresUrl();
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const storage = createStorage({ dialect: 'postgres', url, poolMax: 5 }, { searchPath: schema });
  await storage.migrate();
  const close = storage.close;
  return Object.assign(storage, {
    url,
    searchPath: schema,
    close: async () => {
      await close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  });
}
