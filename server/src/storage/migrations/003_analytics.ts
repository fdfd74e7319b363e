/**
 * Analytics: FX rates an organization loads for itself (they take precedence over the
 * install-wide `fx_rates` the operator loads), and `daily_metrics_by_account`, a rollup of
 * `daily_metrics` per organization, day, ad account (and the client, platform and currency its rows
 * carry). Queries that neither group nor filter below the account read the rollup: 2,000 campaigns
 * become 40 rows a day in the benchmark (bench/analytics.bench.ts).
 *
 * The rollup is kept by triggers in the same transaction as every insert, update and delete of
 * `daily_metrics` (syncs, retention, cascades, tests), so no writer can forget it. The trigger DDL
 * is the one dialect-specific part: row triggers on SQLite, statement triggers with transition
 * tables on PostgreSQL (one grouped upsert per statement rather than one per row).
 */
import { sql } from 'kysely';
import type { MigrationContext, OmnifyMigration } from '../migrate.ts';
import { orgColumn, secureTables } from './helpers.ts';

export const ROLLUP = 'daily_metrics_by_account';

/** Rollup key columns and how each is computed from a `daily_metrics` row `r`. */
const keys: Array<[string, (r: string) => string]> = [
  ['organization_id', (r) => `${r}.organization_id`],
  ['date', (r) => `${r}.date`],
  ['ad_account_id', (r) => `${r}.ad_account_id`],
  // A primary key column cannot be null: rows without a client roll up under ''.
  ['client_key', (r) => `coalesce(${r}.client_id, '')`],
  ['platform', (r) => `${r}.platform`],
  ['currency', (r) => `${r}.currency`],
];

/** Additive rollup columns and each row's contribution. */
const measures: Array<[string, (r: string) => string]> = [
  ['row_count', () => '1'],
  ['impressions', (r) => `${r}.impressions`],
  ['clicks', (r) => `${r}.clicks`],
  ['spend_micros', (r) => `${r}.spend_micros`],
  // Integer millionths, so that adding and later subtracting a row leaves no floating-point residue.
  ['conversions_micro', (r) => `cast(round(${r}.conversions * 1000000) as bigint)`],
  ['conversion_value_micros', (r) => `${r}.conversion_value_micros`],
  ['reach', (r) => `coalesce(${r}.reach, 0)`],
  ['reach_rows', (r) => `case when ${r}.reach is null then 0 else 1 end`],
  ['impressions_with_reach', (r) => `case when ${r}.reach is null then 0 else ${r}.impressions end`],
];

const keyList = keys.map(([k]) => k).join(', ');
const allColumns = [...keys, ...measures].map(([c]) => c).join(', ');
const upsertSet = measures.map(([c]) => `${c} = ${ROLLUP}.${c} + excluded.${c}`).join(', ');

/** SQLite: one row's contribution in, or out. */
const addRow = (r: string) =>
  `INSERT INTO ${ROLLUP} (${allColumns}) VALUES (${[...keys, ...measures].map(([, e]) => e(r)).join(', ')})
   ON CONFLICT (${keyList}) DO UPDATE SET ${upsertSet};`;
const keyMatch = (r: string) => keys.map(([k, e]) => `${k} = ${e(r)}`).join(' AND ');
const removeRow = (r: string) =>
  `UPDATE ${ROLLUP} SET ${measures.map(([c, e]) => `${c} = ${c} - ${e(r)}`).join(', ')} WHERE ${keyMatch(r)};
   DELETE FROM ${ROLLUP} WHERE ${keyMatch(r)} AND row_count = 0;`;

/** PostgreSQL: a transition table's contribution, grouped by rollup key (in key order, against deadlocks). */
const grouped = (table: string) =>
  `SELECT ${keys.map(([k, e]) => `${e('t')} AS ${k}`).join(', ')}, ${measures
    .map(([c, e]) => `sum(${e('t')}) AS ${c}`)
    .join(', ')} FROM ${table} t GROUP BY ${keys.map((_, i) => i + 1).join(', ')}`;
