/**
 * The hash chain: each entry's hash covers its fields and the previous entry's hash.
 *
 * Version 2 (every entry written since migration 014) is an HMAC-SHA256 with the audit key
 * (OMNIFY_AUDIT_KEY), which is never in the database: someone who can write to the database can no
 * longer recompute the hashes after editing or deleting entries. Version 1, the unkeyed SHA-256 of
 * the same input, is kept only to verify the entries written before the upgrade (the chain head's
 * `keyed_from_seq` says where they end). The chain head is sealed with the key too, so its end,
 * anchor and keyed start cannot be moved back to hide a deletion or a downgrade to version 1.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { canonicalJson, sha256Hex } from '../../platform/crypto.ts';
import type { AuditChainHeadsTable, AuditLogTable } from '../../storage/schema.ts';

export const genesisHash = (organizationId: string) => sha256Hex(`omnify-audit-genesis:${organizationId}`);

/** The fields an entry's hash covers, whatever its version. */
type HashedFields = Omit<AuditLogTable, 'hash' | 'hash_version' | 'key_id'>;

function entryFields(e: HashedFields) {
  return {
    id: e.id,
    organization_id: e.organization_id,
    seq: Number(e.seq),
    actor_type: e.actor_type,
    actor_id: e.actor_id,
    action: e.action,
    target_type: e.target_type,
    target_id: e.target_id,
    input_hash: e.input_hash,
    ip: e.ip,
    user_agent: e.user_agent,
    request_id: e.request_id,
    metadata: e.metadata,
    created_at: e.created_at,
  };
}

/** Version 1 (legacy, unkeyed): anyone can compute it, so it only verifies entries from before the upgrade. */
export function entryHash(e: HashedFields): string {
  return sha256Hex(`${e.prev_hash}\n${canonicalJson(entryFields(e))}`);
}

/** The head fields its seal covers. */
export type SealedHead = Pick<
  AuditChainHeadsTable,
  'organization_id' | 'last_seq' | 'last_hash' | 'anchor_seq' | 'anchor_hash' | 'keyed_from_seq'
>;

export interface AuditKeys {
  /** Id of the key new entries and heads are sealed with. */
  currentId: string;
  has(keyId: string | null): boolean;
  /** Version 2 hash of an entry with the key `keyId` (the current one by default); null if that key is not configured. */
  entryMac(e: HashedFields, keyId?: string): string | null;
  /** The seal of a chain head with the key `keyId` (the current one by default); null if that key is not configured. */
  headSeal(h: SealedHead, keyId?: string): string | null;
}

/**
 * The configured audit keys: the current one seals, retired ones (OMNIFY_AUDIT_KEYS_OLD) still verify.
 * Each is known by an id, an HMAC of a fixed label, stored next to what it sealed: the id names the
 * key without revealing it.
 */
export function createAuditKeys(current: Buffer, old: Buffer[] = []): AuditKeys {
  if (current.length !== 32) throw new Error('audit key must be 32 bytes');
  const idOf = (k: Buffer) =>
    createHmac('sha256', k).update('omnify audit key id').digest('hex').slice(0, 16);
  const keys = new Map<string, KeyObject>();
  for (const k of [current, ...old]) keys.set(idOf(k), createSecretKey(k));
  const currentId = idOf(current);
  const mac = (keyId: string, data: string) => {
    const key = keys.get(keyId);
    return key ? createHmac('sha256', key).update(data).digest('hex') : null;
  };
  return {
    currentId,
    has: (keyId) => keyId !== null && keys.has(keyId),
    entryMac: (e, keyId = currentId) =>
      mac(
        keyId,
        `omnify-audit-v2\n${e.prev_hash}\n${canonicalJson({ ...entryFields(e), hash_version: 2, key_id: keyId })}`,
      ),
    headSeal: (h, keyId = currentId) =>
      mac(
        keyId,
        `omnify-audit-head-v2\n${canonicalJson({
          organization_id: h.organization_id,
          last_seq: Number(h.last_seq),
          last_hash: h.last_hash,
          anchor_seq: Number(h.anchor_seq),
          anchor_hash: h.anchor_hash,
          keyed_from_seq: h.keyed_from_seq === null ? null : Number(h.keyed_from_seq),
          key_id: keyId,
        })}`,
      ),
  };
}

/** Whether a head's seal is the one its fields and key give (false for an unsealed head or an unknown key). */
export function headSealValid(
  keys: AuditKeys,
  head: SealedHead & Pick<AuditChainHeadsTable, 'key_id' | 'seal'>,
) {
  if (!head.seal || !head.key_id || !keys.has(head.key_id)) return false;
  return keys.headSeal(head, head.key_id) === head.seal;
}

