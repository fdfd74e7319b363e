import { loadConfig } from '../../config.ts';
import { createAuditKeys } from '../../modules/audit/audit.chain.ts';
import { sealLegacyChains } from '../../modules/audit/audit.upgrade.ts';
import type { OmnifyMigration } from '../migrate.ts';

/**
 * The audit chain becomes keyed (HMAC-SHA256 with OMNIFY_AUDIT_KEY, modules/audit/audit.chain.ts):
 * each entry records the algorithm it was hashed with (1: the unkeyed SHA-256 of every entry written
 * before this migration; 2: keyed) and the id of its key, and each chain head records from which
 * entry on the chain is keyed, sealed with the key. Existing chains are sealed here, in this
 * migration's transaction, with the audit key of the configuration (the key is not in the database,
 * so this is the one migration that reads it); a fresh database has no chains and needs no key.
 */
export const auditKeyedChain: OmnifyMigration = {
  async up({ db }) {
    await db.schema
      .alterTable('audit_log')
      .addColumn('hash_version', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema.alterTable('audit_log').addColumn('key_id', 'text').execute();
    await db.schema.alterTable('audit_chain_heads').addColumn('keyed_from_seq', 'bigint').execute();
    await db.schema.alterTable('audit_chain_heads').addColumn('key_id', 'text').execute();
    await db.schema.alterTable('audit_chain_heads').addColumn('seal', 'text').execute();
    const any = await db
      .selectFrom('audit_chain_heads')
      .select('organization_id')
      .limit(1)
      .executeTakeFirst();
    if (!any) return;
    const { auditKey, oldAuditKeys } = loadConfig().secrets;
    await sealLegacyChains(db, createAuditKeys(auditKey, oldAuditKeys));
  },
};
