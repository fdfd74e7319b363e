/**
 * The audit trail: append-only, one entry per state change written in the same transaction as the
 * change, chained per organization by an HMAC with the audit key (audit.chain.ts) so that edits,
 * deletions and reordering are detectable even by someone who can write to the database.
 */
import { sql } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import { canonicalJson, sha256Hex } from '../../platform/crypto.ts';
import { newId } from '../../platform/ids.ts';
import { decodeCursor, type Page, toPage } from '../../platform/pagination.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { AuditLogTable } from '../../storage/schema.ts';
import type { Actor, Ctx, Origin } from '../auth/context.ts';
import {
  type AuditKeys,
  type ChainProblem,
  createChainVerifier,
  genesisHash,
  headSealValid,
  type SealedHead,
} from './audit.chain.ts';
import { actorNames, targetNames } from './audit.names.ts';

export interface AuditInput {
  organizationId: string;
  actor: Actor;
  /** `domain.verb_past`, e.g. `clients.created`. */
  action: string;
  target?: { type: string; id: string } | null;
  /** The request input; only its SHA-256 is kept. Secrets never reach the log. */
  input?: unknown;
  metadata?: Record<string, unknown>;
  origin?: Origin;
}

export interface AuditEntry {
  id: string;
  seq: number;
  actor: Actor;
  action: string;
  /** `name` (in lists): what the target is called now, or when deleted the name its entry kept. */
  target: { type: string; id: string; name?: string | null } | null;
  inputHash: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: string;
  hash: string;
  prevHash: string;
}

export interface AuditFilter {
  actorType?: string;
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
}

export interface VerifyResult {
  organizationId: string;
  ok: boolean;
  checked: number;
  firstProblem: ChainProblem | null;
}

const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

