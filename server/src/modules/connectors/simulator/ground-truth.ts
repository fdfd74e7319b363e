/**
 * The simulator's ground truth, for scoring predictions against it: per ad the day fatigue set in
 * (and the parameters that made it), the injected anomaly windows, each campaign's true response
 * curve, each account's weekly seasonality and conversion-delay distribution. It is computed by the
 * same code that generates the data, for the same connection settings and write-backs.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSimulatorConfig, type SimulatorExtra } from './config.ts';
import { createEngine } from './engine.ts';
import type { FatigueParams } from './generator.ts';
import { type AnomalyKind, FATIGUE_FLOOR, FATIGUE_THRESHOLD } from './model.ts';
import { dateOf } from './random.ts';
import { listedAds } from './reports.ts';
import type { SimulatorActionRecord, SimulatorStateStore } from './state.ts';

export interface SimulatorGroundTruth {
  version: 1;
  seed: string;
  window: { from: string; to: string };
  clients: number;
  scale: number;
  industry: string | null;
  /** Onset = first delivered day whose true CTR multiplier is below this (fresh creative = 1). */
  fatigueThreshold: number;
  fatigueFloor: number;
  /** Every ad the platform lists in the window; null when not fatigued by the end date. */
  fatigueOnset: Record<string, string | null>;
  fatigue: Record<string, FatigueParams & { launchDate: string; baseCtr: number }>;
  /** Windows clipped to the reporting window; kept only where the affected entity delivered. */
  anomalies: Array<{
    accountExternalId: string;
    adExternalId: string | null;
    kind: AnomalyKind;
    from: string;
    to: string;
    magnitude: number;
  }>;
  responseCurves: Record<
    string,
    {
      form: 'hill';
      accountExternalId: string;
      currency: string;
      beta: number;
      halfSaturationMicros: number;
      shape: number;
      trend: { amplitude: number; periodDays: number; phaseDays: number };
      baseBudgetMicros: number;
    }
  >;
  /**
   * Per campaign and window day (index 0 = window.from): the noise-free expected conversions of the
   * day (the response curve at the day's actual spend, with every modifier) and the creative
   * health that entered it; 0 on days without spend.
   */
  campaignDays: Record<string, { expectedConversions: number[]; creativeHealth: number[] }>;
  /** Monday..Sunday multipliers on paced spend and on the response curve. */
  weeklySeasonality: Record<string, { spend: number[]; conversion: number[] }>;
  /** P(recorded d days after the click), d = 0..14. */
  conversionDelay: Record<string, number[]>;
  equations: Record<string, string>;
}

const equations: Record<string, string> = {
  responseCurve:
    'E[conversions(campaign, day)] = beta / (1 + (halfSaturationMicros / (spendMicros / costSurge))^shape) ' +
    '* weeklySeasonality.conversion[weekday] * (1 + amplitude * sin(2*pi*(dayNumber + phaseDays) / periodDays)) ' +
    '* creativeHealth, with dayNumber = days since 1970-01-01 and creativeHealth = spend-weighted mean over ' +
    'delivering ads of fatigueMultiplier * ctrCollapse (1 when fresh and no anomaly)',
  fatigueMultiplier:
    'max(fatigueFloor, exp(-frequencyDecay * max(0, cumulativeImpressions / audienceSize - frequencyThreshold)) ' +
    '* exp(-ageDecay * max(0, activeDays - ageThresholdDays))), from impressions and delivered days before that day',
  ctr: 'clicks ~ Binomial(impressions, baseCtr * fatigueMultiplier * ctrCollapse * Gamma(60)/60)',
  conversionLag: 'each conversion of a click day is recorded lag days later, lag ~ conversionDelay[account]',
  anomalies:
    'spend_spike: spend x magnitude; ctr_collapse: CTR x magnitude; tracking_break: a conversion recorded inside ' +
    'the window is kept with probability magnitude; cost_surge: CPM x magnitude and curve input spend / magnitude',
};

