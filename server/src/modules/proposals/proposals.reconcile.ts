/**
 * What the write-back reconciler (actions.reconcile.ts) means for proposals. A proposal applies
 * through the write-back keyed `proposal:<id>` and reverts through `revert:<id>` (`:<n>` for later
 * attempts); when a process died with one of them pending, the sweeper settles it, and this settles
 * the proposal in the same transaction, audited with the sweeper's system actor:
 *
 * - apply write-back `applied` → proposal `approved` → `applied` (so it can be reverted: the
 *   write-back's `before` comes from the proposal's snapshot, `expectedBefore` below);
 * - `failed` → `failed` with the error, as when the platform refuses an apply (a failed proposal is
 *   final in the state machine: propose again; its idempotency key is spent);
 * - `unknown` → `unknown`: the platform cannot tell (a CRM message) or shows a third value; a person
 *   checks the platform; like `failed` it is final (neither approved again nor reverted);
 * - revert write-back `applied` → proposal `applied` → `reverted`, by the person who asked for the
 *   revert; `failed` or `unknown` → the proposal stays `applied` and the refusal is audited
 *   (`proposals.revert_failed`); the next revert takes a fresh key.
 */
import { sql } from 'kysely';

import type { Clock } from '../../platform/clock.ts';
import type { Executor } from '../../storage/db.ts';
import type { ProposalsTable, WriteActionsTable } from '../../storage/schema.ts';
import type { EntityState, ReconciledOutcome, WriteBackLink } from '../actions/actions.reconcile.ts';
import { APPLY_KEY_PREFIX, proposalOfKey } from '../actions/keys.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Snapshot } from './proposals.model.ts';

async function owner(
  trx: Executor,
  row: WriteActionsTable,
): Promise<{ proposal: ProposalsTable; role: 'apply' | 'revert' } | null> {
  const named = proposalOfKey(row.idempotency_key);
  if (!named) return null;
  const proposal = await trx
    .selectFrom('proposals')
    .selectAll()
    .where('organization_id', '=', row.organization_id)
    .where('id', '=', named.id)
    .where('entity_id', '=', row.entity_id)
    .executeTakeFirst();
  if (!proposal) return null;
  return { proposal, role: named.role };
}

export function createWriteBackLink({ audit, clock }: { audit: Audit; clock: Clock }): WriteBackLink {
  return {
    async expectedBefore(trx, row): Promise<EntityState | null> {
      const found = await owner(trx, row);
      if (!found) return null;
      if (found.role === 'apply') {
        const snap = JSON.parse(found.proposal.before) as Snapshot;
        return { status: snap.status, dailyBudgetMicros: snap.dailyBudgetMicros };
      }
      // A revert starts from what the proposal's own write-back left on the platform.
      if (!found.proposal.applied_action_id) return null;
      const applied = await trx
        .selectFrom('write_actions')
        .select('after')
        .where('organization_id', '=', row.organization_id)
        .where('id', '=', found.proposal.applied_action_id)
        .executeTakeFirst();
      return applied?.after ? (JSON.parse(applied.after) as EntityState) : null;
    },

    async settle(trx, ctx, row, outcome: ReconciledOutcome, error) {
      const found = await owner(trx, row);
      if (!found) return false;
      const { proposal, role } = found;
      const org = row.organization_id;
      const now = clock.now().toISOString();
      if (role === 'apply') {
        if (proposal.status !== 'approved') return false;
        const res = await trx
          .updateTable('proposals')
          .set({
            status: outcome,
            applied_action_id: row.id,
            applied_at: outcome === 'applied' ? (row.applied_at ?? row.created_at) : null,
            error: outcome === 'applied' ? null : (error?.slice(0, 1000) ?? null),
            updated_at: now,
          })
          .where('organization_id', '=', org)
          .where('id', '=', proposal.id)
          .where('status', '=', 'approved')
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return false;
        await audit.recordFor(trx, ctx, {
          action: outcome === 'unknown' ? 'proposals.outcome_unknown' : `proposals.${outcome}`,
          target: { type: 'proposal', id: proposal.id },
          metadata: { actionId: row.id, entityId: row.entity_id, error, reconciled: true },
        });
        return true;
      }
      if (proposal.status !== 'applied') return false;
      if (outcome !== 'applied') {
        await audit.recordFor(trx, ctx, {
          action: 'proposals.revert_failed',
          target: { type: 'proposal', id: proposal.id },
          metadata: { actionId: row.id, outcome, error: error?.slice(0, 500) ?? null, reconciled: true },
        });
        return false;
      }
      const res = await trx
        .updateTable('proposals')
        .set({
          status: 'reverted',
          revert_action_id: row.id,
          reverted_by: row.actor_id,
          reverted_at: row.created_at,
          updated_at: now,
        })
        .where('organization_id', '=', org)
        .where('id', '=', proposal.id)
        .where('status', '=', 'applied')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await audit.recordFor(trx, ctx, {
        action: 'proposals.reverted',
        target: { type: 'proposal', id: proposal.id },
        metadata: {
          revertActionId: row.id,
          restored: JSON.parse(row.payload),
          entityId: row.entity_id,
          revertedBy: row.actor_id,
          reconciled: true,
        },
      });
      return true;
    },

    async stranded(db, cutoff, organizationId) {
      // Approved long ago and still approved: applyApproved never recorded the outcome. Joined in SQL
      // (not filtered after the limit), so that approved proposals that never claimed a write-back
      // cannot fill the batch and starve the ones that can be settled.
      let q = db
        .selectFrom('proposals')
        .innerJoin('write_actions', (join) =>
          join
            .onRef('write_actions.organization_id', '=', 'proposals.organization_id')
            .on(
              'write_actions.idempotency_key',
              '=',
              sql<string>`${sql.lit(APPLY_KEY_PREFIX)} || proposals.id`,
            ),
        )
        .selectAll('write_actions')
        .where('proposals.status', '=', 'approved')
        .where('proposals.updated_at', '<=', cutoff)
        // Pending ones are the platform-read part of the sweep.
        .where('write_actions.status', '!=', 'pending');
      if (organizationId) q = q.where('proposals.organization_id', '=', organizationId);
      return q.orderBy('proposals.updated_at').orderBy('proposals.id').limit(500).execute();
    },
  };
}
