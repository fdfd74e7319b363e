/**
 * Proposed actions and their guardrail policies. Agents, rules and people never change a platform
 * directly: they store a proposal (before, proposed after, expected impact, risk, the guardrail
 * checks), which is applied at once within policy or waits for approval; an applied proposal keeps
 * the write-back action whose snapshot a revert restores.
 */
import type { OmnifyMigration } from '../migrate.ts';
import { idColumn, orgColumn, secureTables } from './helpers.ts';

export const proposals: OmnifyMigration = {
  async up(ctx) {
    const { db } = ctx;
    await db.schema
      .createTable('proposals')
      .$call(idColumn)
      .$call(orgColumn)
      // 'user' | 'agent' | 'rule', with the agent kind or rule id (null for people).
      .addColumn('source_type', 'text', (c) => c.notNull())
      .addColumn('source_id', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text')
      // The write-back to apply (actions.service input without its idempotency key), as JSON.
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('before', 'text', (c) => c.notNull())
      .addColumn('after', 'text', (c) => c.notNull())
      .addColumn('expected_impact', 'text', (c) => c.notNull())
      .addColumn('risk', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('checks', 'text', (c) => c.notNull())
      .addColumn('required_approvals', 'integer', (c) => c.notNull())
      .addColumn('approvals', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text')
      .addColumn('created_by_type', 'text', (c) => c.notNull())
      .addColumn('created_by_id', 'text')
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('decision_comment', 'text')
      .addColumn('applied_action_id', 'text')
      .addColumn('applied_at', 'text')
      .addColumn('revert_action_id', 'text')
      .addColumn('reverted_by', 'text')
      .addColumn('reverted_at', 'text')
      .addColumn('error', 'text')
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      // Several NULL keys are allowed on both dialects; a key names one proposal per organization.
      .addUniqueConstraint('proposals_idem', ['organization_id', 'idempotency_key'])
      .execute();
    await db.schema
      .createIndex('proposals_entity')
      .on('proposals')
      .columns(['organization_id', 'entity_id', 'id'])
      .execute();
    await db.schema
      .createIndex('proposals_status')
      .on('proposals')
      .columns(['organization_id', 'status', 'id'])
      .execute();

    await db.schema
      .createTable('proposal_policies')
      .$call(idColumn)
      .$call(orgColumn)
      // '' for the organization's policy; a client id for that client's overrides.
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('proposal_policies_scope', ['organization_id', 'client_id'])
      .execute();

    await secureTables(ctx, ['proposals', 'proposal_policies']);
  },
};
