/**
 * Reconciliation of interrupted write-backs. `apply` claims a write-back (`pending`, committed) before
 * it calls the platform and records the outcome after; a process killed in between leaves the claim
 * `pending` for good, and a proposal applied through it `approved`. The sweeper resolves every
 * write-back pending longer than a timeout by READING the platform (never by writing again):
 *
 * - the platform holds the requested value → `applied`, with the earlier value as its `before`
 *   (from the proposal's snapshot, or the local copy) so that a revert restores it;
 * - it holds the earlier value → `failed` (the call never reached the platform);
 * - it holds something else, or the kind cannot be read back (a CRM message or workflow enrolment)
 *   → `unknown`: a person must look on the platform; nothing is guessed;
 * - it cannot be read (expired token, 5xx, connection needing reconnection) → left `pending`, the
 *   error recorded on the write-back, tried again at the next sweep; after `GIVE_UP_AFTER_DAYS` of
 *   that, or at once when the connection was disconnected, → `unknown`.
 *
 * Each resolution is audited (`actions.reconciled`, actor `system`) in the transaction that makes it,
 * and the proposal the write-back belongs to is settled there too (see `WriteBackLink`).
 */
import type { Clock } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import { currencyDigits } from '../../platform/format.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { WriteActionsTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import type { Connections } from '../connections/connections.service.ts';
import { type AccountStructure, ConnectorError } from '../connectors/connector.port.ts';

/**
 * Default: longer than any platform call may legitimately take — up to 6 attempts with rate-limit
 * waits of up to 10 minutes each (connectors/vendor-http.ts), plus time queued for the shared budget.
 * A live call that still finishes after a sweep settled its row does not overwrite it (the live
 * update is conditional on `pending`); it records `actions.reconcile_conflict` for a person instead.
 */
export const DEFAULT_RECONCILE_AFTER_MINUTES = 90;

/**
 * A write-back whose platform could not be read (at this sweep and an earlier one) for this long (a connection left needing
 * reconnection, an account access was removed from) becomes `unknown` instead of being retried on
 * every sweep for ever: by then a person has to look on the platform anyway.
 */
export const GIVE_UP_AFTER_DAYS = 7;
const GIVE_UP_AFTER_MS = GIVE_UP_AFTER_DAYS * 24 * 3_600_000;
/** How a deferred write-back's error starts: an earlier sweep could not read the platform. */
const READ_FAILED = 'Reconciliation could not read the platform: ';

export type ReconciledOutcome = 'applied' | 'failed' | 'unknown';

/** What a status or budget write-back reads as: the two fields the ads write-backs change. */
export interface EntityState {
  status?: string | null;
  dailyBudgetMicros?: number | null;
}

/**
 * How the owner of a write-back (the proposals module) takes part: the value the entity had before
 * (a proposal's snapshot), and what a resolution means for it. Both run in the resolving transaction.
 */
export interface WriteBackLink {
  expectedBefore(trx: Executor, row: WriteActionsTable): Promise<EntityState | null>;
  /** Settles the owner of a resolved write-back; true if that changed it. */
  settle(
    trx: Executor,
    ctx: Ctx,
    row: WriteActionsTable,
    outcome: ReconciledOutcome,
    error: string | null,
  ): Promise<boolean>;
  /**
   * Write-backs already recorded whose owner was not told (the process died between the two
   * commits), for owners last changed before `cutoff`. Read across organizations.
   */
  stranded(db: Executor, cutoff: string, organizationId?: string): Promise<WriteActionsTable[]>;
}

export interface ReconcileOptions {
  /** Only write-backs pending at least this long (default: the configured timeout). */
  olderThanMs?: number;
  organizationId?: string;
  /** At most this many per sweep, oldest first (the rest wait for the next one). */
  limit?: number;
}

export interface ReconcileResult {
  checked: number;
  applied: number;
  failed: number;
  unknown: number;
  /** Left pending: the platform could not be read; tried again at the next sweep. */
  deferred: number;
  /** Proposals settled from a write-back recorded before the process died (no platform read needed). */
  proposals: number;
}

const table = { campaign: 'campaigns', ad_group: 'ad_groups', ad: 'ads' } as const;
type AdsLevel = keyof typeof table;

