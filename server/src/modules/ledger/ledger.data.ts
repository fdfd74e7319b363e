/**
 * What the ledger reads from the store, inside the caller's tenant transaction: the applied
 * write-backs not yet in the ledger (with the proposal behind each), the changes that touch an entity
 * in a window (to keep changed entities out of the controls and to end a post-period early). Window
 * totals per unit are in ledger.windows.ts.
 *
 * Why it reads `write_actions` and `proposals` directly: the actions module has no listing (only
 * apply and get), and the proposals listing pages by id without "applied since" or the write-back
 * ids the ledger joins on. These queries only read, always scoped by organization.
 */
import type { Executor } from '../../storage/db.ts';
import { isRevertKey } from '../actions/keys.ts';

export type ChangeKind = 'budget_change' | 'pause' | 'enable';
export type EntityLevel = 'campaign' | 'ad_group' | 'ad';
/** Where a change's effect is measured: a budget on the entity, a status on its parent. */
export type UnitLevel = 'ad_account' | 'campaign' | 'ad_group';

export interface NewChange {
  writeActionId: string;
  proposalId: string | null;
  sourceType: 'agent' | 'rule' | 'user' | 'workflow';
  sourceId: string | null;
  kind: ChangeKind;
  level: EntityLevel;
  entityId: string;
  clientId: string | null;
  platform: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  changePct: number | null;
  appliedAt: string;
  revertedAt: string | null;
}

/** Where an entity sits: its account, campaign and ad group (itself at its own level). */
export interface Placement {
  adAccountId: string;
  campaignId: string;
  adGroupId: string | null;
  adId: string | null;
  clientId: string | null;
  platform: string;
}

export async function placementOf(
  trx: Executor,
  org: string,
  level: EntityLevel,
  id: string,
): Promise<Placement | null> {
  if (level === 'campaign') {
    const r = await trx
      .selectFrom('campaigns')
      .select(['ad_account_id', 'client_id', 'platform'])
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return r
      ? {
          adAccountId: r.ad_account_id,
          campaignId: id,
          adGroupId: null,
          adId: null,
          clientId: r.client_id,
          platform: r.platform,
        }
      : null;
  }
  if (level === 'ad_group') {
    const r = await trx
      .selectFrom('ad_groups')
      .select(['ad_account_id', 'campaign_id', 'client_id', 'platform'])
      .where('organization_id', '=', org)
      .where('id', '=', id)
      .executeTakeFirst();
    return r
      ? {
          adAccountId: r.ad_account_id,
          campaignId: r.campaign_id,
          adGroupId: id,
          adId: null,
          clientId: r.client_id,
          platform: r.platform,
        }
      : null;
  }
  const r = await trx
    .selectFrom('ads')
    .select(['ad_account_id', 'campaign_id', 'ad_group_id', 'client_id', 'platform'])
    .where('organization_id', '=', org)
    .where('id', '=', id)
    .executeTakeFirst();
  return r
    ? {
        adAccountId: r.ad_account_id,
        campaignId: r.campaign_id,
        adGroupId: r.ad_group_id,
        adId: id,
        clientId: r.client_id,
        platform: r.platform,
      }
    : null;
}

