import type { OmnifyMigration } from '../migrate.ts';
import { idColumn, orgColumn, secureTables, timestamps } from './helpers.ts';

export const foundation: OmnifyMigration = {
  async up(ctx) {
    const { db } = ctx;
    await db.schema
      .createTable('organizations')
      .$call(idColumn)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('reporting_currency', 'text', (c) => c.notNull().defaultTo('USD'))
      .addColumn('mfa_required', 'integer', (c) => c.notNull().defaultTo(0))
      .$call(timestamps)
      .execute();

    await db.schema
      .createTable('users')
      .$call(idColumn)
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('mfa_secret_sealed', 'text')
      .addColumn('mfa_enabled_at', 'text')
      .addColumn('mfa_pending_secret_sealed', 'text')
      .addColumn('mfa_last_step', 'bigint')
      .addColumn('failed_login_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'text')
      .$call(timestamps)
      .execute();

    await db.schema
      .createTable('memberships')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('role', 'text', (c) => c.notNull())
      .$call(timestamps)
      .addUniqueConstraint('memberships_org_user', ['organization_id', 'user_id'])
      .execute();
    await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();

    await db.schema
      .createTable('clients')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('company', 'text')
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
      .addColumn('monthly_budget_micros', 'bigint')
      .addColumn('currency', 'text', (c) => c.notNull().defaultTo('USD'))
      .addColumn('notes', 'text')
      .$call(timestamps)
      .addUniqueConstraint('clients_org_email', ['organization_id', 'email'])
      .execute();

    await db.schema
      .createTable('invitations')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('invited_by', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('accepted_at', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('invitations_org')
      .on('invitations')
      .columns(['organization_id', 'email'])
      .execute();

    await db.schema
      .createTable('api_keys')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .addColumn('expires_at', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('sessions')
      .$call(idColumn)
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('organization_id', 'text', (c) => c.notNull())
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('revoked_reason', 'text')
      .execute();
    await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

    await db.schema
      .createTable('refresh_tokens')
      .$call(idColumn)
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .execute();
    await db.schema.createIndex('refresh_tokens_session').on('refresh_tokens').column('session_id').execute();

    await db.schema
      .createTable('mfa_recovery_codes')
      .$call(idColumn)
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('mfa_recovery_codes_user')
      .on('mfa_recovery_codes')
      .column('user_id')
      .execute();

    await db.schema
      .createTable('password_resets')
      .$call(idColumn)
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('agents')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('limits', 'text', (c) => c.notNull())
      .$call(timestamps)
      .addUniqueConstraint('agents_org_kind', ['organization_id', 'kind'])
      .execute();

    await db.schema
      .createTable('audit_log')
      .$call(idColumn)
      .$call(orgColumn)
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('actor_type', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target_type', 'text')
      .addColumn('target_id', 'text')
      .addColumn('input_hash', 'text')
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('request_id', 'text')
      .addColumn('metadata', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addUniqueConstraint('audit_log_org_seq', ['organization_id', 'seq'])
      .execute();
    await db.schema
      .createIndex('audit_log_org_created')
      .on('audit_log')
      .columns(['organization_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('audit_log_org_action')
      .on('audit_log')
      .columns(['organization_id', 'action'])
      .execute();

    await db.schema
      .createTable('audit_chain_heads')
      .addColumn('organization_id', 'text', (c) =>
        c.primaryKey().references('organizations.id').onDelete('cascade'),
      )
      .addColumn('last_seq', 'bigint', (c) => c.notNull())
      .addColumn('last_hash', 'text', (c) => c.notNull())
      .addColumn('anchor_seq', 'bigint', (c) => c.notNull())
      .addColumn('anchor_hash', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('retention_policies')
      .addColumn('organization_id', 'text', (c) =>
        c.primaryKey().references('organizations.id').onDelete('cascade'),
      )
      .addColumn('audit_days', 'integer', (c) => c.notNull())
      .addColumn('executions_days', 'integer', (c) => c.notNull())
      .addColumn('metrics_days', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('jobs')
      .$call(idColumn)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('organization_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('run_at', 'text', (c) => c.notNull())
      .addColumn('locked_by', 'text')
      .addColumn('locked_until', 'text')
      .addColumn('idempotency_key', 'text', (c) => c.unique())
      .addColumn('last_error', 'text')
      .addColumn('result', 'text')
      .addColumn('progress', 'text')
      .$call(timestamps)
      .addColumn('finished_at', 'text')
      .execute();
    await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();

    await secureTables(
      ctx,
      [
        'memberships',
        'clients',
        'invitations',
        'api_keys',
        'agents',
        'audit_log',
        'audit_chain_heads',
        'retention_policies',
      ],
      [
        'organizations',
        'users',
        'sessions',
        'refresh_tokens',
        'mfa_recovery_codes',
        'password_resets',
        'jobs',
      ],
    );
  },
};
