/**
 * The change ledger: one entry per applied platform change (a write-back, with the proposal and the
 * agent, rule or person behind it) and its scores 7 and 14 days later against comparable untouched
 * entities (difference in differences): helped, hurt or inconclusive, with the estimated effect.
 */
import type { OmnifyMigration } from '../migrate.ts';
import { idColumn, orgColumn, secureTables } from './helpers.ts';

export const ledger: OmnifyMigration = {
  async up(ctx) {
    const { db } = ctx;
    await db.schema
      .createTable('ledger_entries')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('write_action_id', 'text', (c) => c.notNull())
      .addColumn('proposal_id', 'text')
      // 'agent' | 'rule' | 'user', with the agent kind or rule id (the person's id for direct changes).
      .addColumn('source_type', 'text', (c) => c.notNull())
      .addColumn('source_id', 'text')
      // 'budget_change' | 'pause' | 'enable'
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text')
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('before', 'text', (c) => c.notNull())
      .addColumn('after', 'text', (c) => c.notNull())
      .addColumn('change_pct', 'double precision')
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .addColumn('applied_date', 'text', (c) => c.notNull())
      .addColumn('reverted_at', 'text')
      // The latest score's verdict ('pending' until the 7-day score), kept here for filtering.
      .addColumn('verdict', 'text', (c) => c.notNull())
      .addColumn('verdict_horizon', 'integer')
      .addColumn('effect_pct', 'double precision')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('ledger_entries_action', ['organization_id', 'write_action_id'])
      .execute();
    for (const [name, cols] of [
      ['ledger_entries_source', ['organization_id', 'source_type', 'source_id', 'id']],
      ['ledger_entries_entity', ['organization_id', 'entity_id', 'id']],
      ['ledger_entries_verdict', ['organization_id', 'verdict', 'id']],
    ] as const)
      await db.schema
        .createIndex(name)
        .on('ledger_entries')
        .columns([...cols])
        .execute();

    await db.schema
      .createTable('ledger_scores')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('entry_id', 'text', (c) => c.notNull().references('ledger_entries.id').onDelete('cascade'))
      .addColumn('horizon_days', 'integer', (c) => c.notNull())
      .addColumn('scored_at', 'text', (c) => c.notNull())
      // 'helped' | 'hurt' | 'inconclusive'
      .addColumn('verdict', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      // 'roas' | 'cpa'
      .addColumn('metric', 'text')
      .addColumn('effect_pct', 'double precision')
      .addColumn('lo_pct', 'double precision')
      .addColumn('hi_pct', 'double precision')
      .addColumn('controls', 'integer', (c) => c.notNull())
      // Windows, the treated unit's figures, the controls, the effect in the metric's units (JSON).
      .addColumn('details', 'text', (c) => c.notNull())
      // Scored once: a rerun of the job finds the row and leaves it.
      .addUniqueConstraint('ledger_scores_once', ['organization_id', 'entry_id', 'horizon_days'])
      .execute();

    await secureTables(ctx, ['ledger_entries', 'ledger_scores']);
  },
};