interface AccountRead {
  structure: AccountStructure;
  currency: string;
}

export const reconcilerActor = { type: 'system', id: 'write-backs.reconcile' } as const;

/** Half a currency unit: the tolerance when the account's currency is not known. */
const ROUNDING_MICROS = 500_000;

/**
 * Half the smallest unit of `currency` (its ISO 4217 minor unit, as Intl knows it): what a platform
 * rounding a budget to that unit can move it by — 0.005 USD, 0.5 JPY, 0.0005 BHD.
 */
export function roundingToleranceMicros(currency: string | null | undefined): number {
  if (!currency) return ROUNDING_MICROS;
  // A code Intl does not know: a whole unit's half, as when no currency is known.
  return ROUNDING_MICROS / 10 ** currencyDigits(currency, 0);
}

function sameValue(
  field: 'status' | 'dailyBudgetMicros',
  a: unknown,
  b: unknown,
  toleranceMicros: number | null,
): boolean {
  if (a === undefined || b === undefined || a === null || b === null) return a === b && a !== undefined;
  if (field === 'status' || toleranceMicros === null) return a === b;
  return Math.abs(Number(a) - Number(b)) <= toleranceMicros;
}

/** Compares what the platform shows with the requested and the earlier value. */
export function judge(
  field: 'status' | 'dailyBudgetMicros',
  shown: unknown,
  target: unknown,
  before: unknown,
  toleranceMicros: number = ROUNDING_MICROS,
): 'target' | 'before' | 'neither' {
  if (sameValue(field, shown, target, null)) return 'target';
  if (before !== undefined && sameValue(field, shown, before, null)) return 'before';
  // A platform may round a budget to its currency's unit: a near match counts only when unambiguous.
  const nearTarget = sameValue(field, shown, target, toleranceMicros);
  const nearBefore = before !== undefined && sameValue(field, shown, before, toleranceMicros);
  if (nearTarget && !nearBefore) return 'target';
  if (nearBefore && !nearTarget) return 'before';
  return 'neither';
}

