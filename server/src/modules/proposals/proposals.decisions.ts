/**
 * Decisions on proposals: approve (one or two approvers of at least the policy's role; the last
 * approval applies it), reject, and one-click revert of an applied proposal from the write-back's
 * stored snapshot. Every state change is audited in the transaction that makes it.
 */
import { AppError, conflict } from '../../platform/errors.ts';
import type { Executor } from '../../storage/db.ts';
import type { ProposalsTable } from '../../storage/schema.ts';
import { revertKey } from '../actions/keys.ts';
import type { Ctx } from '../auth/context.ts';
import { loadContact } from './proposals.crm.ts';
import { type Level, loadEntity } from './proposals.facts.ts';
import {
  type Approval,
  isExpired,
  type Proposal,
  type ProposedWrite,
  type Snapshot,
  toProposal,
} from './proposals.model.ts';
import { assertMayApprove } from './proposals.policies.ts';
import { isCrmKind, type ProposalKind } from './proposals.policy.ts';
import type { ProposalsCore, ProposalsDeps } from './proposals.service.ts';

export function createDecisions(deps: ProposalsDeps, core: ProposalsCore) {
  const { storage, audit, clock, actions } = deps;

  /** Marks a proposal past its expiry as expired (committed), so the refusal that follows is on record. */
  async function expire(trx: Executor, ctx: Ctx, row: ProposalsTable) {
    if (row.status !== 'pending_approval') return;
    await trx
      .updateTable('proposals')
      .set({ status: 'expired', updated_at: clock.now().toISOString() })
      .where('organization_id', '=', ctx.organizationId)
      .where('id', '=', row.id)
      .where('status', '=', 'pending_approval')
      .execute();
    await audit.recordFor(trx, ctx, {
      action: 'proposals.expired',
      target: { type: 'proposal', id: row.id },
      metadata: { expiresAt: row.expires_at },
    });
  }

  // The same check as workflow approval steps: a person of at least the policy's approverRole.
  const assertApprover = (trx: Executor, ctx: Ctx, row: ProposalsTable) =>
    assertMayApprove(trx, ctx, row.client_id);

  const blockedMessage = (row: ProposalsTable) => {
    const failing = (
      JSON.parse(row.checks) as Array<{ check: string; outcome: string; message: string }>
    ).filter((c) => c.outcome === 'blocked');
    return conflict(`Blocked by guardrails: ${failing.map((c) => `${c.check} (${c.message})`).join('; ')}`, {
      checks: failing,
    });
  };

  async function approve(ctx: Ctx, id: string, comment: string | null): Promise<Proposal> {
    const org = ctx.organizationId;
    const now = clock.now();
    const outcome = await storage.withTenant(org, async (trx) => {
      const row = await core.find(trx, org, id);
      await assertApprover(trx, ctx, row);
      // Approved but not applied (a crash between the two): approving again retries the apply once.
      if (row.status === 'approved') return { apply: true as const };
      if (row.status === 'blocked') throw blockedMessage(row);
      if (isExpired(row, now)) {
        await expire(trx, ctx, row);
        return { expired: row.expires_at };
      }
      if (row.status !== 'pending_approval')
        throw conflict(`This proposal is ${row.status}`, { status: row.status });
      if (row.level === 'contact') {
        // A contact has no status or budget to go stale; it must still be there.
        await loadContact(trx, org, row.entity_id).catch(() => {
          throw conflict('The contact is no longer in the synced CRM data: reject this proposal');
        });
      }
      const current =
        row.level === 'contact' ? null : await loadEntity(trx, org, row.level as Level, row.entity_id);
      const snap = JSON.parse(row.before) as Snapshot;
      if (current && (current.status !== snap.status || current.dailyBudgetMicros !== snap.dailyBudgetMicros))
        throw conflict(
          'The entity changed since this proposal was made (status or budget): reject it and propose again',
          {
            before: snap,
            now: { status: current.status, dailyBudgetMicros: current.dailyBudgetMicros },
          },
        );
      const approvals = JSON.parse(row.approvals) as Approval[];
      const by = ctx.userId ?? ctx.actor.id;
      if (approvals.some((a) => a.by === by))
        throw conflict('You already approved this proposal: the second approval must come from someone else');
      approvals.push({ by, actorType: ctx.actor.type, role: ctx.role, comment, at: now.toISOString() });
      const done = approvals.length >= row.required_approvals;
      const res = await trx
        .updateTable('proposals')
        .set({
          approvals: JSON.stringify(approvals),
          updated_at: now.toISOString(),
          ...(done
            ? { status: 'approved', decided_by: by, decided_at: now.toISOString(), decision_comment: comment }
            : {}),
        })
        .where('organization_id', '=', org)
        .where('id', '=', id)
        .where('status', '=', 'pending_approval')
        .where('approvals', '=', row.approvals)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw conflict('The proposal changed meanwhile; try again');
      await audit.recordFor(trx, ctx, {
        action: done ? 'proposals.approved' : 'proposals.approval_recorded',
        target: { type: 'proposal', id },
        input: { comment },
        metadata: { approvals: approvals.length, required: row.required_approvals, entityId: row.entity_id },
      });
      return done
        ? { apply: true as const }
        : { waiting: toProposal({ ...row, approvals: JSON.stringify(approvals) }, now) };
    });
    if ('expired' in outcome)
      throw conflict(`This proposal expired at ${outcome.expired}`, { status: 'expired' });
    if ('waiting' in outcome && outcome.waiting) return outcome.waiting;
    return core.applyApproved(ctx, id);
  }

  async function reject(ctx: Ctx, id: string, comment: string | null): Promise<Proposal> {
    const org = ctx.organizationId;
    return storage.withTenant(org, async (trx) => {
      const row = await core.find(trx, org, id);
      await assertApprover(trx, ctx, row);
      if (isExpired(row, clock.now())) throw conflict('This proposal expired', { status: 'expired' });
      if (row.status !== 'pending_approval' && row.status !== 'blocked')
        throw conflict(`This proposal is ${row.status}`, { status: row.status });
      const now = clock.now().toISOString();
      const by = ctx.userId ?? ctx.actor.id;
      const res = await trx
        .updateTable('proposals')
        .set({
          status: 'rejected',
          decided_by: by,
          decided_at: now,
          decision_comment: comment,
          updated_at: now,
        })
        .where('organization_id', '=', org)
        .where('id', '=', id)
        .where('status', '=', row.status)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw conflict('The proposal changed meanwhile; try again');
      await audit.recordFor(trx, ctx, {
        action: 'proposals.rejected',
        target: { type: 'proposal', id },
        input: { comment },
        metadata: { entityId: row.entity_id, was: row.status },
      });
      return toProposal(await core.find(trx, org, id), clock.now());
    });
  }

  async function revert(
    ctx: Ctx,
    id: string,
    force: boolean,
    comment: string | null = null,
  ): Promise<Proposal> {
    const org = ctx.organizationId;
    const keyPrefix = revertKey(id);
    const plan = await storage.withTenant(org, async (trx) => {
      const row = await core.find(trx, org, id);
      if (row.status === 'reverted')
        throw conflict(
          'This proposal was already reverted; a revert is not reverted again: propose the change anew',
          {
            revertActionId: row.revert_action_id,
          },
        );
      if (row.status !== 'applied' || !row.applied_action_id)
        throw conflict(`Only applied proposals can be reverted; this one is ${row.status}`, {
          status: row.status,
        });
      // A message cannot be unsent, and HighLevel workflows run steps at once on enrolment.
      if (isCrmKind(row.kind as ProposalKind))
        throw conflict(
          `A ${row.kind} cannot be reverted from Omnify: what it started runs on the CRM (remove the contact from the workflow there)`,
          { kind: row.kind },
        );
      const applied = await trx
        .selectFrom('write_actions')
        .selectAll()
        .where('organization_id', '=', org)
        .where('id', '=', row.applied_action_id)
        .executeTakeFirstOrThrow();
      const newer = await trx
        .selectFrom('write_actions')
        .select(['id', 'type', 'applied_at'])
        .where('organization_id', '=', org)
        .where('entity_id', '=', row.entity_id)
        .where('status', '=', 'applied')
        .where('id', '!=', applied.id)
        .where('idempotency_key', 'not like', `${keyPrefix}%`)
        // Same millisecond (one clock tick): the time-sortable id breaks the tie.
        .where((eb) =>
          eb.or([
            eb('applied_at', '>', applied.applied_at ?? ''),
            eb.and([eb('applied_at', '=', applied.applied_at ?? ''), eb('id', '>', applied.id)]),
          ]),
        )
        .orderBy('applied_at', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      if (newer && !force)
        throw conflict(
          `The entity changed since: action ${newer.id} (${newer.type}) was applied at ${newer.applied_at}. Send force: true to revert anyway`,
          { newerActionId: newer.id },
        );
      const before = JSON.parse(applied.before ?? '{}') as {
        status?: string;
        dailyBudgetMicros?: number | null;
      };
      const write = JSON.parse(row.action) as ProposedWrite;
      let inverse: ProposedWrite;
      if (write.type === 'set_daily_budget') {
        if (before.dailyBudgetMicros == null) throw conflict('The snapshot holds no budget to restore');
        inverse = { ...write, dailyBudgetMicros: before.dailyBudgetMicros };
      } else if (write.type === 'set_status') {
        if (before.status !== 'active' && before.status !== 'paused')
          throw conflict(`The snapshot status ${before.status} cannot be restored`);
        inverse = { ...write, status: before.status };
      } else {
        throw conflict(`A ${write.type} cannot be reverted`);
      }
      // A failed attempt burns its key (actions.service replays it): the next attempt takes a new one.
      // So does one the reconciler found `unknown` (the platform showed a third value).
      const attempts = await trx
        .selectFrom('write_actions')
        .select(['idempotency_key', 'status'])
        .where('organization_id', '=', org)
        .where('idempotency_key', 'like', `${keyPrefix}%`)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      const latest = attempts[0];
      const key = !latest
        ? keyPrefix
        : latest.status === 'failed' || latest.status === 'unknown'
          ? `${keyPrefix}:${attempts.length}`
          : latest.idempotency_key;
      return { inverse, key, newerActionId: newer?.id ?? null, entityId: row.entity_id };
    });
    let actionId: string;
    try {
      const { action } = await actions.apply(ctx, { ...plan.inverse, idempotencyKey: plan.key });
      if (action.status === 'pending') throw conflict('A revert of this proposal is in progress');
      if (action.status !== 'applied')
        throw new AppError('upstream_failed', action.error ?? 'The revert was not applied');
      actionId = action.id;
    } catch (e) {
      await storage.withTenant(org, (trx) =>
        audit.recordFor(trx, ctx, {
          action: 'proposals.revert_failed',
          target: { type: 'proposal', id },
          metadata: { error: e instanceof Error ? e.message.slice(0, 500) : String(e) },
        }),
      );
      throw e;
    }
    return storage.withTenant(org, async (trx) => {
      const now = clock.now().toISOString();
      const by = ctx.userId ?? ctx.actor.id;
      await trx
        .updateTable('proposals')
        .set({
          status: 'reverted',
          revert_action_id: actionId,
          reverted_by: by,
          reverted_at: now,
          updated_at: now,
        })
        .where('organization_id', '=', org)
        .where('id', '=', id)
        .where('status', '=', 'applied')
        .execute();
      await audit.recordFor(trx, ctx, {
        action: 'proposals.reverted',
        target: { type: 'proposal', id },
        input: { force, comment },
        metadata: {
          // Why, in the reverting person's words (the audit log is where a revert's reason is read).
          ...(comment ? { comment } : {}),
          revertActionId: actionId,
          restored: plan.inverse,
          entityId: plan.entityId,
          newerActionId: plan.newerActionId,
        },
      });
      return toProposal(await core.find(trx, org, id), clock.now());
    });
  }

  return { approve, reject, revert };
}
