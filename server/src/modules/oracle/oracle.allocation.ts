/**
 * Budget allocation over an organization's (or one client's) campaigns or platforms: weekly spend and
 * objective (conversions or revenue) per entity over the last 26 weeks of daily_metrics, one saturating
 * response curve per entity (allocation/), then the daily budget split that maximizes the objective
 * under per-entity bounds, or the largest budget that still meets a target ROAS/CPA. Entities with too
 * little data are locked at their current spend. The result is stored as a prediction run of type
 * 'allocation' (one row per entity; the same inputs are stored once): reading and storing are in
 * oracle.allocation.store.ts.
 */
import type { Clock } from '../../platform/clock.ts';
import { AppError, invalidInput, noData } from '../../platform/errors.ts';
import type { Storage } from '../../storage/db.ts';
import { assertOwned } from '../../storage/owned.ts';
import type { Ctx } from '../auth/context.ts';
import {
  type AllocationEntity,
  type AllocationResult,
  allocateBudget,
  allocateForTarget,
  type ChannelParams,
  channelResponse,
  fitResponseCurves,
  type MmmInput,
} from './allocation/index.ts';
import { describeAllocation } from './oracle.allocation.explain.ts';
import {
  ALLOCATION_MODEL,
  ALLOCATION_MODEL_VERSION,
  type AllocationRequest,
  type EntityData,
  loadAllocationData,
  type RecentChange,
  recentBudgetChanges,
  SETTLE_DAYS,
  storeAllocation,
  WEEKS,
} from './oracle.allocation.store.ts';
import type { SeriesReader } from './oracle.series.ts';

/** Below either, the entity's curve is not fitted: it keeps its current spend. */
const MIN_SPEND_WEEKS = 8;
const BOOTSTRAP = 20;
/** Relative slack on "contribution ≤ observed" (rounding in the least squares). */
const CONTRIBUTION_TOLERANCE = 1e-6;
/** At or above this elasticity at current spend the curve is treated as a straight line (warned). */
const NEAR_LINEAR = 0.95;

const r2 = (v: number) => Math.round(v * 100) / 100;

/** Revenue over spend in the weeks read (what the account reports), not the curve's estimate. */
function observedRoas(e: EntityData) {
  const spend = e.spend.reduce((s, v) => s + v, 0);
  return spend > 0 ? r2(e.y.reduce((s, v) => s + v, 0) / spend) : null;
}

/**
 * The curves are of spend, but what can be changed is the campaign's daily budget, and a campaign
 * often spends less (or, on Meta and Google, some days more) than its budget. The budget to set moves
 * by the same proportion as the spend: a +12% recommendation raises the budget by 12%, whatever the
 * gap between the two. No budget (platform level, or budgets on ad groups / ad sets): null.
 */
function budgetChange(e: EntityData, recommendedSpend: number) {
  const budget = e.dailyBudget;
  if (budget === null || budget <= 0 || !(e.currentDaily > 0))
    return { currentBudgetMicros: budget, budgetChangePct: null, proposedBudgetMicros: null };
  const pct = r2((recommendedSpend / e.currentDaily - 1) * 100);
  return {
    currentBudgetMicros: budget,
    budgetChangePct: pct,
    proposedBudgetMicros: Math.round(budget * (1 + pct / 100)),
  };
}