export function createWriteBackReconciler({
  storage,
  audit,
  clock,
  connections,
  afterMinutes = DEFAULT_RECONCILE_AFTER_MINUTES,
  link,
}: {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  connections: Connections;
  afterMinutes?: number;
  link?: WriteBackLink;
}) {
  const ctxFor = (org: string): Ctx => ({
    organizationId: org,
    actor: { ...reconcilerActor },
    userId: null,
    role: 'owner',
  });

  /** The value the entity had before the write-back: the owner's snapshot, else the local copy. */
  async function beforeOf(
    trx: Executor,
    row: WriteActionsTable,
    field: 'status' | 'dailyBudgetMicros',
  ): Promise<unknown> {
    const linked = await link?.expectedBefore(trx, row);
    if (linked && linked[field] !== undefined) return linked[field];
    const local = await trx
      .selectFrom(table[row.level as AdsLevel])
      .selectAll()
      .where('organization_id', '=', row.organization_id)
      .where('id', '=', row.entity_id)
      .executeTakeFirst();
    if (!local) return undefined;
    // PostgreSQL answers bigint columns as strings.
    const budget = (local as { daily_budget_micros?: number | string | null }).daily_budget_micros;
    const value = field === 'status' ? local.status : budget == null ? null : Number(budget);
    // The local copy already holding the requested value (a sync read it from the platform) says
    // nothing about the earlier one.
    const payload = JSON.parse(row.payload) as Record<string, unknown>;
    return value === payload[field] ? undefined : (value ?? undefined);
  }

  /** Records the outcome if the write-back is still pending (a concurrent sweep or the late caller won). */
  async function resolve(
    row: WriteActionsTable,
    outcome: ReconciledOutcome,
    detail: { before?: EntityState; after?: EntityState; error?: string; shown?: unknown },
  ): Promise<boolean> {
    const org = row.organization_id;
    const ctx = ctxFor(org);
    return storage.withTenant(org, async (trx) => {
      const now = clock.now().toISOString();
      const res = await trx
        .updateTable('write_actions')
        .set({
          status: outcome,
          before: detail.before ? JSON.stringify(detail.before) : null,
          after: detail.after ? JSON.stringify(detail.after) : null,
          error: detail.error?.slice(0, 1000) ?? null,
          // The platform took the change when it was called: the claim's time, to within the call.
          applied_at: outcome === 'applied' ? row.created_at : null,
        })
        .where('organization_id', '=', org)
        .where('id', '=', row.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      if (outcome === 'applied' && row.level in table) {
        const payload = JSON.parse(row.payload) as EntityState;
        const local =
          row.type === 'set_status'
            ? { status: payload.status as string }
            : { daily_budget_micros: payload.dailyBudgetMicros as number };
        await trx
          .updateTable(table[row.level as AdsLevel])
          .set({ ...local, updated_at: now })
          .where('organization_id', '=', org)
          .where('id', '=', row.entity_id)
          .execute();
      }
      await audit.recordFor(trx, ctx, {
        action: 'actions.reconciled',
        target: { type: row.level, id: row.entity_id },
        metadata: {
          actionId: row.id,
          outcome,
          pendingSince: row.created_at,
          platformShows: detail.shown ?? null,
          before: detail.before ?? null,
          after: detail.after ?? null,
          error: detail.error?.slice(0, 500) ?? null,
        },
      });
      await link?.settle(trx, ctx, { ...row, status: outcome }, outcome, detail.error ?? null);
      return true;
    });
  }

  async function defer(row: WriteActionsTable, message: string) {
    await storage.withTenant(row.organization_id, (trx) =>
      trx
        .updateTable('write_actions')
        .set({ error: `${READ_FAILED}${message}`.slice(0, 1000) })
        .where('organization_id', '=', row.organization_id)
        .where('id', '=', row.id)
        .where('status', '=', 'pending')
        .execute(),
    );
  }

  /** Resolves one write-back; null when a concurrent sweep (or the late original call) got there first. */
  async function reconcileOne(
    row: WriteActionsTable,
    structures: Map<string, Promise<AccountRead>>,
  ): Promise<ReconciledOutcome | 'deferred' | null> {
    const settle = async (outcome: ReconciledOutcome, detail: Parameters<typeof resolve>[2]) =>
      (await resolve(row, outcome, detail)) ? outcome : null;
    if (row.level === 'contact' || !(row.level in table)) {
      // A message sent or a workflow enrolment leaves nothing Omnify can read back.
      return settle('unknown', {
        error: `Interrupted ${row.type}: the CRM cannot tell whether it happened; check the contact's conversations or workflows on the CRM`,
      });
    }
    const field = row.type === 'set_status' ? 'status' : 'dailyBudgetMicros';
    const target = (JSON.parse(row.payload) as Record<string, unknown>)[field];
    let entity: { status: string; dailyBudgetMicros?: number | null } | undefined;
    let currency: string | null = null;
    try {
      const key = `${row.organization_id}:${row.connection_id}:${row.ad_account_id}`;
      let structure = structures.get(key);
      if (!structure) {
        structure = readAccount(row);
        structures.set(key, structure);
      }
      const { structure: s, currency: accountCurrency } = await structure;
      currency = accountCurrency;
      const listed: Array<{ externalId: string; status: string; dailyBudgetMicros?: number | null }> =
        row.level === 'campaign' ? s.campaigns : row.level === 'ad_group' ? s.adGroups : s.ads;
      entity = listed.find((e) => e.externalId === row.external_id);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      // Disconnected on purpose: nobody reconnects to settle one write-back, so a person checks.
      if (e instanceof AppError && (e.details as { status?: string } | undefined)?.status === 'disconnected')
        return settle('unknown', {
          error: `Interrupted, and the connection has since been disconnected, so the platform cannot be read; check the ${row.level} ${row.external_id} on the platform`,
        });
      if (e instanceof ConnectorError && e.kind === 'auth')
        await connections.markNeedsReconnect(row.organization_id, row.connection_id, message);
      // Only after an earlier sweep failed to read too: one failed read alone never settles it.
      const failedBefore = row.error?.startsWith(READ_FAILED) ?? false;
      if (failedBefore && clock.now().getTime() - new Date(row.created_at).getTime() >= GIVE_UP_AFTER_MS)
        return settle('unknown', {
          error: `Interrupted, and the platform could not be read for ${GIVE_UP_AFTER_DAYS} days (last error: ${message}); check the ${row.level} ${row.external_id} on the platform`,
        });
      await defer(row, message);
      return 'deferred';
    }
    if (!entity)
      return settle('unknown', {
        error: `The ${row.level} ${row.external_id} is no longer on the platform; whether the change happened cannot be told`,
      });
    const shown = field === 'status' ? entity.status : (entity.dailyBudgetMicros ?? null);
    const before = await storage.withTenant(row.organization_id, (trx) => beforeOf(trx, row, field));
    const snapshot = (v: unknown): EntityState => ({ [field]: v ?? null });
    const verdict = judge(field, shown, target, before, roundingToleranceMicros(currency));
    if (verdict === 'target')
      return settle('applied', {
        shown,
        ...(before === undefined ? {} : { before: snapshot(before) }),
        after: snapshot(shown),
      });
    if (verdict === 'before')
      return settle('failed', {
        shown,
        error: `Interrupted before the platform took it: the platform still shows ${field} ${String(shown)}`,
      });
    return settle('unknown', {
      shown,
      error: `Interrupted, and the platform now shows ${field} ${String(shown)}: neither the requested ${String(target)} nor the earlier ${before === undefined ? '(not known)' : String(before)}; check it on the platform`,
    });
  }

  /** The ad account's campaigns, ad groups and ads as the platform shows them now, through its connector. */
  async function readAccount(row: WriteActionsTable): Promise<AccountRead> {
    const account = await storage.withTenant(row.organization_id, (trx) =>
      trx
        .selectFrom('ad_accounts')
        .select(['external_id', 'currency'])
        .where('organization_id', '=', row.organization_id)
        .where('id', '=', row.ad_account_id)
        .executeTakeFirstOrThrow(),
    );
    const { ctx, definition } = await connections.contextFor(row.organization_id, row.connection_id);
    if (!definition.ads) throw new Error(`${definition.displayName} has no ads to read`);
    return {
      structure: await definition.ads.fetchStructure(ctx, account.external_id),
      currency: account.currency,
    };
  }

  async function reconcile(opts: ReconcileOptions = {}): Promise<ReconcileResult> {
    const olderThanMs = opts.olderThanMs ?? afterMinutes * 60_000;
    const cutoff = new Date(clock.now().getTime() - olderThanMs).toISOString();
    // Across organizations (a system job, as the sync scheduler lists connections); each
    // resolution then runs in its organization's own transaction.
    let q = storage.db
      .selectFrom('write_actions')
      .selectAll()
      .where('status', '=', 'pending')
      .where('created_at', '<=', cutoff);
    if (opts.organizationId) q = q.where('organization_id', '=', opts.organizationId);
    const rows = await q
      .orderBy('created_at')
      .orderBy('id')
      .limit(opts.limit ?? 500)
      .execute();
    const result: ReconcileResult = {
      checked: rows.length,
      applied: 0,
      failed: 0,
      unknown: 0,
      deferred: 0,
      proposals: 0,
    };
    // One read of an ad account per sweep, however many of its write-backs are stuck.
    const structures = new Map<string, Promise<AccountRead>>();

    for (const row of rows) {
      try {
        const outcome = await reconcileOne(row, structures);
        if (outcome === 'deferred') result.deferred++;
        else if (outcome) result[outcome]++;
      } catch (e) {
        // Whatever went wrong with this one (a row of unexpected shape, a database error) must not
        // hold up the others: it stays pending with the error, and is tried again next time.
        await defer(row, e instanceof Error ? e.message : String(e)).catch(() => undefined);
        result.deferred++;
      }
    }
    // The other window: the write-back was recorded, the proposal was not. Its outcome is known.
    if (link) {
      for (const row of await link.stranded(storage.db, cutoff, opts.organizationId)) {
        const org = row.organization_id;
        try {
          const changed = await storage.withTenant(org, (trx) =>
            link.settle(trx, ctxFor(org), row, row.status as ReconciledOutcome, row.error),
          );
          if (changed) result.proposals++;
        } catch {
          // One proposal that cannot be settled (e.g. a database error) must not hold up the rest;
          // it is tried again next sweep.
        }
      }
    }
    return result;
  }

  return { reconcile, afterMinutes };
}

export type WriteBackReconciler = ReturnType<typeof createWriteBackReconciler>;
