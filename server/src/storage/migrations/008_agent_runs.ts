/**
 * Agent executions (runs) and their steps. A run is admitted (limits, plan) and stored before it
 * starts, each model turn and tool call is a step written as it finishes, so a run cut short by a
 * budget, a timeout, a cancel or a crash keeps what it did.
 */
import type { OmnifyMigration } from '../migrate.ts';
import { idColumn, orgColumn, secureTables } from './helpers.ts';

export const agentRuns: OmnifyMigration = {
  async up(ctx) {
    const { db } = ctx;
    await db.schema
      .createTable('agent_executions')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      // 'builtin' | 'llm'
      .addColumn('engine', 'text', (c) => c.notNull())
      // queued | running | succeeded | failed | cancelled | budget_exhausted
      .addColumn('status', 'text', (c) => c.notNull())
      // manual | workflow | schedule | api
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('input', 'text', (c) => c.notNull())
      .addColumn('output', 'text')
      // JSON {code, message, details?} when the run did not succeed.
      .addColumn('error', 'text')
      .addColumn('steps', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('input_tokens', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('output_tokens', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('cost_micros', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('model', 'text')
      .addColumn('job_id', 'text')
      // Set by a cancel request; the run checks it between steps (it may run in another process).
      .addColumn('cancel_requested_at', 'text')
      // Past this time a queued or running row no longer counts as in flight (its process died).
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('duration_ms', 'integer')
      .addColumn('created_by_type', 'text', (c) => c.notNull())
      .addColumn('created_by_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // History pages (newest first by id), in-flight counts by status, and per-day metrics by created_at.
    await db.schema
      .createIndex('agent_executions_agent')
      .on('agent_executions')
      .columns(['organization_id', 'agent_id', 'id'])
      .execute();
    await db.schema
      .createIndex('agent_executions_metrics')
      .on('agent_executions')
      .columns(['organization_id', 'agent_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('agent_executions_status')
      .on('agent_executions')
      .columns(['organization_id', 'agent_id', 'status'])
      .execute();

    await db.schema
      .createTable('agent_steps')
      .$call(orgColumn)
      .addColumn('execution_id', 'text', (c) =>
        c.notNull().references('agent_executions.id').onDelete('cascade'),
      )
      .addColumn('seq', 'integer', (c) => c.notNull())
      // model_turn | tool_call
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('tool_name', 'text')
      // The model's call id, linking a tool call to the turn that asked for it.
      .addColumn('call_id', 'text')
      .addColumn('input', 'text')
      .addColumn('output', 'text')
      .addColumn('error', 'text')
      .addColumn('input_tokens', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('output_tokens', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text', (c) => c.notNull())
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('agent_steps_pk', ['execution_id', 'seq'])
      .execute();
    await db.schema
      .createIndex('agent_steps_org')
      .on('agent_steps')
      .columns(['organization_id', 'execution_id'])
      .execute();

    await secureTables(ctx, ['agent_executions', 'agent_steps']);
  },
};
