/** Column shorthands shared by migrations, kept to a subset both dialects understand the same way. */
import type { CreateTableBuilder } from 'kysely';
import type { MigrationContext } from '../migrate.ts';
import { enableTenantRls, ensureTenantRole, grantToTenantRole } from '../postgres.ts';

// biome-ignore lint/suspicious/noExplicitAny: schema builder over any table
type Table = CreateTableBuilder<any, any>;

export const idColumn = (t: Table) => t.addColumn('id', 'text', (c) => c.primaryKey());
export const orgColumn = (t: Table) =>
  t.addColumn('organization_id', 'text', (c) =>
    c.notNull().references('organizations.id').onDelete('cascade'),
  );
export const timestamps = (t: Table) =>
  t.addColumn('created_at', 'text', (c) => c.notNull()).addColumn('updated_at', 'text', (c) => c.notNull());

/** On PostgreSQL: row-level security for tenant tables and grants for the shared ones. */
export async function secureTables(
  ctx: MigrationContext,
  tenantTables: string[],
  sharedTables: string[] = [],
) {
  if (ctx.dialect !== 'postgres') return;
  await ensureTenantRole(ctx.db);
  for (const t of tenantTables) await enableTenantRls(ctx.db, t);
  for (const t of sharedTables) await grantToTenantRole(ctx.db, t);
}
