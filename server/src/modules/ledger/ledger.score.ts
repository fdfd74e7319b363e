/**
 * Scores one ledger entry at one horizon (7 or 14 days): picks where the effect is measured, the
 * windows, the metric and the comparable untouched entities, runs the difference in differences
 * and states the effect in the metric's own units.
 */
import type { Executor } from '../../storage/db.ts';
import type { LedgerEntriesTable } from '../../storage/schema.ts';
import { changesBetween, type EntityLevel, placementOf, touches, type UnitLevel } from './ledger.data.ts';
import {
  type DidResult,
  differenceInDifferences,
  LEVEL,
  pickControls,
  type Verdict,
} from './ledger.stats.ts';
import { figuresOf, type UnitWindowRow, unitWindows } from './ledger.windows.ts';

export const HORIZONS = [7, 14] as const;
export const PRE_DAYS = 14;
/** A post-period cut shorter than this by a revert or a later change is not scored. */
export const MIN_POST_DAYS = 3;
/** Below this many usable same-client controls, the controls come from the whole organization. */
const MIN_CLIENT_CONTROLS = 5;
/** Days with spend a unit needs in the pre-period to be the treated unit or a control. */
const MIN_PRE_DAYS = 7;

const DAY_MS = 86_400_000;
export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
const daysBetween = (a: string, b: string) =>
  Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);

export interface ScoreRow {
  horizonDays: number;
  verdict: Verdict;
  reason: string;
  metric: 'roas' | 'cpa' | null;
  effectPct: number | null;
  loPct: number | null;
  hiPct: number | null;
  controls: number;
  details: ScoreDetails;
}

export interface ScoreDetails {
  unit: { level: UnitLevel; id: string } | null;
  scope: 'client' | 'organization' | null;
  level: number;
  windows: {
    pre: [string, string];
    post: [string, string] | null;
    postDays: number;
    /** The write-back (a revert, another change) that ended the post-period early. */
    cutBy: string | null;
  };
  treated: { pre: Totals; post: Totals } | null;
  /** The metric before, after, and what the controls' change says it would have been without the change. */
  effect: {
    metric: 'roas' | 'cpa';
    unit: 'ratio' | 'micros';
    currency: string;
    before: number;
    after: number;
    expected: number;
    difference: number;
    /** Conversions (cpa) or conversion value in micros (roas) the change added over the post-period. */
    incremental: number;
    incrementalUnit: 'conversions' | 'micros';
  } | null;
  volume: {
    spendPct: number | null;
    spendLoPct: number | null;
    spendHiPct: number | null;
    objectivePct: number | null;
    objectiveLoPct: number | null;
    objectiveHiPct: number | null;
  };
  controls: Array<{ unitId: string; efficiencyChangePct: number | null }>;
}

interface Totals {
  spendMicros: number;
  conversions: number;
  valueMicros: number;
  days: number;
}

/** Status changes move the parent's delivery (the entity itself stops or starts), so that is measured. */
export function unitLevelOf(kind: string, level: EntityLevel): UnitLevel {
  if (kind === 'budget_change') return level === 'ad' ? 'ad_group' : level;
  return level === 'ad' ? 'ad_group' : level === 'ad_group' ? 'campaign' : 'ad_account';
}

const inconclusive = (
  horizon: number,
  reason: string,
  details: Partial<ScoreDetails> & Pick<ScoreDetails, 'windows'>,
): ScoreRow => ({
  horizonDays: horizon,
  verdict: 'inconclusive',
  reason,
  metric: null,
  effectPct: null,
  loPct: null,
  hiPct: null,
  controls: 0,
  details: {
    unit: null,
    scope: null,
    level: LEVEL,
    treated: null,
    effect: null,
    volume: {
      spendPct: null,
      spendLoPct: null,
      spendHiPct: null,
      objectivePct: null,
      objectiveLoPct: null,
      objectiveHiPct: null,
    },
    controls: [],
    ...details,
  },
});

const totals = (w: UnitWindowRow['pre']): Totals => ({
  spendMicros: w.spend,
  conversions: w.conversions,
  valueMicros: w.value,
  days: w.days,
});

