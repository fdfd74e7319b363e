/**
 * Workflows: DAG definitions (versioned), their executions and one row per step of an execution.
 * The execution and step rows are the durable state of the engine: every transition is written in
 * the transaction that enqueues the next jobs, so a crash at any point resumes from these rows.
 */
import type { OmnifyMigration } from '../migrate.ts';
import { idColumn, orgColumn, secureTables } from './helpers.ts';

export const workflows: OmnifyMigration = {
  async up(ctx) {
    const { db } = ctx;
    await db.schema
      .createTable('workflows')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('triggers', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('template_id', 'text')
      // Unauthenticated webhook calls find their workflow by this public id (unique everywhere).
      .addColumn('hook_id', 'text', (c) => c.unique())
      .addColumn('hook_secret_sealed', 'text')
      .addColumn('cron_last_tick', 'text')
      .addColumn('threshold_state', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('deleted_at', 'text')
      .execute();
    await db.schema.createIndex('workflows_org').on('workflows').columns(['organization_id', 'id']).execute();

    await db.schema
      .createTable('workflow_versions')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('workflow_id', 'text', (c) => c.notNull().references('workflows.id').onDelete('cascade'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('triggers', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('workflow_versions_version', ['workflow_id', 'version'])
      .execute();

    await db.schema
      .createTable('workflow_executions')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('workflow_id', 'text', (c) => c.notNull().references('workflows.id').onDelete('cascade'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('trigger_type', 'text', (c) => c.notNull())
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text')
      .addColumn('error', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      // One execution per trigger occurrence (cron tick, event, webhook delivery, client key).
      .addUniqueConstraint('workflow_executions_idem', ['organization_id', 'idempotency_key'])
      .execute();
    await db.schema
      .createIndex('workflow_executions_workflow')
      .on('workflow_executions')
      .columns(['organization_id', 'workflow_id', 'id'])
      .execute();

    await db.schema
      .createTable('workflow_step_runs')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('execution_id', 'text', (c) =>
        c.notNull().references('workflow_executions.id').onDelete('cascade'),
      )
      .addColumn('step_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('input', 'text')
      .addColumn('output', 'text')
      .addColumn('state', 'text')
      .addColumn('error', 'text')
      .addColumn('decided_by', 'text')
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('workflow_step_runs_step', ['execution_id', 'step_id'])
      .execute();

    await db.schema
      .createTable('workflow_notifications')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('execution_id', 'text', (c) => c.notNull())
      .addColumn('step_id', 'text', (c) => c.notNull())
      .addColumn('recipients', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      // A retried notify step stores its notification once.
      .addUniqueConstraint('workflow_notifications_step', ['execution_id', 'step_id'])
      .execute();

    await secureTables(ctx, [
      'workflows',
      'workflow_versions',
      'workflow_executions',
      'workflow_step_runs',
      'workflow_notifications',
    ]);
  },
};
