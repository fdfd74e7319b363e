/**
 * PostgreSQL specifics: pool, type parsing and row-level security. Tenant tables get a policy keyed on
 * `omnify.organization_id`, set per transaction by `withTenant`, which also switches to the
 * non-owner role `omnify_tenant` so that the policy applies: a query that forgot its organization
 * filter still sees only the current organization's rows.
 */
import { type Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';

// int8 (counts, sums, micros) as JS numbers: exact up to 2^53, i.e. 9 billion currency units in micros.
pg.types.setTypeParser(20, (v) => Number(v));
// numeric (averages, sums of int8) as numbers too.
pg.types.setTypeParser(1700, (v) => Number(v));

export const TENANT_ROLE = 'omnify_tenant';

export function createPostgresDialect(url: string, poolMax: number, searchPath?: string) {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    ...(searchPath ? { options: `-c search_path=${searchPath}` } : {}),
  });
  return { dialect: new PostgresDialect({ pool }), pool };
}

/** Creates the tenant role once per cluster and lets the connecting user switch to it. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema
export async function ensureTenantRole(db: Kysely<any>): Promise<void> {
  await sql
    .raw(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${TENANT_ROLE}') THEN
        CREATE ROLE ${TENANT_ROLE} NOLOGIN;
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$`)
    .execute(db);
  await sql
    .raw(`GRANT ${TENANT_ROLE} TO CURRENT_USER`)
    .execute(db)
    .catch(() => undefined);
  await sql
    .raw(`DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${TENANT_ROLE}', current_schema()); END $$`)
    .execute(db);
}

/** Row-level security on one tenant table: rows are visible only to their organization. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema
export async function enableTenantRls(db: Kysely<any>, table: string): Promise<void> {
  await sql.raw(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`).execute(db);
  await sql
    .raw(
      `CREATE POLICY tenant_isolation ON ${table}
         USING (organization_id = current_setting('omnify.organization_id', true))
         WITH CHECK (organization_id = current_setting('omnify.organization_id', true))`,
    )
    .execute(db);
  await sql.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${TENANT_ROLE}`).execute(db);
}

/** Tables that tenant transactions read or write but that are not organization-owned (users, sessions). */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the untyped schema
export async function grantToTenantRole(db: Kysely<any>, table: string): Promise<void> {
  await sql.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${TENANT_ROLE}`).execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: works on any schema
export async function enterTenant(trx: Kysely<any>, organizationId: string): Promise<void> {
  // One round trip: the organization for the policies, and the non-owner role so they apply
  // (set_config('role', …, true) is SET LOCAL ROLE).
  await sql`select set_config('omnify.organization_id', ${organizationId}, true), set_config('role', ${TENANT_ROLE}, true)`.execute(
    trx,
  );
}
