/**
 * Proposed actions: agents, rules and people propose a change (budget, pause, enable) with its
 * before/after, expected impact and risk; guardrails decide whether it is applied at once, waits for
 * approval, or is blocked. Applying always goes through actions.service (idempotency key
 * `proposal:<id>`, platform snapshot, audit). Approve, reject and revert live in proposals.decisions.ts.
 */

import { sql } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import { conflict, invalidInput, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { decodeCursor, type Page, toPage } from '../../platform/pagination.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { ProposalsTable } from '../../storage/schema.ts';
import type { Actions } from '../actions/actions.service.ts';
import { applyKey } from '../actions/keys.ts';
import type { Agents } from '../agents/agents.service.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import { draftCrm } from './proposals.crm.ts';
import { draftAds } from './proposals.draft.ts';
import type { Level } from './proposals.facts.ts';
import {
  isExpired,
  type Proposal,
  type ProposalSource,
  type ProposalStatus,
  type ProposedWrite,
  toProposal,
} from './proposals.model.ts';
import { evaluate, isCrmKind, type ProposalKind } from './proposals.policy.ts';

export interface ProposeInput {
  kind: ProposalKind;
  campaignId?: string;
  adGroupId?: string;
  adId?: string;
  /** Budget changes: exactly one of a signed percent, a signed amount, or the new daily budget. */
  percent?: number;
  amountMicros?: number;
  dailyBudgetMicros?: number;
  /** CRM kinds: the synced contact (crm_contacts id); a workflow, or a message with its channel. */
  contactId?: string;
  workflowId?: string;
  type?: 'SMS' | 'Email';
  message?: string;
  subject?: string;
  reason?: string;
  expectedImpact?: string;
  idempotencyKey?: string;
}

export interface ProposalFilter {
  status?: ProposalStatus;
  kind?: ProposalKind;
  entityId?: string;
  sourceType?: 'user' | 'agent' | 'rule' | 'workflow';
  sourceId?: string;
  limit: number;
  cursor?: string;
}

export interface ProposalsDeps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  actions: Actions;
  agents: Agents;
}

function target(input: ProposeInput): { level: Level | 'contact'; entityId: string } {
  const given = (
    [
      ['campaign', input.campaignId],
      ['ad_group', input.adGroupId],
      ['ad', input.adId],
      ['contact', input.contactId],
    ] as const
  ).filter(([, id]) => id !== undefined);
  const first = given[0];
  if (given.length !== 1 || !first?.[1])
    throw invalidInput('Name exactly one of campaignId, adGroupId, adId, contactId');
  if (isCrmKind(input.kind) !== (first[0] === 'contact'))
    throw invalidInput(
      isCrmKind(input.kind)
        ? `A ${input.kind} acts on a CRM contact: name a contactId`
        : `A ${input.kind} acts on a campaign, ad group or ad, not a contact`,
    );
  return { level: first[0], entityId: first[1] };
}