export async function scoreEntry(
  trx: Executor,
  org: string,
  entry: LedgerEntriesTable,
  horizon: number,
): Promise<ScoreRow> {
  const d = entry.applied_date;
  const pre: [string, string] = [addDays(d, -PRE_DAYS), addDays(d, -1)];
  const nominalEnd = addDays(d, horizon);
  const place = await placementOf(trx, org, entry.level as EntityLevel, entry.entity_id);
  const baseWindows = { pre, post: null, postDays: 0, cutBy: null };
  if (!place) return inconclusive(horizon, 'The changed entity no longer exists', { windows: baseWindows });
  const level = unitLevelOf(entry.kind, entry.level as EntityLevel);
  const unitId =
    level === 'ad_account'
      ? place.adAccountId
      : level === 'campaign'
        ? place.campaignId
        : (place.adGroupId ?? '');
  const unit = { level, id: unitId };

  // Changes in the windows: they end the treated unit's post-period and disqualify controls.
  const changes = (await changesBetween(trx, org, pre[0], nominalEnd)).filter(
    (c) => c.writeActionId !== entry.write_action_id,
  );
  const cut = changes
    .filter((c) => c.appliedDate > d && touches(c, level, { ...place, adGroupId: place.adGroupId }))
    .sort((a, b) => (a.appliedDate < b.appliedDate ? -1 : 1))[0];
  const postEnd =
    cut && addDays(cut.appliedDate, -1) < nominalEnd ? addDays(cut.appliedDate, -1) : nominalEnd;
  const post: [string, string] = [addDays(d, 1), postEnd];
  const postDays = Math.max(0, daysBetween(d, postEnd));
  const windows = { pre, post, postDays, cutBy: postEnd < nominalEnd ? (cut?.writeActionId ?? null) : null };
  if (postDays < MIN_POST_DAYS)
    return inconclusive(
      horizon,
      `Reverted or changed again ${postDays} day(s) after: under ${MIN_POST_DAYS} days to measure`,
      { unit, windows },
    );

  const rows = await unitWindows(trx, org, { level, platform: place.platform, pre, post });
  const treatedRow = rows.find((r) => r.unitId === unitId);
  if (!treatedRow || treatedRow.pre.days < MIN_PRE_DAYS)
    return inconclusive(
      horizon,
      `The ${level.replace('_', ' ')} measured had spend on ${treatedRow?.pre.days ?? 0} of the ${PRE_DAYS} days before the change (at least ${MIN_PRE_DAYS})`,
      { unit, windows },
    );
  const treatedTotals = { pre: totals(treatedRow.pre), post: totals(treatedRow.post) };
  // ROAS when the unit earned conversion value before the change, otherwise CPA.
  const revenue = treatedRow.pre.value > 0;
  const metric = revenue ? 'roas' : 'cpa';
  const inWindow = changes.filter((c) => c.appliedDate <= postEnd);
  const eligible = rows.filter(
    (r) =>
      r.unitId !== unitId &&
      r.pre.days >= MIN_PRE_DAYS &&
      r.post.days >= Math.ceil(postDays / 2) &&
      !inWindow.some((c) => touches(c, level, r.placement)),
  );
  const treated = figuresOf(treatedRow, revenue);
  const sameClient = eligible.filter((r) => r.clientId === treatedRow.clientId);
  const pick = (rs: UnitWindowRow[]) =>
    pickControls(
      treated,
      rs.map((r) => figuresOf(r, revenue)),
    );
  let scope: 'client' | 'organization' = 'client';
  let controls = pick(sameClient);
  const usable = (cs: typeof controls) =>
    cs.filter((c) => c.preObjective > 0 && c.postObjective > 0 && c.postSpend > 0).length;
  if (usable(controls) < MIN_CLIENT_CONTROLS) {
    const wider = pick(eligible);
    if (usable(wider) > usable(controls)) {
      controls = wider;
      scope = 'organization';
    }
  }
  const did: DidResult = differenceInDifferences(treated, controls, { preDays: PRE_DAYS, postDays });
  const e = did.efficiency;
  const pctOrNull = (x: number | undefined) => (x === undefined ? null : x);
  const details: ScoreDetails = {
    unit,
    scope,
    level: LEVEL,
    windows,
    treated: treatedTotals,
    effect: e ? effectInUnits(metric, treatedRow, e.controlsMeanChange) : null,
    volume: {
      spendPct: pctOrNull(did.spend?.effectPct),
      spendLoPct: pctOrNull(did.spend?.loPct),
      spendHiPct: pctOrNull(did.spend?.hiPct),
      objectivePct: pctOrNull(did.objective?.effectPct),
      objectiveLoPct: pctOrNull(did.objective?.loPct),
      objectiveHiPct: pctOrNull(did.objective?.hiPct),
    },
    controls: controls.map((c) => {
      const ch =
        c.preObjective > 0 && c.postObjective > 0 && c.postSpend > 0
          ? (c.postObjective / c.postSpend / (c.preObjective / c.preSpend) - 1) * 100
          : null;
      return { unitId: c.unitId, efficiencyChangePct: ch };
    }),
  };
  return {
    horizonDays: horizon,
    verdict: did.verdict,
    reason: did.reason,
    metric,
    effectPct: e?.effectPct ?? null,
    loPct: e?.loPct ?? null,
    hiPct: e?.hiPct ?? null,
    controls: e?.controls ?? usable(controls),
    details,
  };
}

/**
 * The effect in the metric's units. Counterfactual efficiency = the unit's pre-period efficiency
 * moved by the controls' mean log change; the difference to the actual post-period one, times the
 * post-period spend, is what the change added (value for ROAS, conversions for CPA).
 */
function effectInUnits(
  metric: 'roas' | 'cpa',
  u: UnitWindowRow,
  controlsMeanChange: number,
): NonNullable<ScoreDetails['effect']> {
  const move = Math.exp(controlsMeanChange);
  if (metric === 'roas') {
    const before = u.pre.value / u.pre.spend;
    const after = u.post.value / u.post.spend;
    const expected = before * move;
    return {
      metric,
      unit: 'ratio',
      currency: u.currency,
      before,
      after,
      expected,
      difference: after - expected,
      incremental: Math.round(u.post.spend * (after - expected)),
      incrementalUnit: 'micros',
    };
  }
  const before = u.pre.spend / u.pre.conversions;
  const after = u.post.spend / u.post.conversions;
  const expected = before / move;
  return {
    metric,
    unit: 'micros',
    currency: u.currency,
    before: Math.round(before),
    after: Math.round(after),
    expected: Math.round(expected),
    difference: Math.round(after - expected),
    incremental: u.post.conversions - u.post.spend / expected,
    incrementalUnit: 'conversions',
  };
}

export const isDue = (appliedDate: string, horizon: number, lastDay: string | null) =>
  lastDay !== null && addDays(appliedDate, horizon) <= lastDay;
