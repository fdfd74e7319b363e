/**
 * ORACLE predictions: every stored forecast step and anomaly finding, with the model and version
 * that produced it and a hash of its inputs (the same inputs never store twice). A computation is a
 * run (`run_id`): a forecast run holds one row per step ahead; an anomaly run one row per flagged day.
 */
import type { OmnifyMigration } from '../migrate.ts';
import { idColumn, orgColumn, secureTables } from './helpers.ts';

export const oracle: OmnifyMigration = {
  async up(ctx) {
    const { db } = ctx;
    await db.schema
      .createTable('predictions')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('entity_type', 'text', (c) => c.notNull())
      // '' for the organization itself; the platform's name for a platform.
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('metric', 'text', (c) => c.notNull())
      .addColumn('horizon_days', 'integer', (c) => c.notNull())
      .addColumn('step', 'integer', (c) => c.notNull())
      .addColumn('for_date', 'text', (c) => c.notNull())
      .addColumn('computed_at', 'text', (c) => c.notNull())
      // Money in micros of the reporting currency (rounded), conversions as counts, ROAS as a ratio.
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addColumn('lo80', 'double precision')
      .addColumn('hi80', 'double precision')
      .addColumn('lo95', 'double precision')
      .addColumn('hi95', 'double precision')
      .addColumn('confidence', 'double precision')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('model_version', 'text', (c) => c.notNull())
      .addColumn('inputs_hash', 'text', (c) => c.notNull())
      .addColumn('explanation', 'text', (c) => c.notNull())
      .execute();
    // Idempotency: one row per (inputs, step); a retried or repeated computation inserts nothing.
    await db.schema
      .createIndex('predictions_inputs')
      .on('predictions')
      .columns(['organization_id', 'type', 'entity_type', 'entity_id', 'metric', 'inputs_hash', 'step'])
      .unique()
      .execute();
    await db.schema
      .createIndex('predictions_entity')
      .on('predictions')
      .columns(['organization_id', 'type', 'entity_type', 'entity_id', 'metric', 'run_id'])
      .execute();
    await secureTables(ctx, ['predictions']);
  },
};