/** Applied write-backs not yet in the ledger, oldest first; reverts are not changes of their own. */
export async function unledgeredChanges(trx: Executor, org: string): Promise<NewChange[]> {
  const rows = await trx
    .selectFrom('write_actions as w')
    .leftJoin('ledger_entries as l', (j) =>
      j.onRef('l.write_action_id', '=', 'w.id').on('l.organization_id', '=', org),
    )
    .select([
      'w.id',
      'w.level',
      'w.entity_id',
      'w.type',
      'w.payload',
      'w.before',
      'w.after',
      'w.idempotency_key',
      'w.actor_type',
      'w.actor_id',
      'w.applied_at',
    ])
    .where('w.organization_id', '=', org)
    .where('w.status', '=', 'applied')
    .where('l.id', 'is', null)
    .orderBy('w.applied_at')
    .orderBy('w.id')
    .execute();
  if (!rows.length) return [];
  const proposals = await trx
    .selectFrom('proposals')
    .select([
      'id',
      'source_type',
      'source_id',
      'kind',
      'applied_action_id',
      'revert_action_id',
      'reverted_at',
    ])
    .where('organization_id', '=', org)
    .where((eb) =>
      eb.or([
        eb(
          'applied_action_id',
          'in',
          rows.map((r) => r.id),
        ),
        eb(
          'revert_action_id',
          'in',
          rows.map((r) => r.id),
        ),
      ]),
    )
    .execute();
  const byApplied = new Map(proposals.map((p) => [p.applied_action_id, p]));
  const reverts = new Set(proposals.map((p) => p.revert_action_id));
  const out: NewChange[] = [];
  for (const r of rows) {
    if (reverts.has(r.id) || isRevertKey(r.idempotency_key) || !r.applied_at) continue;
    const level = r.level as EntityLevel;
    const place = await placementOf(trx, org, level, r.entity_id);
    if (!place) continue; // the entity was deleted since: nothing left to measure
    const p = byApplied.get(r.id);
    const before = (r.before ? JSON.parse(r.before) : {}) as Record<string, unknown>;
    const after = (r.after ? JSON.parse(r.after) : {}) as Record<string, unknown>;
    const payload = JSON.parse(r.payload) as { status?: string; dailyBudgetMicros?: number };
    const kind: ChangeKind =
      (p?.kind as ChangeKind | undefined) ??
      (r.type === 'set_daily_budget' ? 'budget_change' : payload.status === 'paused' ? 'pause' : 'enable');
    const b = typeof before.dailyBudgetMicros === 'number' ? before.dailyBudgetMicros : null;
    const a =
      typeof after.dailyBudgetMicros === 'number' ? after.dailyBudgetMicros : payload.dailyBudgetMicros;
    out.push({
      writeActionId: r.id,
      proposalId: p?.id ?? null,
      // A write-back made directly (not through a proposal) is a person's, or an agent's own call.
      sourceType: (p?.source_type ??
        (r.actor_type === 'agent' ? 'agent' : 'user')) as NewChange['sourceType'],
      sourceId: p ? p.source_id : r.actor_id,
      kind,
      level,
      entityId: r.entity_id,
      clientId: place.clientId,
      platform: place.platform,
      before,
      after,
      changePct: kind === 'budget_change' && b && typeof a === 'number' ? ((a - b) / b) * 100 : null,
      appliedAt: r.applied_at,
      revertedAt: p?.reverted_at ?? null,
    });
  }
  return out;
}

/** Proposals reverted since their entry was written: (write-back id, reverted at). */
export async function revertsOf(trx: Executor, org: string, writeActionIds: string[]) {
  if (!writeActionIds.length) return [];
  return trx
    .selectFrom('proposals')
    .select(['applied_action_id', 'reverted_at'])
    .where('organization_id', '=', org)
    .where('applied_action_id', 'in', writeActionIds)
    .where('reverted_at', 'is not', null)
    .execute();
}

/** A change applied in a window, placed in the hierarchy (for "touched" tests). */
export interface PlacedChange extends Placement {
  writeActionId: string;
  level: EntityLevel;
  appliedDate: string;
}

/** Every applied write-back (reverts included) with `applied_at` in [from, to] (dates, inclusive). */
export async function changesBetween(
  trx: Executor,
  org: string,
  from: string,
  to: string,
): Promise<PlacedChange[]> {
  const rows = await trx
    .selectFrom('write_actions')
    .select(['id', 'level', 'entity_id', 'applied_at'])
    .where('organization_id', '=', org)
    .where('status', '=', 'applied')
    .where('applied_at', '>=', `${from}T00:00:00.000Z`)
    .where('applied_at', '<=', `${to}T23:59:59.999Z`)
    .execute();
  const out: PlacedChange[] = [];
  for (const r of rows) {
    const place = await placementOf(trx, org, r.level as EntityLevel, r.entity_id);
    if (place)
      out.push({
        ...place,
        writeActionId: r.id,
        level: r.level as EntityLevel,
        appliedDate: (r.applied_at as string).slice(0, 10),
      });
  }
  return out;
}

/**
 * Does change `c` touch the unit? A change to the unit, to anything inside it, or to anything that
 * contains it (a campaign's budget moves its ad groups' delivery) does.
 */
export function touches(c: PlacedChange, level: UnitLevel, unit: Placement): boolean {
  if (level === 'ad_account') return c.adAccountId === unit.adAccountId;
  if (level === 'campaign') return c.campaignId === unit.campaignId;
  // An ad group: itself, its ads, or its campaign (a campaign-level change).
  return c.adGroupId === unit.adGroupId || (c.level === 'campaign' && c.campaignId === unit.campaignId);
}