export function simulatorGroundTruth(
  extra: SimulatorExtra,
  opts: { actions?: readonly SimulatorActionRecord[]; now?: Date } = {},
): SimulatorGroundTruth {
  const config = parseSimulatorConfig(extra, opts.now);
  const engine = createEngine();
  const actions = opts.actions ?? [];
  const world = engine.world(config);
  const from = config.windowStartDay;
  const to = config.endDay;
  const truth: SimulatorGroundTruth = {
    version: 1,
    seed: config.seed,
    window: { from: dateOf(from), to: dateOf(to) },
    clients: config.clients,
    scale: config.scale,
    industry: config.industry,
    fatigueThreshold: FATIGUE_THRESHOLD,
    fatigueFloor: FATIGUE_FLOOR,
    fatigueOnset: {},
    fatigue: {},
    anomalies: [],
    responseCurves: {},
    campaignDays: {},
    weeklySeasonality: {},
    conversionDelay: {},
    equations,
  };
  for (const account of world.accounts) {
    const { sim, controls } = engine.simulate(config, account, actions);
    truth.weeklySeasonality[account.externalId] = account.seasonality;
    truth.conversionDelay[account.externalId] = account.conversionDelay;
    const windowDays = (xs: Float64Array) =>
      Array.from(xs.subarray(from - sim.firstDay, to - sim.firstDay + 1), (x) => Number(x.toFixed(6)));
    for (const c of account.campaigns) {
      const days = sim.campaigns.get(c.externalId)!;
      truth.campaignDays[c.externalId] = {
        expectedConversions: windowDays(days.expectedConversions),
        creativeHealth: windowDays(days.health),
      };
      truth.responseCurves[c.externalId] = {
        form: 'hill',
        accountExternalId: account.externalId,
        currency: account.client.profile.currency,
        ...c.hill,
        trend: c.trend,
        baseBudgetMicros: c.baseBudgetMicros,
      };
    }
    const listed = listedAds(sim, controls, from);
    for (const s of listed) {
      const onset = s.fatigueOnsetDay;
      truth.fatigueOnset[s.ad.externalId] = onset === null ? null : dateOf(onset);
      truth.fatigue[s.ad.externalId] = {
        ...s.ad.fatigue,
        launchDate: dateOf(s.ad.launchDay),
        baseCtr: s.ad.baseCtr,
      };
    }
    const delivered = (fromDay: number, toDay: number, adId: string | null) =>
      sim.ads.some((s) => {
        if (adId !== null && s.ad.externalId !== adId) return false;
        for (let d = fromDay; d <= toDay; d++) if (s.impressions[d - sim.firstDay]! > 0) return true;
        return false;
      });
    for (const a of sim.anomalies) {
      const f = Math.max(a.fromDay, from);
      const t = Math.min(a.toDay, to);
      if (f > t || !delivered(f, t, a.adExternalId)) continue;
      truth.anomalies.push({
        accountExternalId: a.accountExternalId,
        adExternalId: a.adExternalId,
        kind: a.kind,
        from: dateOf(f),
        to: dateOf(t),
        magnitude: a.magnitude,
      });
    }
  }
  return truth;
}

/** Writes ground-truth.json (atomically) into `dir`, with the store's write-backs if given. */
export async function writeGroundTruth(
  dir: string,
  extra: SimulatorExtra,
  opts: { store?: SimulatorStateStore; now?: Date } = {},
): Promise<string> {
  const config = parseSimulatorConfig(extra, opts.now);
  const state = opts.store ? await opts.store.load(config.stateKey) : undefined;
  const truth = simulatorGroundTruth(extra, {
    actions: state?.actions ?? [],
    ...(opts.now ? { now: opts.now } : {}),
  });
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'ground-truth.json');
  await writeFile(`${path}.tmp`, `${JSON.stringify(truth, null, 1)}\n`);
  await rename(`${path}.tmp`, path);
  return path;
}