export function createAllocations({
  storage,
  clock,
  series,
}: {
  storage: Storage;
  clock: Clock;
  series: Pick<SeriesReader, 'assertEntity'>;
}) {
  /** One curve per entity, as a function of its daily budget; null when the data is too thin. */
  function fitEntity(e: EntityData, seed: number) {
    const spendWeeks = e.spend.filter((v) => v > 0).length;
    const total = e.spend.reduce((s, v) => s + v, 0);
    if (spendWeeks < MIN_SPEND_WEEKS || e.y.every((v) => v === 0) || total <= 0) return null;
    // From the entity's first week with data, as the series reader does.
    let start = 0;
    while (start < WEEKS && e.spend[start] === 0 && e.y[start] === 0) start++;
    const spend = e.spend.slice(start);
    const input: MmmInput = { panels: 1, y: e.y.slice(start), controls: [], media: [{ name: e.id, spend }] };
    const f = fitResponseCurves(input, {
      bootstrap: BOOTSTRAP,
      seed,
      maxEvaluations: 400,
      baseline: 'nonNegative',
    });
    const ch = f.channels[0];
    if (!ch) return null;
    const days = spend.length * 7;
    // The curve is of the fitted weeks' total; a daily budget d is a total of d × days.
    const perDay = (p: ChannelParams) => {
      const r = channelResponse(input, 0, p);
      return {
        response: (d: number) => r.response(d * days) / days,
        marginal: (d: number) => r.marginal(d * days),
      };
    };
    const point = perDay(ch.params);
    const observed = e.y.slice(start).reduce((s, v) => s + v, 0);
    // What the curve credits to spend over the weeks fitted cannot be more than was observed: the
    // baseline ≥ 0 constraint guarantees it; a fit that broke it anyway is not used.
    if (ch.contribution > observed * (1 + CONTRIBUTION_TOLERANCE)) return 'implausible' as const;
    const cur = e.currentDaily;
    const atCurrent = point.response(cur);
    return {
      ...point,
      draws: ch.draws.map(perDay),
      roas: ch.roas,
      r2: f.r2,
      observedPerDay: observed / days,
      baselineBound: f.baseline?.bound ?? 'none',
      // d log r / d log spend at the current spend: 1 for a straight line, lower as it saturates.
      elasticity: cur > 0 && atCurrent > 0 ? (point.marginal(cur) * cur) / atCurrent : null,
    };
  }

  async function allocate(ctx: Ctx, req: AllocationRequest) {
    if (req.target && 'roas' in req.target && req.objective !== 'revenue')
      throw invalidInput('A target ROAS needs objective revenue', { field: 'target' });
    if (req.target && 'cpaMicros' in req.target && req.objective !== 'conversions')
      throw invalidInput('A target CPA needs objective conversions', { field: 'target' });
    const data = await loadAllocationData({ storage, series, clock }, ctx, req);
    if (data.entities.length === 0) throw noData('No spend in the last 26 weeks: nothing to allocate');
    const known = new Set(data.entities.map((e) => e.id));
    const bounds = new Map<string, NonNullable<AllocationRequest['bounds']>[number]>();
    for (const [i, b] of (req.bounds ?? []).entries()) {
      if (bounds.has(b.entityId))
        throw invalidInput(`bounds name ${b.entityId} twice: give one entry per entity`, {
          field: `bounds.${i}.entityId`,
        });
      bounds.set(b.entityId, b);
    }
    for (const id of bounds.keys()) {
      if (known.has(id)) continue;
      // Another organization's (or no) campaign is not found; one of ours outside the request is a
      // 400 that says why.
      if (req.level === 'campaign')
        await storage.withTenant(ctx.organizationId, (trx) =>
          assertOwned(trx, ctx.organizationId, 'campaign', id),
        );
      throw invalidInput(
        req.level === 'campaign'
          ? `bounds name campaign ${id}, which is not among the campaigns allocated here (${req.clientId ? 'it belongs to another client, or ' : ''}it had no spend in the last 26 weeks)`
          : `bounds name platform ${id}, which had no spend in the last 26 weeks${req.clientId ? ' for this client' : ''} (platforms allocated: ${[...known].join(', ')})`,
        { field: 'bounds' },
      );
    }
    const warnings: string[] = [];
    const recent =
      req.level === 'campaign'
        ? await recentBudgetChanges(
            { storage, clock },
            ctx,
            data.entities.map((e) => e.id),
          )
        : new Map<string, RecentChange>();
    const band = req.maxChangePct / 100;
    const fitted = data.entities.map((e, i) => fitEntity(e, i + 1));
    const fits = fitted.map((f) => (f === 'implausible' ? null : f));
    const entities: AllocationEntity[] = data.entities.map((e, i) => {
      const f = fits[i];
      const b = bounds.get(e.id);
      const changed = recent.get(e.id);
      if (changed && !b) {
        warnings.push(
          changed.status === 'pending_approval'
            ? `${e.name}: a budget change waits for approval (${changed.proposalId}) — locked at its current spend until it is decided`
            : `${e.name}: its budget was changed on ${changed.at.slice(0, 10)} (${changed.proposalId}) — locked at its current spend for ${SETTLE_DAYS} days, until its spend shows the new budget`,
        );
        return {
          id: e.id,
          response: f?.response ?? (() => 0),
          marginal: f?.marginal ?? (() => 0),
          current: e.currentDaily,
          locked: true,
        };
      }
      if (!f) {
        warnings.push(
          fitted[i] === 'implausible'
            ? `${e.name}: its fitted curve credits its spend with more ${req.objective} than it reported — not used, locked at its current spend`
            : `${e.name}: too little data (fewer than ${MIN_SPEND_WEEKS} weeks with spend or no ${req.objective}) — locked at its current spend`,
        );
        return { id: e.id, response: () => 0, marginal: () => 0, current: e.currentDaily, locked: true };
      }
      if (f.baselineBound === 'baseline')
        warnings.push(
          `${e.name}: the free fit put its baseline below zero (its ${req.objective} rise with spend from no base level), so its curve is fitted with a baseline of 0 and credits its spend with all of its reported ${req.objective}, no more`,
        );
      else if (f.baselineBound === 'media')
        warnings.push(
          `${e.name}: its ${req.objective} do not rise with its spend in these weeks; its curve is flat (no return on spend), so the split cuts it first`,
        );
      if (f.baselineBound !== 'media' && f.elasticity !== null && f.elasticity >= NEAR_LINEAR)
        warnings.push(
          `${e.name}: its curve is nearly straight at its current spend (elasticity ${r2(f.elasticity)}): the data show no diminishing returns, so the split moves it to a bound of its range at its average return rather than to a measured optimum`,
        );
      // A side given in `bounds` replaces the default band's side; the other side of the band
      // gives way to it (a maximum of 0 pauses the entity even though the band's minimum is higher).
      const bandMin = e.currentDaily * (1 - band);
      const bandMax = e.currentDaily * (1 + band);
      const max = b?.maxDailyMicros ?? Math.max(bandMax, b?.minDailyMicros ?? 0);
      const min = b?.minDailyMicros ?? Math.min(bandMin, max);
      return {
        id: e.id,
        response: f.response,
        marginal: f.marginal,
        current: e.currentDaily,
        min,
        max,
        ...(b?.locked ? { locked: true } : {}),
      };
    });
    const currentTotal = data.entities.reduce((s, e) => s + e.currentDaily, 0);
    const budget = req.totalDailyBudgetMicros ?? currentTotal;
    if (!(budget > 0))
      throw invalidInput('There was no spend in the last 28 days: give totalDailyBudgetMicros');
    let result: AllocationResult;
    let target: {
      metric: 'roas' | 'cpaMicros';
      required: number;
      achieved: number | null;
      capBinds: boolean;
    } | null = null;
    if (req.target) {
      const goal = req.target;
      const roas = 'roas' in goal;
      const asked = 'roas' in goal ? goal.roas : goal.cpaMicros;
      // The target in the units it was asked in: ROAS, or CPA in micros (1 ÷ conversions per micro).
      const inUnits = (efficiency: number) =>
        roas ? efficiency : efficiency > 0 ? Math.round(1 / efficiency) : null;
      let t: ReturnType<typeof allocateForTarget>;
      try {
        t = allocateForTarget(
          entities,
          'roas' in goal ? { roas: goal.roas } : { cpa: goal.cpaMicros },
          budget,
        );
      } catch (e) {
        const best =
          e instanceof AppError
            ? (e.details as { bestEfficiency?: unknown } | undefined)?.bestEfficiency
            : null;
        if (typeof best !== 'number') throw e;
        throw invalidInput(
          roas
            ? `No budget within the bounds reaches ROAS ${asked}: the best is ${Number(inUnits(best)?.toPrecision(4))}`
            : `No budget within the bounds reaches a CPA of ${asked} micros: the best is ${inUnits(best) ?? 'none (no conversions)'}`,
          { field: 'target', metric: roas ? 'roas' : 'cpaMicros', best: inUnits(best) },
        );
      }
      result = t;
      target = {
        metric: roas ? 'roas' : 'cpaMicros',
        required: asked,
        achieved: inUnits(t.achievedEfficiency),
        capBinds: t.capBinds,
      };
    } else result = allocateBudget(entities, budget);
    const recommended = result.allocations.map((a) => a.spend);
    const current = data.entities.map((e) => e.currentDaily);
    // The recommended and the current split under each bootstrap refit of the curves (entities summed
    // draw by draw). The headline gain is the median over the refits: the split was chosen on the
    // point curves, so the gain under those same curves is biased upward (and with weakly identified
    // curves it can be far from what most refits say).
    const gains = Array.from({ length: BOOTSTRAP }, (_, k) =>
      fits.reduce((s, f, i) => {
        const d = f?.draws[k];
        return d ? s + d.response(recommended[i] as number) - d.response(current[i] as number) : s;
      }, 0),
    ).sort((a, b) => a - b);
    const q = (p: number) => gains[Math.min(gains.length - 1, Math.round(p * (gains.length - 1)))] as number;
    const interval = fits.some((f) => f && f.draws.length >= 2)
      ? { p05: q(0.05), p50: q(0.5), p95: q(0.95) }
      : null;
    const expectedGain = interval ? interval.p50 : result.gain;
    const amount = (v: number) =>
      req.objective === 'revenue'
        ? `${(v / 1e6).toFixed(2)} ${data.currency}`
        : `${Number(v.toPrecision(3))} conversions`;
    if (interval && result.gain !== null && interval.p05 < 0 && interval.p95 > 0)
      warnings.push(
        `The gain is uncertain: over the curves' bootstrap refits it runs from ${amount(interval.p05)} to ${amount(interval.p95)} per day (90%; median ${amount(interval.p50)}, ${amount(result.gain)} under the fitted curves), so the split may lose as well as gain`,
      );
    const revenue = req.objective === 'revenue';
    // Response per unit of spend at a spend: the curve's average (ROAS) and its slope (marginal ROAS).
    const averageAt = (f: (typeof fits)[number] | undefined, x: number) =>
      f && revenue && x > 0 ? r2(f.response(x) / x) : null;
    const marginalRoas = (m: number | null) => (m !== null && revenue ? r2(m) : null);
    const marginalCpa = (m: number | null) => (m !== null && !revenue && m > 0 ? Math.round(1 / m) : null);
    const allocations = result.allocations.map((a, i) => {
      const e = data.entities[i] as EntityData;
      const f = fits[i];
      const marginalNow = f ? f.marginal(e.currentDaily) : null;
      const marginalThen = f ? a.marginal : null;
      return {
        entityId: e.id,
        name: e.name,
        currentDailyMicros: Math.round(e.currentDaily),
        recommendedDailyMicros: Math.round(a.spend),
        changePct: e.currentDaily > 0 ? r2((a.spend / e.currentDaily - 1) * 100) : null,
        expectedResponse: f ? a.response : null,
        currentResponse: f ? a.currentResponse : null,
        observedResponse: f ? f.observedPerDay : null,
        marginalResponse: f ? a.marginal : null,
        binding: a.binding,
        fitted: f !== null,
        recentChange: recent.get(e.id) ?? null,
        ...budgetChange(e, a.spend),
        observedRoas: req.objective === 'revenue' ? observedRoas(e) : null,
        fittedRoas: f && req.objective === 'revenue' ? r2(f.roas) : null,
        // Before 1.2.0 the only ROAS given, and it was the fitted one; kept for existing readers.
        historicalRoas: f && req.objective === 'revenue' ? r2(f.roas) : null,
        currentMarginalResponse: marginalNow,
        fittedRoasAtCurrent: averageAt(f, e.currentDaily),
        fittedRoasAtRecommended: averageAt(f, a.spend),
        marginalRoasAtCurrent: marginalRoas(marginalNow),
        marginalRoasAtRecommended: marginalRoas(marginalThen),
        marginalCpaAtCurrentMicros: marginalCpa(marginalNow),
        marginalCpaAtRecommendedMicros: marginalCpa(marginalThen),
      };
    });
    // The marginal return the entities still free to move share at the optimum (the allocator's λ);
    // null when every entity is held or at a bound of its range.
    const free = result.allocations.some((a, i) => fits[i] && a.binding === null);
    const lambda = free ? result.lambda : null;
    const recommendedTotal = Math.round(result.totalSpend);
    const summary = describeAllocation({
      objective: req.objective,
      currency: data.currency,
      currentDailyMicros: Math.round(currentTotal),
      recommendedDailyMicros: recommendedTotal,
      askedDailyMicros: req.totalDailyBudgetMicros ?? null,
      maxChangePct: req.maxChangePct,
      expectedGain,
      gainInterval: interval,
      marginalResponse: lambda,
      level: req.level,
      target: target ? { metric: target.metric, required: target.required } : null,
    });
    const answer = {
      level: req.level,
      objective: req.objective,
      clientId: req.clientId ?? null,
      currency: data.currency,
      from: data.from,
      to: data.last,
      model: ALLOCATION_MODEL,
      modelVersion: ALLOCATION_MODEL_VERSION,
      totals: {
        currentDailyMicros: Math.round(currentTotal),
        recommendedDailyMicros: Math.round(result.totalSpend),
        expectedResponse: result.totalResponse,
        currentResponse: result.currentResponse,
        expectedGain,
        fittedGain: result.gain,
        gainInterval: interval,
        bindingCount: result.bindingCount,
        spendChangeMicros: recommendedTotal - Math.round(currentTotal),
        expectedGainNetOfSpend:
          revenue && expectedGain !== null
            ? expectedGain - (recommendedTotal - Math.round(currentTotal))
            : null,
        marginalResponse: lambda,
        marginalRoas: marginalRoas(lambda),
        marginalCpaMicros: marginalCpa(lambda),
      },
      summary,
      target,
      allocations,
      warnings,
    };
    const stored = await storeAllocation({ storage, clock }, ctx, req, { ...data, recent }, answer);
    // newRun: whether these inputs were stored now (the route audits only that) or answered again.
    return { ...answer, predictionId: stored.runId, newRun: stored.created };
  }

  return { allocate };
}
