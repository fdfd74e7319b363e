import type { OmnifyMigration } from '../migrate.ts';

/**
 * The write-back reconciler (actions.reconcile.ts) looks, every few minutes and across
 * organizations, for write-backs still `pending` after a timeout. Statuses are free text (the new
 * `unknown`, for an interrupted write-back whose outcome the platform cannot tell, needs no schema
 * change); this index keeps that sweep off a full scan of every write-back ever made.
 */
export const writeActionStatusIndex: OmnifyMigration = {
  async up({ db }) {
    await db.schema
      .createIndex('write_actions_status_created')
      .on('write_actions')
      .columns(['status', 'created_at'])
      .execute();
  },
};
