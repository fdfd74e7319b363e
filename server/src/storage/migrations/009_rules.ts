/**
 * Automation rules: a scope (campaigns, ad groups or ads, resolved at every run), a condition tree
 * over metric windows, actions (proposed through the guardrails), a cron schedule and a cooldown per
 * entity. Each evaluation is stored as a run; cooldowns remember when a rule last acted on an entity.
 */
import type { OmnifyMigration } from '../migrate.ts';
import { idColumn, orgColumn, secureTables, timestamps } from './helpers.ts';

export const rules: OmnifyMigration = {
  async up(ctx) {
    const { db } = ctx;
    await db.schema
      .createTable('rules')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      // JSON: the scope, the condition tree and the actions, as validated by rules.schema.ts.
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('conditions', 'text', (c) => c.notNull())
      .addColumn('actions', 'text', (c) => c.notNull())
      .addColumn('schedule_cron', 'text', (c) => c.notNull())
      .addColumn('cooldown_hours', 'integer', (c) => c.notNull())
      // The next cron tick the scheduler owes this rule; null while disabled.
      .addColumn('next_run_at', 'text')
      .addColumn('last_run_at', 'text')
      .addColumn('created_by', 'text')
      .$call(timestamps)
      .execute();
    await db.schema
      .createIndex('rules_due')
      .on('rules')
      .columns(['organization_id', 'next_run_at'])
      .execute();

    await db.schema
      .createTable('rule_runs')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('rule_id', 'text', (c) => c.notNull().references('rules.id').onDelete('cascade'))
      // 'schedule' | 'manual'; the key makes a scheduled tick run once however often the job retries.
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('trigger_key', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('evaluated', 'integer', (c) => c.notNull())
      .addColumn('matched', 'integer', (c) => c.notNull())
      .addColumn('proposed', 'integer', (c) => c.notNull())
      // JSON: per-entity evaluations, the proposals made, notifications, and how the nowcast was used.
      .addColumn('result', 'text')
      .addColumn('error', 'text')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addUniqueConstraint('rule_runs_trigger', ['organization_id', 'rule_id', 'trigger_key'])
      .execute();
    await db.schema
      .createIndex('rule_runs_rule')
      .on('rule_runs')
      .columns(['organization_id', 'rule_id', 'id'])
      .execute();

    await db.schema
      .createTable('rule_cooldowns')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('rule_id', 'text', (c) => c.notNull().references('rules.id').onDelete('cascade'))
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('last_acted_at', 'text', (c) => c.notNull())
      .addColumn('proposal_id', 'text')
      .addUniqueConstraint('rule_cooldowns_entity', ['organization_id', 'rule_id', 'entity_id'])
      .execute();

    await secureTables(ctx, ['rules', 'rule_runs', 'rule_cooldowns']);
  },
};
