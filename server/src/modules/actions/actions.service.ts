/**
 * Write-back actions through connectors: pause or enable an ad, ad group or campaign; change a daily
 * budget; enrol a CRM contact in a workflow or send it a message (GoHighLevel or the simulator's CRM).
 * Each carries an idempotency key (a repeat returns the first result and calls the platform once),
 * keeps a before/after snapshot, updates the local copy (ads) and is audited. Agents and rules
 * propose these; here they are applied.
 */
import type { Clock } from '../../platform/clock.ts';
import { AppError, conflict, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { decodeCursor, type Page, toPage } from '../../platform/pagination.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { WriteActionsTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import type { Connections } from '../connections/connections.service.ts';
import {
  type ConnectorContext,
  ConnectorError,
  type CrmApi,
  type WriteAction,
  type WriteLevel,
} from '../connectors/connector.port.ts';
import { proposalOfKey } from './keys.ts';

export type ActionInput =
  | {
      type: 'set_status';
      level: WriteLevel;
      entityId: string;
      status: 'active' | 'paused';
      idempotencyKey: string;
    }
  | {
      type: 'set_daily_budget';
      level: 'campaign' | 'ad_group';
      entityId: string;
      dailyBudgetMicros: number;
      idempotencyKey: string;
    }
  | {
      type: 'crm_enroll_workflow';
      level: 'contact';
      /** The synced CRM contact (crm_contacts id). */
      entityId: string;
      workflowId: string;
      idempotencyKey: string;
    }
  | {
      type: 'crm_send_message';
      level: 'contact';
      entityId: string;
      channel: 'SMS' | 'Email';
      message: string;
      subject?: string;
      idempotencyKey: string;
    };

type AdsInput = Exclude<ActionInput, { level: 'contact' }>;
type CrmInput = Extract<ActionInput, { level: 'contact' }>;
/** Ads write-backs snapshot status and budget; CRM ones what the vendor returned (workflow, message id). */
type Snapshot = Record<string, unknown>;

export interface AppliedAction {
  id: string;
  type: string;
  level: string;
  entityId: string;
  externalId: string;
  /** `unknown`: interrupted, and the platform could not tell whether it happened (actions.reconcile.ts). */
  status: 'pending' | 'applied' | 'failed' | 'unknown';
  before: Snapshot | null;
  after: Snapshot | null;
  /** What was asked for (status, daily budget…), whether or not it happened. */
  requested: Snapshot;
  /** The proposal this write-back applied (`apply`) or reverted (`revert`); null for a direct one. */
  proposal: { id: string; role: 'apply' | 'revert' } | null;
  /** The change-ledger entry that records it (applied write-backs; filled by `get` and `list`). */
  ledgerEntryId: string | null;
  error: string | null;
  createdAt: string;
  appliedAt: string | null;
}

const table = { campaign: 'campaigns', ad_group: 'ad_groups', ad: 'ads' } as const;

const payloadOf = (input: ActionInput): Snapshot => {
  switch (input.type) {
    case 'set_status':
      return { status: input.status };
    case 'set_daily_budget':
      return { dailyBudgetMicros: input.dailyBudgetMicros };
    case 'crm_enroll_workflow':
      return { workflowId: input.workflowId };
    case 'crm_send_message':
      return {
        channel: input.channel,
        message: input.message,
        ...(input.subject === undefined ? {} : { subject: input.subject }),
      };
  }
};

/**
 * What a write-back asked for, as the write-backs routes (campaigns:read) show it: a CRM message's
 * text and subject are the contact's business (clients:read), so only its channel is shown.
 */
function requestedView(type: string, payload: Snapshot): Snapshot {
  if (type !== 'crm_send_message') return payload;
  const { message: _m, subject: _s, ...rest } = payload;
  return rest;
}

const toAction = (r: WriteActionsTable, ledgerEntryId: string | null = null): AppliedAction => ({
  id: r.id,
  type: r.type,
  level: r.level,
  entityId: r.entity_id,
  externalId: r.external_id,
  status: r.status as AppliedAction['status'],
  before: r.before ? JSON.parse(r.before) : null,
  after: r.after ? JSON.parse(r.after) : null,
  requested: requestedView(r.type, JSON.parse(r.payload)),
  proposal: proposalOfKey(r.idempotency_key),
  ledgerEntryId,
  error: r.error,
  createdAt: r.created_at,
  appliedAt: r.applied_at,
});

function adsWrite(input: AdsInput, externalId: string): WriteAction {
  return input.type === 'set_status'
    ? { type: 'set_status', level: input.level, externalId, status: input.status }
    : {
        type: 'set_daily_budget',
        level: input.level,
        externalId,
        dailyBudgetMicros: input.dailyBudgetMicros,
      };
}

/** The CRM call of a contact write-back; a message is sent once, so its id is the "after". */
async function applyCrm(
  crm: CrmApi,
  ctx: ConnectorContext,
  contactExternalId: string,
  input: CrmInput,
): Promise<{ before: Snapshot; after: Snapshot }> {
  if (input.type === 'crm_enroll_workflow') {
    await crm.addContactToWorkflow(ctx, contactExternalId, input.workflowId);
    return { before: {}, after: { workflowId: input.workflowId, enrolled: true } };
  }
  const sent = await crm.sendMessage(ctx, {
    contactExternalId,
    channel: input.channel,
    message: input.message,
    ...(input.subject === undefined ? {} : { subject: input.subject }),
  });
  return { before: {}, after: { messageId: sent.messageId, channel: input.channel } };
}

/** The local entity a write-back acts on, with its connection (and ad account, for ads). */
async function resolveTarget(trx: Executor, org: string, input: ActionInput) {
  if (input.level === 'contact') {
    const contact = await trx
      .selectFrom('crm_contacts')
      .select(['id', 'external_id', 'connection_id'])
      .where('organization_id', '=', org)
      .where('id', '=', input.entityId)
      .executeTakeFirst();
    if (!contact) throw notFound('Contact', input.entityId);
    return {
      id: contact.id,
      externalId: contact.external_id,
      connectionId: contact.connection_id,
      adAccountId: '',
      accountExternalId: '',
    };
  }
  const entity = await trx
    .selectFrom(table[input.level])
    .select(['id', 'external_id', 'ad_account_id'])
    .where('organization_id', '=', org)
    .where('id', '=', input.entityId)
    .executeTakeFirst();
  if (!entity) throw notFound(input.level.replace('_', ' '), input.entityId);
  const account = await trx
    .selectFrom('ad_accounts')
    .select(['id', 'connection_id', 'external_id'])
    .where('organization_id', '=', org)
    .where('id', '=', entity.ad_account_id)
    .executeTakeFirstOrThrow();
  return {
    id: entity.id,
    externalId: entity.external_id,
    connectionId: account.connection_id,
    adAccountId: account.id,
    accountExternalId: account.external_id,
  };
}

export function createActions({
  storage,
  audit,
  clock,
  connections,
}: {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  connections: Connections;
}) {
  async function apply(ctx: Ctx, input: ActionInput): Promise<{ action: AppliedAction; replayed: boolean }> {
    const org = ctx.organizationId;
    // Claim the idempotency key first: a repeat finds the row and never calls the platform twice.
    const claim = await storage.withTenant(org, async (trx) => {
      const existing = await trx
        .selectFrom('write_actions')
        .selectAll()
        .where('organization_id', '=', org)
        .where('idempotency_key', '=', input.idempotencyKey)
        .executeTakeFirst();
      if (existing) return { existing };
      const target = await resolveTarget(trx, org, input);
      const row: WriteActionsTable = {
        id: newId('writeAction'),
        organization_id: org,
        connection_id: target.connectionId,
        // CRM write-backs have no ad account: '' (the column predates them and is NOT NULL).
        ad_account_id: target.adAccountId,
        level: input.level,
        entity_id: target.id,
        external_id: target.externalId,
        type: input.type,
        payload: JSON.stringify(payloadOf(input)),
        idempotency_key: input.idempotencyKey,
        status: 'pending',
        before: null,
        after: null,
        error: null,
        actor_type: ctx.actor.type,
        actor_id: ctx.actor.id,
        created_at: clock.now().toISOString(),
        applied_at: null,
      };
      await trx.insertInto('write_actions').values(row).execute();
      // Audited with the claim: a process that dies during the platform call still leaves the
      // attempt in the trail, next to its pending row.
      await audit.record(trx, {
        organizationId: org,
        actor: ctx.actor,
        action: 'actions.requested',
        target: { type: input.level, id: input.entityId },
        input,
        metadata: { actionId: row.id },
        origin: ctx,
      });
      return { row, accountExternalId: target.accountExternalId };
    });
    if ('existing' in claim && claim.existing) {
      const e = claim.existing;
      // A repeat is the same request: another entity, type or value under the same key is a
      // mistake to report, not to answer with the first result as if it had been done.
      if (
        e.entity_id !== input.entityId ||
        e.type !== input.type ||
        e.payload !== JSON.stringify(payloadOf(input))
      )
        throw conflict('This idempotency key was already used for a different action', { actionId: e.id });
      return { action: toAction(e), replayed: true };
    }
    const { row, accountExternalId } = claim as { row: WriteActionsTable; accountExternalId: string };
    /**
     * The platform answered after a reconciliation sweep had already settled this write-back (a call
     * slower than OMNIFY_WRITE_BACK_RECONCILE_AFTER_MINUTES): the settled row stands, and the live
     * answer goes to the audit trail for a person to compare with the platform.
     */
    const reconcileConflict = async (trx: Parameters<typeof audit.record>[0], id: string, live: object) => {
      const settled = await trx
        .selectFrom('write_actions')
        .select(['status'])
        .where('organization_id', '=', org)
        .where('id', '=', id)
        .executeTakeFirst();
      await audit.record(trx, {
        organizationId: org,
        actor: ctx.actor,
        action: 'actions.reconcile_conflict',
        target: { type: input.level, id: input.entityId },
        input,
        metadata: { actionId: id, settledAs: settled?.status ?? null, live },
        origin: ctx,
      });
    };
    let result: { before: Snapshot; after: Snapshot };
    try {
      const { ctx: cctx, definition } = await connections.contextFor(org, row.connection_id);
      if (input.level === 'contact') {
        if (!definition.crm)
          throw new AppError('invalid_input', `${definition.displayName} has no CRM to act on`);
        result = await applyCrm(definition.crm, cctx, row.external_id, input);
      } else {
        if (!definition.ads)
          throw new AppError('invalid_input', `${definition.displayName} has no ads to change`);
        result = await definition.ads.apply(cctx, accountExternalId, adsWrite(input, row.external_id));
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof ConnectorError && e.kind === 'auth')
        await connections.markNeedsReconnect(org, row.connection_id, message);
      await storage.withTenant(org, async (trx) => {
        const res = await trx
          .updateTable('write_actions')
          .set({ status: 'failed', error: message.slice(0, 1000) })
          .where('organization_id', '=', org)
          .where('id', '=', row.id)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        // A reconciliation sweep settled the row while the call ran: keep its answer, flag the clash.
        if (Number(res.numUpdatedRows) === 0) return reconcileConflict(trx, row.id, { error: message });
        await audit.record(trx, {
          organizationId: org,
          actor: ctx.actor,
          action: 'actions.failed',
          target: { type: input.level, id: input.entityId },
          input,
          metadata: { actionId: row.id, error: message.slice(0, 500) },
          origin: ctx,
        });
      });
      if (e instanceof ConnectorError) {
        throw new AppError(
          e.kind === 'invalid' ? 'invalid_input' : 'upstream_failed',
          `The platform refused the change: ${message}`,
          { kind: e.kind, actionId: row.id },
        );
      }
      throw e;
    }
    const applied = await storage.withTenant(org, async (trx) => {
      const now = clock.now().toISOString();
      const res = await trx
        .updateTable('write_actions')
        .set({
          status: 'applied',
          before: JSON.stringify(result.before),
          after: JSON.stringify(result.after),
          applied_at: now,
        })
        .where('organization_id', '=', org)
        .where('id', '=', row.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) {
        // Settled by a sweep meanwhile: its answer stands (the row is returned as it is).
        await reconcileConflict(trx, row.id, { before: result.before, after: result.after });
      } else {
        // The local copy of ads entities follows at once; CRM contacts keep no such state.
        if (input.level !== 'contact') {
          const local =
            input.type === 'set_status'
              ? { status: input.status }
              : { daily_budget_micros: input.dailyBudgetMicros };
          await trx
            .updateTable(table[input.level])
            .set({ ...local, updated_at: now })
            .where('organization_id', '=', org)
            .where('id', '=', input.entityId)
            .execute();
        }
        await audit.record(trx, {
          organizationId: org,
          actor: ctx.actor,
          action: 'actions.applied',
          target: { type: input.level, id: input.entityId },
          input,
          metadata: { actionId: row.id, before: result.before, after: result.after },
          origin: ctx,
        });
      }
      return trx
        .selectFrom('write_actions')
        .selectAll()
        .where('organization_id', '=', org)
        .where('id', '=', row.id)
        .executeTakeFirstOrThrow();
    });
    return { action: toAction(applied), replayed: false };
  }

  const get = (ctx: Ctx, id: string) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      const r = await withLedgerEntry(trx, ctx.organizationId).where('w.id', '=', id).executeTakeFirst();
      if (!r) throw notFound('Action', id);
      return toAction(r, r.ledger_entry_id);
    });

  /** The organization's write-backs with the ledger entry recording each (one per write-back). */
  const withLedgerEntry = (trx: Executor, org: string) =>
    trx
      .selectFrom('write_actions as w')
      .leftJoin('ledger_entries as l', (j) =>
        j.onRef('l.write_action_id', '=', 'w.id').on('l.organization_id', '=', org),
      )
      .selectAll('w')
      .select('l.id as ledger_entry_id')
      .where('w.organization_id', '=', org);

  /** Write-backs newest first; `status: 'unknown'` lists the ones a person must check on the platform. */
  const list = (
    ctx: Ctx,
    f: { status?: string; entityId?: string; limit: number; cursor?: string },
  ): Promise<Page<AppliedAction>> =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      const cursor = decodeCursor(f.cursor, 'id');
      let q = withLedgerEntry(trx, ctx.organizationId);
      if (f.status) q = q.where('w.status', '=', f.status);
      if (f.entityId) q = q.where('w.entity_id', '=', f.entityId);
      if (cursor) q = q.where('w.id', '<', cursor);
      const rows = await q
        .orderBy('w.id', 'desc')
        .limit(f.limit + 1)
        .execute();
      return toPage(
        rows.map((r) => toAction(r, r.ledger_entry_id)),
        f.limit,
        (a) => a.id,
      );
    });

  return { apply, get, list };
}

export type Actions = ReturnType<typeof createActions>;