export function createProposals(deps: ProposalsDeps) {
  const { storage, audit, clock, actions, agents } = deps;

  async function find(trx: Executor, org: string, id: string): Promise<ProposalsTable> {
    const row = await trx
      .selectFrom('proposals')
      .selectAll()
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Proposal', id);
    return row;
  }

  /** Applies an approved proposal through actions.service and records the outcome on the proposal. */
  async function applyApproved(ctx: Ctx, id: string): Promise<Proposal> {
    const org = ctx.organizationId;
    const row = await storage.withTenant(org, (trx) => find(trx, org, id));
    if (row.status !== 'approved') return toProposal(row, clock.now());
    const write = JSON.parse(row.action) as ProposedWrite;
    let outcome: { actionId: string; error: null } | { actionId: string | null; error: string };
    try {
      const { action } = await actions.apply(ctx, { ...write, idempotencyKey: applyKey(id) });
      // Another request holds the claim and is calling the platform: it records the outcome.
      if (action.status === 'pending') return toProposal(row, clock.now());
      outcome =
        action.status === 'applied'
          ? { actionId: action.id, error: null }
          : { actionId: action.id, error: action.error ?? 'not applied' };
    } catch (e) {
      const details = (e as { details?: { actionId?: string } }).details;
      outcome = { actionId: details?.actionId ?? null, error: e instanceof Error ? e.message : String(e) };
    }
    return storage.withTenant(org, async (trx) => {
      const now = clock.now().toISOString();
      const status = outcome.error === null ? 'applied' : 'failed';
      const res = await trx
        .updateTable('proposals')
        .set({
          status,
          applied_action_id: outcome.actionId,
          applied_at: status === 'applied' ? now : null,
          error: outcome.error?.slice(0, 1000) ?? null,
          updated_at: now,
        })
        .where('organization_id', '=', org)
        .where('id', '=', id)
        .where('status', '=', 'approved')
        .executeTakeFirst();
      // A concurrent request recorded the outcome first: audited once, by it.
      if (Number(res.numUpdatedRows) === 1)
        await audit.recordFor(trx, ctx, {
          action: `proposals.${status}`,
          target: { type: 'proposal', id },
          metadata: { actionId: outcome.actionId, entityId: row.entity_id, error: outcome.error },
        });
      return toProposal(await find(trx, org, id), clock.now());
    });
  }

  async function propose(
    ctx: Ctx,
    input: ProposeInput,
    source: ProposalSource = { type: 'user' },
  ): Promise<{ proposal: Proposal; replayed: boolean }> {
    const org = ctx.organizationId;
    const { level, entityId } = target(input);
    const agent = source.type === 'agent' ? await agents.get(ctx, source.agentId) : null;
    if (agent && !agent.enabled) throw conflict(`The agent ${agent.name} is disabled and proposes nothing`);
    const created = await storage.withTenant(org, async (trx) => {
      if (input.idempotencyKey) {
        const existing = await trx
          .selectFrom('proposals')
          .selectAll()
          .where('organization_id', '=', org)
          .where('idempotency_key', '=', input.idempotencyKey)
          .executeTakeFirst();
        if (existing) {
          if (existing.entity_id !== entityId || existing.kind !== input.kind)
            throw conflict('This idempotency key was already used for a different proposal', {
              proposalId: existing.id,
            });
          return { replayed: toProposal(existing, clock.now()) };
        }
      }
      // Proposals for one entity are decided one at a time (SQLite runs one write transaction at a
      // time already): a concurrent one must see this one as a recent change, not slip past the checks.
      if (storage.dialect === 'postgres')
        await sql`select pg_advisory_xact_lock(hashtext(${`proposal:${org}:${entityId}`}))`.execute(trx);
      const now = clock.now();
      const draft = isCrmKind(input.kind)
        ? await draftCrm(trx, org, { ...input, kind: input.kind }, entityId, now)
        : await draftAds(trx, org, input, level as Level, entityId, now, {
            agentAutoApprovePct: agent?.limits.autoApproveBudgetChangePct ?? null,
          });
      const result = evaluate(draft.policy, draft.facts);
      const nowIso = now.toISOString();
      const row: ProposalsTable = {
        id: newId('proposal'),
        organization_id: org,
        source_type: source.type,
        // A person's proposal names the person (the user behind a key too), so that the ledger and
        // `sourceType=user&sourceId=` can tell whose changes they were.
        source_id:
          source.type === 'agent'
            ? (agent?.kind ?? null)
            : source.type === 'rule'
              ? source.ruleId
              : source.type === 'workflow'
                ? source.workflowId
                : (ctx.userId ?? null),
        kind: input.kind,
        level,
        entity_id: entityId,
        client_id: draft.clientId,
        action: JSON.stringify(draft.write),
        before: JSON.stringify(draft.before),
        after: JSON.stringify(draft.after),
        expected_impact: JSON.stringify({ ...draft.impact, note: input.expectedImpact ?? null }),
        risk: result.risk,
        reason: input.reason ?? null,
        checks: JSON.stringify(result.checks),
        required_approvals: result.requiredApprovals,
        approvals: '[]',
        status: result.status === 'auto_apply' ? 'approved' : result.status,
        idempotency_key: input.idempotencyKey ?? null,
        created_by_type: ctx.actor.type,
        created_by_id: ctx.actor.id,
        decided_by: null,
        decided_at: result.status === 'auto_apply' ? nowIso : null,
        decision_comment: result.status === 'auto_apply' ? 'Within policy: applied without approval' : null,
        applied_action_id: null,
        applied_at: null,
        revert_action_id: null,
        reverted_by: null,
        reverted_at: null,
        error: null,
        expires_at: new Date(now.getTime() + draft.policy.proposalTtlHours * 3_600_000).toISOString(),
        created_at: nowIso,
        updated_at: nowIso,
      };
      await trx.insertInto('proposals').values(row).execute();
      await audit.recordFor(trx, ctx, {
        action: 'proposals.created',
        target: { type: 'proposal', id: row.id },
        input,
        metadata: {
          source: row.source_type,
          sourceId: row.source_id,
          ...(source.type === 'workflow' ? { executionId: source.executionId } : {}),
          entityId,
          status: row.status,
          risk: row.risk,
          checks: result.checks,
        },
      });
      return { row };
    });
    if ('replayed' in created && created.replayed) return { proposal: created.replayed, replayed: true };
    const row = (created as { row: ProposalsTable }).row;
    if (row.status === 'approved') return { proposal: await applyApproved(ctx, row.id), replayed: false };
    return { proposal: toProposal(row, clock.now()), replayed: false };
  }

  async function list(ctx: Ctx, f: ProposalFilter): Promise<Page<Proposal>> {
    const org = ctx.organizationId;
    const cursor = decodeCursor(f.cursor, 'id');
    const now = clock.now();
    return storage.withTenant(org, async (trx) => {
      let q = trx.selectFrom('proposals').selectAll().where('organization_id', '=', org);
      const nowIso = now.toISOString();
      if (f.status === 'expired')
        q = q.where((eb) =>
          eb.or([
            eb('status', '=', 'expired'),
            eb.and([eb('status', '=', 'pending_approval'), eb('expires_at', '<=', nowIso)]),
          ]),
        );
      else if (f.status === 'pending_approval')
        q = q.where('status', '=', 'pending_approval').where('expires_at', '>', nowIso);
      else if (f.status) q = q.where('status', '=', f.status);
      if (f.kind) q = q.where('kind', '=', f.kind);
      if (f.entityId) q = q.where('entity_id', '=', f.entityId);
      if (f.sourceType) q = q.where('source_type', '=', f.sourceType);
      if (f.sourceId) q = q.where('source_id', '=', f.sourceId);
      if (cursor) q = q.where('id', '<', cursor);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(f.limit + 1)
        .execute();
      return toPage(
        rows.map((r) => toProposal(r, now)),
        f.limit,
        (p) => p.id,
      );
    });
  }

  const get = (ctx: Ctx, id: string) =>
    storage.withTenant(ctx.organizationId, async (trx) =>
      toProposal(await find(trx, ctx.organizationId, id), clock.now()),
    );

  return { propose, list, get, find, applyApproved, isExpired };
}

export type ProposalsCore = ReturnType<typeof createProposals>;
