/**
 * Write-back actions through connectors: pause or enable an ad, ad group or campaign; change a daily
 * budget. Each carries an idempotency key (a repeat returns the first result and calls the platform
 * once), keeps a before/after snapshot, updates the local copy and is audited. Agents and rules
 * propose these; here they are applied.
 */
import type { Clock } from '../../platform/clock.ts';
import { AppError, conflict, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Storage } from '../../storage/db.ts';
import type { WriteActionsTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import type { Connections } from '../connections/connections.service.ts';
import {
  ConnectorError,
  type WriteAction,
  type WriteLevel,
  type WriteResult,
} from '../connectors/connector.port.ts';

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
    };

export interface AppliedAction {
  id: string;
  type: string;
  level: string;
  entityId: string;
  externalId: string;
  status: 'pending' | 'applied' | 'failed';
  before: WriteResult['before'] | null;
  after: WriteResult['after'] | null;
  error: string | null;
  createdAt: string;
  appliedAt: string | null;
}

const table = { campaign: 'campaigns', ad_group: 'ad_groups', ad: 'ads' } as const;

const toAction = (r: WriteActionsTable): AppliedAction => ({
  id: r.id,
  type: r.type,
  level: r.level,
  entityId: r.entity_id,
  externalId: r.external_id,
  status: r.status as AppliedAction['status'],
  before: r.before ? JSON.parse(r.before) : null,
  after: r.after ? JSON.parse(r.after) : null,
  error: r.error,
  createdAt: r.created_at,
  appliedAt: r.applied_at,
});

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
      const row: WriteActionsTable = {
        id: newId('writeAction'),
        organization_id: org,
        connection_id: account.connection_id,
        ad_account_id: account.id,
        level: input.level,
        entity_id: entity.id,
        external_id: entity.external_id,
        type: input.type,
        payload: JSON.stringify(
          input.type === 'set_status'
            ? { status: input.status }
            : { dailyBudgetMicros: input.dailyBudgetMicros },
        ),
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
      return { row, accountExternalId: account.external_id };
    });
    if ('existing' in claim && claim.existing) {
      const e = claim.existing;
      if (e.entity_id !== input.entityId || e.type !== input.type)
        throw conflict('This idempotency key was already used for a different action', { actionId: e.id });
      return { action: toAction(e), replayed: true };
    }
    const { row, accountExternalId } = claim as { row: WriteActionsTable; accountExternalId: string };
    const write: WriteAction =
      input.type === 'set_status'
        ? { type: 'set_status', level: input.level, externalId: row.external_id, status: input.status }
        : {
            type: 'set_daily_budget',
            level: input.level,
            externalId: row.external_id,
            dailyBudgetMicros: input.dailyBudgetMicros,
          };
    let result: WriteResult;
    try {
      const { ctx: cctx, definition } = await connections.contextFor(org, row.connection_id);
      if (!definition.ads)
        throw new AppError('invalid_input', `${definition.displayName} has no ads to change`);
      result = await definition.ads.apply(cctx, accountExternalId, write);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof ConnectorError && e.kind === 'auth')
        await connections.markNeedsReconnect(org, row.connection_id, message);
      await storage.withTenant(org, async (trx) => {
        await trx
          .updateTable('write_actions')
          .set({ status: 'failed', error: message.slice(0, 1000) })
          .where('id', '=', row.id)
          .execute();
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
      await trx
        .updateTable('write_actions')
        .set({
          status: 'applied',
          before: JSON.stringify(result.before),
          after: JSON.stringify(result.after),
          applied_at: now,
        })
        .where('id', '=', row.id)
        .execute();
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
      await audit.record(trx, {
        organizationId: org,
        actor: ctx.actor,
        action: 'actions.applied',
        target: { type: input.level, id: input.entityId },
        input,
        metadata: { actionId: row.id, before: result.before, after: result.after },
        origin: ctx,
      });
      return trx.selectFrom('write_actions').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    });
    return { action: toAction(applied), replayed: false };
  }

  const get = (ctx: Ctx, id: string) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      const r = await trx
        .selectFrom('write_actions')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!r) throw notFound('Action', id);
      return toAction(r);
    });

  return { apply, get };
}

export type Actions = ReturnType<typeof createActions>;
