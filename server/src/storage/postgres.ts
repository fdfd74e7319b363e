/**
 * PostgreSQL specifics: pool, type parsing and row-level security. Tenant tables get a policy keyed on
 * `omnify.organization_id`, set per transaction by `withTenant`, which also switches to the
 * non-owner role `omnify_tenant` so that the policy applies: a query that forgot its organization
 * filter still sees only the current organization's rows.
 */
import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Kysely,
  PostgresDialect,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from 'kysely';
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
  return { dialect: new CurrentSchemaPostgresDialect({ pool }), pool };
}

/**
 * Kysely's PostgreSQL introspector (used by its migrator) reads the catalog of every schema in the
 * database and calls name-based functions on each (`has_schema_privilege(nspname)`), so it fails with
 * "schema … does not exist" whenever another schema is dropped at that moment: another Omnify install,
 * staging or a test run sharing the cluster. Omnify only ever works in its own schema (the search
 * path), so its introspection reads that schema alone.
 */
class CurrentSchemaPostgresDialect extends PostgresDialect {
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's dialect interface takes the untyped instance
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

interface CatalogColumn {
  schema: string;
  table: string;
  kind: string;
  column: string;
  type: string;
  type_schema: string;
  not_null: boolean;
  has_default: boolean;
  identity: string;
  default_expr: string | null;
  comment: string | null;
}

class CurrentSchemaIntrospector implements DatabaseIntrospector {
  // biome-ignore lint/suspicious/noExplicitAny: introspection works on any schema
  constructor(private readonly db: Kysely<any>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(this.db);
    return rows.map((r) => ({ name: r.s }));
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<CatalogColumn>`
      select ns.nspname as schema, c.relname as table, c.relkind as kind, a.attname as column,
             typ.typname as type, tns.nspname as type_schema, a.attnotnull as not_null,
             a.atthasdef as has_default, a.attidentity as identity,
             pg_get_expr(d.adbin, d.adrelid) as default_expr,
             col_description(a.attrelid, a.attnum) as comment
        from pg_catalog.pg_class c
        join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
        join pg_catalog.pg_attribute a on a.attrelid = c.oid
        join pg_catalog.pg_type typ on typ.oid = a.atttypid
        join pg_catalog.pg_namespace tns on tns.oid = typ.typnamespace
        left join pg_catalog.pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
       where ns.nspname = current_schema()
         and c.relkind in ('r', 'v', 'p')
         and a.attnum > 0 and not a.attisdropped
       order by c.relname, a.attnum`.execute(this.db);
    const tables = new Map<string, TableMetadata>();
    for (const r of rows) {
      let table = tables.get(r.table);
      if (!table) {
        table = { name: r.table, schema: r.schema, isView: r.kind === 'v', columns: [] };
        tables.set(r.table, table);
      }
      table.columns.push({
        name: r.column,
        dataType: r.type,
        dataTypeSchema: r.type_schema,
        isNullable: !r.not_null,
        hasDefaultValue: r.has_default,
        isAutoIncrementing: r.identity !== '' || (r.default_expr ?? '').startsWith('nextval('),
        ...(r.comment !== null ? { comment: r.comment } : {}),
      });
    }
    return [...tables.values()];
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
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
