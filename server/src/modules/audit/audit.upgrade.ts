/**
 * The upgrade to the keyed chain (migration 014): every chain that exists at that moment is sealed
 * with the audit key where it stands. Its entries so far stay version 1 (unkeyed) and still verify;
 * the head's `keyed_from_seq` says that every later entry must be keyed, and the seal makes that
 * (and the chain's end) impossible to change without the key.
 *
 * This runs once, in the migration's transaction: a chain found unsealed afterwards is reported by
 * `verify` as a downgrade, never sealed again.
 */
import type { Kysely } from 'kysely';
import type { AuditKeys, SealedHead } from './audit.chain.ts';

// biome-ignore lint/suspicious/noExplicitAny: runs inside a migration, on the schema as it is at that step
export async function sealLegacyChains(db: Kysely<any>, keys: AuditKeys): Promise<number> {
  const heads = (await db
    .selectFrom('audit_chain_heads')
    .select(['organization_id', 'last_seq', 'last_hash', 'anchor_seq', 'anchor_hash'])
    .where('seal', 'is', null)
    .orderBy('organization_id')
    .execute()) as Omit<SealedHead, 'keyed_from_seq'>[];
  for (const h of heads) {
    const head = { ...h, keyed_from_seq: Number(h.last_seq) + 1 };
    await db
      .updateTable('audit_chain_heads')
      .set({ keyed_from_seq: head.keyed_from_seq, key_id: keys.currentId, seal: keys.headSeal(head) })
      .where('organization_id', '=', h.organization_id)
      .where('seal', 'is', null)
      .execute();
  }
  return heads.length;
}
