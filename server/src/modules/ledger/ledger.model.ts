/** Ledger entries and scores as the API shows them, mapped from their rows. */
import type { LedgerEntriesTable, LedgerScoresTable } from '../../storage/schema.ts';
import { addDays, HORIZONS, type ScoreDetails } from './ledger.score.ts';

export const verdicts = ['helped', 'hurt', 'inconclusive', 'pending'] as const;
export type EntryVerdict = (typeof verdicts)[number];
export const sourceTypes = ['agent', 'rule', 'user', 'workflow'] as const;
export type SourceType = (typeof sourceTypes)[number];

export interface LedgerScore {
  horizonDays: number;
  scoredAt: string;
  verdict: 'helped' | 'hurt' | 'inconclusive';
  reason: string;
  metric: 'roas' | 'cpa' | null;
  effectPct: number | null;
  loPct: number | null;
  hiPct: number | null;
  controls: number;
  details: ScoreDetails;
}

export interface LedgerEntry {
  id: string;
  writeActionId: string;
  proposalId: string | null;
  source: { type: SourceType; id: string | null };
  kind: 'budget_change' | 'pause' | 'enable';
  level: 'campaign' | 'ad_group' | 'ad';
  entityId: string;
  /** The campaign's, ad group's or ad's name as synced now (null once it is gone). */
  entityName: string | null;
  clientId: string | null;
  platform: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  changePct: number | null;
  appliedAt: string;
  reverted: boolean;
  revertedAt: string | null;
  /** The latest score's verdict (14 days once it exists), or pending before the 7-day score. */
  verdict: EntryVerdict;
  verdictHorizon: number | null;
  effectPct: number | null;
  scores: LedgerScore[];
  /** Horizons not scored yet and the first day whose data they wait for. */
  pending: Array<{ horizonDays: number; dueAfter: string }>;
  createdAt: string;
}

export const toScore = (r: LedgerScoresTable): LedgerScore => ({
  horizonDays: r.horizon_days,
  scoredAt: r.scored_at,
  verdict: r.verdict as LedgerScore['verdict'],
  reason: r.reason,
  metric: r.metric as LedgerScore['metric'],
  effectPct: r.effect_pct,
  loPct: r.lo_pct,
  hiPct: r.hi_pct,
  controls: r.controls,
  details: JSON.parse(r.details),
});

export function toEntry(
  r: LedgerEntriesTable,
  scores: LedgerScoresTable[],
  names: ReadonlyMap<string, string> = new Map(),
): LedgerEntry {
  const mine = scores.filter((s) => s.entry_id === r.id).sort((a, b) => a.horizon_days - b.horizon_days);
  const scored = new Set(mine.map((s) => s.horizon_days));
  return {
    id: r.id,
    writeActionId: r.write_action_id,
    proposalId: r.proposal_id,
    source: { type: r.source_type as SourceType, id: r.source_id },
    kind: r.kind as LedgerEntry['kind'],
    level: r.level as LedgerEntry['level'],
    entityId: r.entity_id,
    entityName: names.get(r.entity_id) ?? null,
    clientId: r.client_id,
    platform: r.platform,
    before: JSON.parse(r.before),
    after: JSON.parse(r.after),
    changePct: r.change_pct,
    appliedAt: r.applied_at,
    reverted: r.reverted_at !== null,
    revertedAt: r.reverted_at,
    verdict: r.verdict as EntryVerdict,
    verdictHorizon: r.verdict_horizon,
    effectPct: r.effect_pct,
    scores: mine.map(toScore),
    pending: HORIZONS.filter((h) => !scored.has(h)).map((h) => ({
      horizonDays: h,
      dueAfter: addDays(r.applied_date, h),
    })),
    createdAt: r.created_at,
  };
}
