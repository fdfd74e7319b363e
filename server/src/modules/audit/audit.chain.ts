/** The hash chain: each entry's hash covers its fields and the previous entry's hash. */
import { canonicalJson, sha256Hex } from '../../platform/crypto.ts';
import type { AuditLogTable } from '../../storage/schema.ts';

export const genesisHash = (organizationId: string) => sha256Hex(`omnify-audit-genesis:${organizationId}`);

export function entryHash(e: Omit<AuditLogTable, 'hash'>): string {
  const fields = {
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
  return sha256Hex(`${e.prev_hash}\n${canonicalJson(fields)}`);
}

export interface ChainProblem {
  seq: number;
  id: string | null;
  problem: 'edited' | 'deleted' | 'reordered' | 'truncated' | 'inserted';
  message: string;
}

export interface ChainHead {
  last_seq: number;
  last_hash: string;
  anchor_seq: number;
  anchor_hash: string;
}

/**
 * Walks entries in seq order from the anchor and returns the first problem. Rows are streamed in by
 * the caller (`next`), so verification of a long chain needs constant memory.
 */
export function createChainVerifier(head: ChainHead) {
  let expectedSeq = Number(head.anchor_seq) + 1;
  let prevHash = head.anchor_hash;
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
      if (entryHash(row) !== row.hash) {
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
      return undefined;
    },
    get checked() {
      return checked;
    },
  };
}
