import type { OmnifyMigration } from '../migrate.ts';

/**
 * The workflows tick (workflows.settle.ts) looks every minute, across organizations, for runs still
 * `proposed` (their proposals wait for approval). This index keeps that sweep off a full scan of
 * every workflow run ever made; the other execution queries go by organization and id.
 */
export const workflowExecutionStatusIndex: OmnifyMigration = {
  async up({ db }) {
    await db.schema
      .createIndex('workflow_executions_status_created')
      .on('workflow_executions')
      .columns(['status', 'created_at'])
      .execute();
  },
};