export function createAudit({ storage, clock, keys }: { storage: Storage; clock: Clock; keys: AuditKeys }) {
  /**
   * The new seal of a head whose fields change to `next`. A head whose current seal does not verify
   * (changed in the database) keeps its broken seal: sealing it now would hide the change.
   */
  function resealed(current: SealedHead & { key_id: string | null; seal: string | null }, next: SealedHead) {
    return headSealValid(keys, current)
      ? { key_id: keys.currentId, seal: keys.headSeal(next) }
      : { key_id: current.key_id, seal: current.seal };
  }

  /** Starts an organization's chain; call in the transaction that creates the organization. */
  async function initChain(trx: Executor, organizationId: string) {
    const g = genesisHash(organizationId);
    const head = {
      organization_id: organizationId,
      last_seq: 0,
      last_hash: g,
      anchor_seq: 0,
      anchor_hash: g,
      keyed_from_seq: 1,
    };
    await trx
      .insertInto('audit_chain_heads')
      .values({ ...head, key_id: keys.currentId, seal: keys.headSeal(head) })
      .execute();
  }

  /** Appends one entry. Must run inside the transaction of the change it records. */
  async function record(trx: Executor, input: AuditInput): Promise<AuditEntry> {
    if (!ACTION.test(input.action))
      throw new Error(`audit action must be domain.verb_past, got ${input.action}`);
    // Taking the next seq with an UPDATE locks the organization's chain head on PostgreSQL, so
    // concurrent writers of one organization append one after another and never fork the chain.
    const head = await trx
      .updateTable('audit_chain_heads')
      .set({ last_seq: sql`last_seq + 1` })
      .where('organization_id', '=', input.organizationId)
      .returning(['last_seq', 'last_hash', 'anchor_seq', 'anchor_hash', 'keyed_from_seq', 'key_id', 'seal'])
      .executeTakeFirst();
    if (!head) throw new Error(`organization ${input.organizationId} has no audit chain`);
    const row: Omit<AuditLogTable, 'hash' | 'hash_version' | 'key_id'> = {
      id: newId('audit'),
      organization_id: input.organizationId,
      seq: Number(head.last_seq),
      actor_type: input.actor.type,
      actor_id: input.actor.id,
      action: input.action,
      target_type: input.target?.type ?? null,
      target_id: input.target?.id ?? null,
      input_hash: input.input === undefined ? null : sha256Hex(canonicalJson(input.input)),
      ip: input.origin?.ip ?? null,
      user_agent: input.origin?.userAgent?.slice(0, 512) ?? null,
      request_id: input.origin?.requestId ?? null,
      metadata: input.metadata ? canonicalJson(input.metadata) : null,
      created_at: clock.now().toISOString(),
      prev_hash: head.last_hash,
    };
    const hash = keys.entryMac(row) as string;
    const entry = { ...row, hash, hash_version: 2, key_id: keys.currentId };
    await trx.insertInto('audit_log').values(entry).execute();
    // The head as it was before this append (last_seq is already taken), to check its seal.
    const before = {
      organization_id: input.organizationId,
      last_seq: Number(head.last_seq) - 1,
      last_hash: head.last_hash,
      anchor_seq: Number(head.anchor_seq),
      anchor_hash: head.anchor_hash,
      keyed_from_seq: head.keyed_from_seq === null ? null : Number(head.keyed_from_seq),
    };
    const after = { ...before, last_seq: row.seq, last_hash: hash };
    await trx
      .updateTable('audit_chain_heads')
      .set({ last_hash: hash, ...resealed({ ...before, key_id: head.key_id, seal: head.seal }, after) })
      .where('organization_id', '=', input.organizationId)
      .execute();
    return toEntry(entry);
  }

  /** `record` for a change made by the caller of a request: organization, actor and origin from its context. */
  function recordFor(
    trx: Executor,
    ctx: Ctx,
    entry: Omit<AuditInput, 'organizationId' | 'actor' | 'origin'>,
  ) {
    return record(trx, { ...entry, organizationId: ctx.organizationId, actor: ctx.actor, origin: ctx });
  }

  async function list(organizationId: string, f: AuditFilter): Promise<Page<AuditEntry>> {
    const cursor = decodeCursor(f.cursor, 'seq');
    return storage.withTenant(organizationId, async (trx) => {
      let q = trx.selectFrom('audit_log').selectAll().where('organization_id', '=', organizationId);
      if (f.actorType) q = q.where('actor_type', '=', f.actorType);
      if (f.actorId) q = q.where('actor_id', '=', f.actorId);
      if (f.action)
        q = f.action.endsWith('.*')
          ? q.where('action', 'like', `${f.action.slice(0, -1)}%`)
          : q.where('action', '=', f.action);
      if (f.targetType) q = q.where('target_type', '=', f.targetType);
      if (f.targetId) q = q.where('target_id', '=', f.targetId);
      if (f.from) q = q.where('created_at', '>=', f.from);
      if (f.to) q = q.where('created_at', '<', f.to);
      if (cursor) q = q.where('seq', '<', Number(cursor));
      const rows = await q
        .orderBy('seq', 'desc')
        .limit(f.limit + 1)
        .execute();
      const actors = await actorNames(trx, organizationId, rows);
      const targets = await targetNames(trx, organizationId, rows);
      return toPage(
        rows.map((r) => {
          const e = toEntry(r);
          return {
            ...e,
            actor: { ...e.actor, name: actors.get(`${r.actor_type}:${r.actor_id}`) ?? null },
            target: e.target && {
              ...e.target,
              name: targets.get(`${e.target.type}:${e.target.id}`) ?? null,
            },
          };
        }),
        f.limit,
        (e) => String(e.seq),
      );
    });
  }

  /** Verifies one organization's chain, streaming its entries in pages. */
  async function verify(organizationId: string, db: Executor = storage.db): Promise<VerifyResult> {
    const head = await db
      .selectFrom('audit_chain_heads')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
    if (!head)
      return {
        organizationId,
        ok: false,
        checked: 0,
        firstProblem: { seq: 0, id: null, problem: 'deleted', message: 'The chain head is missing' },
      };
    const verifier = createChainVerifier(head, keys);
    let after = Number(head.anchor_seq);
    for (;;) {
      const rows = await db
        .selectFrom('audit_log')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('seq', '>', after)
        .orderBy('seq', 'asc')
        .limit(1000)
        .execute();
      for (const row of rows) {
        const problem = verifier.next(row);
        if (problem) return { organizationId, ok: false, checked: verifier.checked, firstProblem: problem };
      }
      if (rows.length < 1000) break;
      after = Number(rows[rows.length - 1]?.seq);
    }
    const end = verifier.finish();
    return { organizationId, ok: !end, checked: verifier.checked, firstProblem: end ?? null };
  }

  async function verifyAll(): Promise<VerifyResult[]> {
    const orgs = await storage.db.selectFrom('organizations').select('id').orderBy('id').execute();
    const out: VerifyResult[] = [];
    for (const o of orgs) out.push(await verify(o.id));
    return out;
  }

  /**
   * Removes entries older than `before` (retention) while keeping the chain verifiable: the head's
   * anchor moves to the last removed entry, whose hash the first kept entry chains from.
   */
  async function purgeBefore(trx: Executor, organizationId: string, before: string): Promise<number> {
    const last = await trx
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .where('organization_id', '=', organizationId)
      .where('created_at', '<', before)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!last) return 0;
    const head = await trx
      .selectFrom('audit_chain_heads')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .executeTakeFirstOrThrow();
    const res = await trx
      .deleteFrom('audit_log')
      .where('organization_id', '=', organizationId)
      .where('seq', '<=', Number(last.seq))
      .executeTakeFirst();
    await trx
      .updateTable('audit_chain_heads')
      .set({
        anchor_seq: Number(last.seq),
        anchor_hash: last.hash,
        ...resealed(head, { ...head, anchor_seq: Number(last.seq), anchor_hash: last.hash }),
      })
      .where('organization_id', '=', organizationId)
      .execute();
    return Number(res.numDeletedRows);
  }

  return { initChain, record, recordFor, list, verify, verifyAll, purgeBefore };
}

export type Audit = ReturnType<typeof createAudit>;

function toEntry(r: AuditLogTable): AuditEntry {
  return {
    id: r.id,
    seq: Number(r.seq),
    actor: { type: r.actor_type as Actor['type'], id: r.actor_id },
    action: r.action,
    target: r.target_type && r.target_id ? { type: r.target_type, id: r.target_id } : null,
    inputHash: r.input_hash,
    ip: r.ip,
    userAgent: r.user_agent,
    requestId: r.request_id,
    metadata: r.metadata ? (JSON.parse(r.metadata) as Record<string, unknown>) : null,
    createdAt: r.created_at,
    hash: r.hash,
    prevHash: r.prev_hash,
  };
}