export interface ChainProblem {
  seq: number;
  id: string | null;
  problem:
    | 'edited'
    | 'deleted'
    | 'reordered'
    | 'truncated'
    | 'inserted'
    | 'downgraded'
    | 'unknown_key'
    | 'head_modified';
  message: string;
}

export type ChainHead = AuditChainHeadsTable;

const keyHint = (keyId: string) =>
  `audit key ${keyId}, which this server does not have: set it as OMNIFY_AUDIT_KEY or add it to OMNIFY_AUDIT_KEYS_OLD to verify`;

/**
 * Walks entries in seq order from the anchor and returns the first problem. Rows are streamed in by
 * the caller (`next`), so verification of a long chain needs constant memory.
 */
export function createChainVerifier(head: ChainHead, keys: AuditKeys) {
  let expectedSeq = Number(head.anchor_seq) + 1;
  let prevHash = head.anchor_hash;
  // An unsealed head (or one without a keyed start) gets no legacy prefix: every entry must be keyed.
  const keyedFrom = head.keyed_from_seq === null ? expectedSeq : Number(head.keyed_from_seq);
  let lastSeen: { seq: number; hash: string } | undefined;
  let checked = 0;
  return {
    next(row: AuditLogTable): ChainProblem | undefined {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) {
        if (seq > expectedSeq) {
          return {
            seq: expectedSeq,
            id: null,
            problem: 'deleted',
            message: `Entry #${expectedSeq} is missing (next present entry is #${seq}, ${row.id})`,
          };
        }
        return {
          seq,
          id: row.id,
          problem: 'reordered',
          message: `Entry ${row.id} has seq ${seq}, expected ${expectedSeq}`,
        };
      }
      if (row.prev_hash !== prevHash) {
        return {
          seq,
          id: row.id,
          problem: 'reordered',
          message: `Entry #${seq} (${row.id}) does not chain from entry #${seq - 1}: entries were reordered, replaced or deleted`,
        };
      }
      const version = Number(row.hash_version);
      if (seq >= keyedFrom && version !== 2) {
        return {
          seq,
          id: row.id,
          problem: 'downgraded',
          message: `Entry #${seq} (${row.id}) is marked as hashed without the audit key, but the chain is keyed from entry #${keyedFrom}: it was rewritten in the database`,
        };
      }
      if (seq < keyedFrom && version !== 1) {
        return {
          seq,
          id: row.id,
          problem: 'edited',
          message: `Entry #${seq} (${row.id}) is marked as keyed, but the chain is keyed only from entry #${keyedFrom}`,
        };
      }
      if (version === 2 && !keys.has(row.key_id)) {
        return {
          seq,
          id: row.id,
          problem: 'unknown_key',
          message: `Entry #${seq} (${row.id}) was sealed with ${keyHint(String(row.key_id))}`,
        };
      }
      const expected = version === 2 ? keys.entryMac(row, row.key_id as string) : entryHash(row);
      if (expected !== row.hash) {
        return {
          seq,
          id: row.id,
          problem: 'edited',
          message: `Entry #${seq} (${row.id}) was modified after it was written`,
        };
      }
      prevHash = row.hash;
      expectedSeq = seq + 1;
      lastSeen = { seq, hash: row.hash };
      checked++;
      return undefined;
    },
    finish(): ChainProblem | undefined {
      const lastSeq = lastSeen?.seq ?? Number(head.anchor_seq);
      const lastHash = lastSeen?.hash ?? head.anchor_hash;
      if (lastSeq < Number(head.last_seq)) {
        return {
          seq: lastSeq + 1,
          id: null,
          problem: 'truncated',
          message: `Entries #${lastSeq + 1}..#${head.last_seq} are missing from the end of the log`,
        };
      }
      if (lastSeq > Number(head.last_seq) || lastHash !== head.last_hash) {
        return {
          seq: lastSeq,
          id: null,
          problem: 'inserted',
          message: `The log's end does not match its recorded head`,
        };
      }
      // The entries agree with the head; the head must be the one Omnify sealed.
      const end = Number(head.last_seq);
      if (!head.seal || !head.key_id || head.keyed_from_seq === null) {
        return {
          seq: end,
          id: null,
          problem: 'downgraded',
          message:
            'The chain head is not sealed with the audit key: the chain was rewritten in the database without the key',
        };
      }
      if (!keys.has(head.key_id)) {
        return {
          seq: end,
          id: null,
          problem: 'unknown_key',
          message: `The chain head was sealed with ${keyHint(head.key_id)}`,
        };
      }
      if (!headSealValid(keys, head)) {
        return {
          seq: end,
          id: null,
          problem: 'head_modified',
          message: `The chain head (end #${end}) was changed in the database: its seal does not match, so entries after #${end} may have been deleted`,
        };
      }
      return undefined;
    },
    get checked() {
      return checked;
    },
  };
}