const pgFunction = `
CREATE FUNCTION ${ROLLUP}_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE ${ROLLUP} AS r SET ${measures.map(([c]) => `${c} = r.${c} - d.${c}`).join(', ')}
      FROM (${grouped('old_rows')}) AS d
      WHERE ${keys.map(([k]) => `r.${k} = d.${k}`).join(' AND ')};
    DELETE FROM ${ROLLUP} AS r USING (SELECT DISTINCT ${keys.map(([k, e]) => `${e('t')} AS ${k}`).join(', ')} FROM old_rows t) AS d
      WHERE ${keys.map(([k]) => `r.${k} = d.${k}`).join(' AND ')} AND r.row_count = 0;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO ${ROLLUP} (${allColumns})
      ${grouped('new_rows')} ORDER BY ${keys.map((_, i) => i + 1).join(', ')}
      ON CONFLICT (${keyList}) DO UPDATE SET ${upsertSet};
  END IF;
  RETURN NULL;
END $$`;

/** Fills the rollup from `daily_metrics` (it must be empty): the migration's backfill, also a repair. */
export const rollupBackfill = `INSERT INTO ${ROLLUP} (${allColumns}) ${grouped('daily_metrics')}`;

async function createTriggers(ctx: MigrationContext) {
  const run = (statement: string) => sql.raw(statement).execute(ctx.db);
  if (ctx.dialect === 'sqlite') {
    await run(`CREATE TRIGGER ${ROLLUP}_insert AFTER INSERT ON daily_metrics BEGIN ${addRow('NEW')} END`);
    await run(`CREATE TRIGGER ${ROLLUP}_delete AFTER DELETE ON daily_metrics BEGIN ${removeRow('OLD')} END`);
    await run(
      `CREATE TRIGGER ${ROLLUP}_update AFTER UPDATE ON daily_metrics BEGIN ${removeRow('OLD')} ${addRow('NEW')} END`,
    );
    return;
  }
  await run(pgFunction);
  await run(
    `CREATE TRIGGER ${ROLLUP}_insert AFTER INSERT ON daily_metrics REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${ROLLUP}_maintain()`,
  );
  await run(
    `CREATE TRIGGER ${ROLLUP}_delete AFTER DELETE ON daily_metrics REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${ROLLUP}_maintain()`,
  );
  await run(
    `CREATE TRIGGER ${ROLLUP}_update AFTER UPDATE ON daily_metrics REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${ROLLUP}_maintain()`,
  );
}

export const analytics: OmnifyMigration = {
  async up(ctx) {
    const { db } = ctx;
    // A tenant table rather than writes to the shared `fx_rates`: an admin of one organization must
    // not be able to change the figures another organization reports.
    await db.schema
      .createTable('organization_fx_rates')
      .$call(orgColumn)
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('base', 'text', (c) => c.notNull())
      .addColumn('quote', 'text', (c) => c.notNull())
      .addColumn('rate', 'double precision', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('organization_fx_rates_pk', ['organization_id', 'base', 'quote', 'date'])
      .execute();

    let rollup = db.schema
      .createTable(ROLLUP)
      .$call(orgColumn)
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('ad_account_id', 'text', (c) => c.notNull())
      .addColumn('client_key', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull());
    for (const [column] of measures) rollup = rollup.addColumn(column, 'bigint', (c) => c.notNull());
    await rollup
      .addPrimaryKeyConstraint(`${ROLLUP}_pk`, keys.map(([k]) => k) as [string, ...string[]])
      .execute();

    await secureTables(ctx, ['organization_fx_rates', ROLLUP]);

    // Rows already synced, then the triggers for every later change.
    await sql.raw(rollupBackfill).execute(db);
    await createTriggers(ctx);
  },
};
