/**
 * The change ledger: records every applied change (from the write-backs, with the proposal, agent or
 * rule behind it), scores it 7 and 14 days later against comparable untouched entities, and shows
 * the record of each source. Scores are derived rows written once; nothing here changes a platform.
 */
import type { Clock } from '../../platform/clock.ts';
import { invalidInput, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { decodeCursor, type Page, toPage } from '../../platform/pagination.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { LedgerScoresTable } from '../../storage/schema.ts';
import type { Ctx } from '../auth/context.ts';
import { revertsOf, unledgeredChanges } from './ledger.data.ts';
import { type EntryVerdict, type LedgerEntry, type SourceType, toEntry } from './ledger.model.ts';
import { HORIZONS, isDue, scoreEntry } from './ledger.score.ts';
import { lastDataDay } from './ledger.windows.ts';

export interface LedgerFilter {
  sourceType?: SourceType;
  sourceId?: string;
  entityId?: string;
  verdict?: EntryVerdict;
  limit: number;
  cursor?: string;
}

export interface LedgerSummary {
  sourceType: SourceType | null;
  sourceId: string | null;
  total: number;
  helped: number;
  hurt: number;
  inconclusive: number;
  pending: number;
  reverted: number;
  /** Mean efficiency effect (% on ROAS or conversions per spend) over the entries with an estimate. */
  averageEffectPct: number | null;
  withEstimate: number;
  byKind: Record<
    string,
    { total: number; helped: number; hurt: number; inconclusive: number; pending: number }
  >;
}

export interface RunResult {
  recorded: number;
  reverted: number;
  scored: number;
  lastDataDay: string | null;
}

export function createLedger({ storage, clock }: { storage: Storage; clock: Clock }) {
  /** New applied changes become entries (pending); reverts are marked on their entry. */
  async function record(org: string): Promise<{ recorded: number; reverted: number }> {
    return storage.withTenant(org, async (trx) => {
      const now = clock.now().toISOString();
      const changes = await unledgeredChanges(trx, org);
      let recorded = 0;
      for (const c of changes) {
        const res = await trx
          .insertInto('ledger_entries')
          .values({
            id: newId('ledgerEntry'),
            organization_id: org,
            write_action_id: c.writeActionId,
            proposal_id: c.proposalId,
            source_type: c.sourceType,
            source_id: c.sourceId,
            kind: c.kind,
            level: c.level,
            entity_id: c.entityId,
            client_id: c.clientId,
            platform: c.platform,
            before: JSON.stringify(c.before),
            after: JSON.stringify(c.after),
            change_pct: c.changePct,
            applied_at: c.appliedAt,
            applied_date: c.appliedAt.slice(0, 10),
            reverted_at: c.revertedAt,
            verdict: 'pending',
            verdict_horizon: null,
            effect_pct: null,
            created_at: now,
            updated_at: now,
          })
          .onConflict((oc) => oc.columns(['organization_id', 'write_action_id']).doNothing())
          .executeTakeFirst();
        recorded += Number(res.numInsertedOrUpdatedRows ?? 0);
      }
      const open = await trx
        .selectFrom('ledger_entries')
        .select(['id', 'write_action_id'])
        .where('organization_id', '=', org)
        .where('proposal_id', 'is not', null)
        .where('reverted_at', 'is', null)
        .execute();
      let reverted = 0;
      for (const r of await revertsOf(
        trx,
        org,
        open.map((o) => o.write_action_id),
      )) {
        const res = await trx
          .updateTable('ledger_entries')
          .set({ reverted_at: r.reverted_at, updated_at: now })
          .where('organization_id', '=', org)
          .where('write_action_id', '=', r.applied_action_id as string)
          .where('reverted_at', 'is', null)
          .executeTakeFirst();
        reverted += Number(res.numUpdatedRows);
      }
      return { recorded, reverted };
    });
  }

  /** Scores every entry whose 7- or 14-day post-period now has data; a score is never redone. */
  async function scoreDue(org: string): Promise<{ scored: number; lastDataDay: string | null }> {
    const { lastDay, due } = await storage.withTenant(org, async (trx) => {
      const lastDay = await lastDataDay(trx, org);
      const entries = await trx
        .selectFrom('ledger_entries')
        .selectAll()
        .where('organization_id', '=', org)
        .where((eb) => eb.or([eb('verdict_horizon', 'is', null), eb('verdict_horizon', '<', 14)]))
        .orderBy('id')
        .execute();
      const scores = await scoredHorizons(
        trx,
        org,
        entries.map((e) => e.id),
      );
      const due = entries.flatMap((e) =>
        HORIZONS.filter((h) => !scores.has(`${e.id}:${h}`) && isDue(e.applied_date, h, lastDay)).map((h) => ({
          entry: e,
          horizon: h,
        })),
      );
      return { lastDay, due };
    });
    let scored = 0;
    // One transaction per score: one entry's bad data never loses the others' scores.
    for (const { entry, horizon } of due) {
      const inserted = await storage.withTenant(org, async (trx) => {
        const s = await scoreEntry(trx, org, entry, horizon);
        const res = await trx
          .insertInto('ledger_scores')
          .values({
            id: newId('ledgerScore'),
            organization_id: org,
            entry_id: entry.id,
            horizon_days: horizon,
            scored_at: clock.now().toISOString(),
            verdict: s.verdict,
            reason: s.reason,
            metric: s.metric,
            effect_pct: s.effectPct,
            lo_pct: s.loPct,
            hi_pct: s.hiPct,
            controls: s.controls,
            details: JSON.stringify(s.details),
          })
          .onConflict((oc) => oc.columns(['organization_id', 'entry_id', 'horizon_days']).doNothing())
          .executeTakeFirst();
        if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) return false;
        // The entry shows its latest horizon's verdict (14 days wins over 7).
        await trx
          .updateTable('ledger_entries')
          .set({
            verdict: s.verdict,
            verdict_horizon: horizon,
            effect_pct: s.effectPct,
            updated_at: clock.now().toISOString(),
          })
          .where('organization_id', '=', org)
          .where('id', '=', entry.id)
          .where((eb) => eb.or([eb('verdict_horizon', 'is', null), eb('verdict_horizon', '<', horizon)]))
          .execute();
        return true;
      });
      if (inserted) scored++;
    }
    return { scored, lastDataDay: lastDay };
  }

  async function scoredHorizons(trx: Executor, org: string, entryIds: string[]) {
    const out = new Set<string>();
    for (let i = 0; i < entryIds.length; i += 500) {
      const rows = await trx
        .selectFrom('ledger_scores')
        .select(['entry_id', 'horizon_days'])
        .where('organization_id', '=', org)
        .where('entry_id', 'in', entryIds.slice(i, i + 500))
        .execute();
      for (const r of rows) out.add(`${r.entry_id}:${r.horizon_days}`);
    }
    return out;
  }

  /** The daily job's work for one organization. */
  async function run(org: string): Promise<RunResult> {
    const r = await record(org);
    const s = await scoreDue(org);
    return { ...r, ...s };
  }

  async function scoresOf(trx: Executor, org: string, ids: string[]): Promise<LedgerScoresTable[]> {
    if (!ids.length) return [];
    return trx
      .selectFrom('ledger_scores')
      .selectAll()
      .where('organization_id', '=', org)
      .where('entry_id', 'in', ids)
      .execute();
  }

  /** The current names of the entries' campaigns, ad groups and ads, by id. */
  async function namesOf(
    trx: Executor,
    org: string,
    rows: Array<{ level: string; entity_id: string }>,
  ): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    const tables = { campaign: 'campaigns', ad_group: 'ad_groups', ad: 'ads' } as const;
    for (const [level, table] of Object.entries(tables)) {
      const ids = [...new Set(rows.filter((r) => r.level === level).map((r) => r.entity_id))];
      if (!ids.length) continue;
      const found = await trx
        .selectFrom(table)
        .select(['id', 'name'])
        .where('organization_id', '=', org)
        .where('id', 'in', ids)
        .execute();
      for (const e of found) names.set(e.id, e.name);
    }
    return names;
  }

  async function list(ctx: Ctx, f: LedgerFilter): Promise<Page<LedgerEntry>> {
    const org = ctx.organizationId;
    if (f.sourceId !== undefined && f.sourceType === undefined)
      throw invalidInput('sourceId needs sourceType (agent, rule, user or workflow)');
    const cursor = decodeCursor(f.cursor, 'id');
    return storage.withTenant(org, async (trx) => {
      let q = trx.selectFrom('ledger_entries').selectAll().where('organization_id', '=', org);
      if (f.sourceType) q = q.where('source_type', '=', f.sourceType);
      if (f.sourceId !== undefined) q = q.where('source_id', '=', f.sourceId);
      if (f.entityId) q = q.where('entity_id', '=', f.entityId);
      if (f.verdict) q = q.where('verdict', '=', f.verdict);
      if (cursor) q = q.where('id', '<', cursor);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(f.limit + 1)
        .execute();
      const scores = await scoresOf(
        trx,
        org,
        rows.map((r) => r.id),
      );
      const names = await namesOf(trx, org, rows);
      return toPage(
        rows.map((r) => toEntry(r, scores, names)),
        f.limit,
        (e) => e.id,
      );
    });
  }

  const get = (ctx: Ctx, id: string) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await trx
        .selectFrom('ledger_entries')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw notFound('Ledger entry', id);
      return toEntry(
        row,
        await scoresOf(trx, ctx.organizationId, [id]),
        await namesOf(trx, ctx.organizationId, [row]),
      );
    });

  async function summary(
    ctx: Ctx,
    f: { sourceType?: SourceType; sourceId?: string },
  ): Promise<LedgerSummary> {
    const org = ctx.organizationId;
    if (f.sourceId !== undefined && f.sourceType === undefined)
      throw invalidInput('sourceId needs sourceType (agent, rule, user or workflow)');
    const rows = await storage.withTenant(org, (trx) => {
      let q = trx
        .selectFrom('ledger_entries')
        .select(['kind', 'verdict', 'effect_pct', 'reverted_at'])
        .where('organization_id', '=', org);
      if (f.sourceType) q = q.where('source_type', '=', f.sourceType);
      if (f.sourceId !== undefined) q = q.where('source_id', '=', f.sourceId);
      return q.execute();
    });
    const out: LedgerSummary = {
      sourceType: f.sourceType ?? null,
      sourceId: f.sourceId ?? null,
      total: rows.length,
      helped: 0,
      hurt: 0,
      inconclusive: 0,
      pending: 0,
      reverted: 0,
      averageEffectPct: null,
      withEstimate: 0,
      byKind: {},
    };
    let sum = 0;
    for (const r of rows) {
      const v = r.verdict as EntryVerdict;
      out[v]++;
      if (r.reverted_at) out.reverted++;
      const k = out.byKind[r.kind] ?? { total: 0, helped: 0, hurt: 0, inconclusive: 0, pending: 0 };
      out.byKind[r.kind] = k;
      k.total++;
      k[v]++;
      if (r.effect_pct !== null && Number.isFinite(r.effect_pct)) {
        sum += r.effect_pct;
        out.withEstimate++;
      }
    }
    if (out.withEstimate) out.averageEffectPct = sum / out.withEstimate;
    return out;
  }

  return { record, scoreDue, run, list, get, summary };
}

export type Ledger = ReturnType<typeof createLedger>;
