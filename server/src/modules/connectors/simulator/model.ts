/**
 * The day-by-day generative model of one ad account. Per campaign and day: a paced spend from the
 * budget, split over live ad groups and ads; per ad: impressions at a CPM, clicks at a CTR that
 * wears out with exposure and age, video views, reach; per campaign: conversions from a Hill
 * response curve of the day's spend, shared over the ads by clicks. Spend allocation never looks
 * at another ad's history, so every ad's state is an exact function of its own launch onwards
 * (and of the write-backs), whatever window is being simulated. See README.md for the equations.
 */

import { budgetOn, type Controls, isDelivering } from './controls.ts';
import {
  adsOfGroup,
  MAX_PLAN_LIFE_DAYS,
  plannedBudgetMicros,
  type SimAccount,
  type SimAd,
} from './generator.ts';
import { binomial, gammaNoise, mixSeed, poisson, streamAt, streamFor, uniform, weekday } from './random.ts';

/** Fatigue onset: the first delivered day the true CTR multiplier is below this share of fresh. */
export const FATIGUE_THRESHOLD = 0.8;
/** The multiplier never falls below this (a worn-out ad still gets some clicks). */
export const FATIGUE_FLOOR = 0.2;

export type AnomalyKind = 'spend_spike' | 'ctr_collapse' | 'tracking_break' | 'cost_surge';
export interface AnomalyWindow {
  accountExternalId: string;
  adExternalId: string | null;
  kind: AnomalyKind;
  fromDay: number;
  toDay: number;
  /** spend × m, CTR × m, share of conversions still recorded = m, CPM × m. */
  magnitude: number;
}

export interface AdSeries {
  ad: SimAd;
  impressions: Int32Array;
  clicks: Int32Array;
  spendMicros: Float64Array;
  videoViews: Int32Array;
  reach: Int32Array;
  /** True conversions attributed to the click day (before lag and tracking losses). */
  conversions: Int32Array;
  /** True fatigue multiplier in force each day (exposure before that day); NaN before launch. */
  multiplier: Float64Array;
  fatigueOnsetDay: number | null;
}

export interface CampaignSeries {
  spendMicros: Float64Array;
  /** Expected conversions: hill(spend / costFactor) × season × trend × creative health. */
  expectedConversions: Float64Array;
  health: Float64Array;
}

export interface AccountSimulation {
  account: SimAccount;
  /** Arrays are indexed by day − firstDay. */
  firstDay: number;
  endDay: number;
  ads: AdSeries[];
  campaigns: Map<string, CampaignSeries>;
  anomalies: AnomalyWindow[];
}

export function fatigueMultiplier(
  f: SimAd['fatigue'],
  cumulativeImpressions: number,
  activeDays: number,
): number {
  const frequency = cumulativeImpressions / f.audienceSize;
  const m =
    Math.exp(-f.frequencyDecay * Math.max(0, frequency - f.frequencyThreshold)) *
    Math.exp(-f.ageDecay * Math.max(0, activeDays - f.ageThresholdDays));
  return Math.max(FATIGUE_FLOOR, m);
}

export function hill(c: SimAccount['campaigns'][number]['hill'], spendMicros: number): number {
  if (spendMicros <= 0) return 0;
  return c.beta / (1 + (c.halfSaturationMicros / spendMicros) ** c.shape);
}

export function trendAt(
  t: { amplitude: number; periodDays: number; phaseDays: number },
  day: number,
): number {
  return 1 + t.amplitude * Math.sin((2 * Math.PI * (day + t.phaseDays)) / t.periodDays);
}

/** New ads ramp up over three days; the platform then slowly favours fresher creative. */
const ageWeight = (age: number) => Math.min(1, (age + 1) / 3) * (0.35 + 0.65 * Math.exp(-age / 40));

const ANOMALY_BLOCK_DAYS = 42;
const anomalyKinds: AnomalyKind[] = ['spend_spike', 'ctr_collapse', 'tracking_break', 'cost_surge'];
const anomalyShape: Record<AnomalyKind, { days: [number, number]; magnitude: [number, number] }> = {
  spend_spike: { days: [1, 3], magnitude: [2, 3.5] },
  ctr_collapse: { days: [2, 5], magnitude: [0.15, 0.35] },
  tracking_break: { days: [2, 6], magnitude: [0, 0.1] },
  cost_surge: { days: [3, 7], magnitude: [1.6, 2.5] },
};

/** At most one anomaly per account per 42-day block (probability 0.65), placed and sized by seed. */
export function anomaliesOf(
  account: SimAccount,
  ads: SimAd[],
  fromDay: number,
  toDay: number,
): AnomalyWindow[] {
  const out: AnomalyWindow[] = [];
  for (
    let b = Math.floor(fromDay / ANOMALY_BLOCK_DAYS) - 1;
    b <= Math.floor(toDay / ANOMALY_BLOCK_DAYS);
    b++
  ) {
    const r = streamFor(`${account.externalId}|anomaly|${b}`);
    if (r() >= 0.65) continue;
    const kind = anomalyKinds[Math.floor(r() * anomalyKinds.length)]!;
    const shape = anomalyShape[kind];
    const start = b * ANOMALY_BLOCK_DAYS + Math.floor(r() * (ANOMALY_BLOCK_DAYS - 6));
    const end = start + shape.days[0] + Math.floor(r() * (shape.days[1] - shape.days[0] + 1)) - 1;
    const magnitude = Number(uniform(r, ...shape.magnitude).toFixed(4));
    let adExternalId: string | null = null;
    if (kind === 'ctr_collapse') {
      // Only an ad expected to get a visible number of clicks (≥ 8 a day) can show a collapse.
      const clicksAt = (a: SimAd) => a.expectedDailyClicks * ageWeight(start - a.launchDay);
      const candidates = ads
        .filter((a) => a.launchDay <= start - 7 && a.retireDay > end && clicksAt(a) >= 8)
        .sort((x, y) => x.externalId.localeCompare(y.externalId));
      if (candidates.length === 0) continue;
      adExternalId = candidates[Math.floor(r() * candidates.length)]!.externalId;
    }
    if (end < fromDay || start > toDay) continue;
    out.push({
      accountExternalId: account.externalId,
      adExternalId,
      kind,
      fromDay: start,
      toDay: end,
      magnitude,
    });
  }
  return out;
}

/**
 * Simulates the account from far enough back that every ad running in [windowStartDay, endDay] is
 * followed from its launch, through endDay.
 */
export function simulateAccount(
  account: SimAccount,
  windowStartDay: number,
  endDay: number,
  controls: Controls,
): AccountSimulation {
  let firstDay = windowStartDay - MAX_PLAN_LIFE_DAYS;
  for (const day of controls.touchedAdLaunchDays.values()) firstDay = Math.min(firstDay, day);
  const span = endDay - firstDay + 1;
  const groups = account.campaigns.flatMap((c) => c.adGroups);
  const adsByGroup = new Map(groups.map((g) => [g.externalId, adsOfGroup(g, firstDay, endDay)]));
  const allAds = [...adsByGroup.values()].flat();
  const anomalies = anomaliesOf(account, allAds, firstDay, endDay);
  const series = new Map<string, AdSeries>();
  for (const ad of allAds)
    series.set(ad.externalId, {
      ad,
      impressions: new Int32Array(span),
      clicks: new Int32Array(span),
      spendMicros: new Float64Array(span),
      videoViews: new Int32Array(span),
      reach: new Int32Array(span),
      conversions: new Int32Array(span),
      multiplier: new Float64Array(span).fill(Number.NaN),
      fatigueOnsetDay: null,
    });
  const exposure = new Map(allAds.map((a) => [a.externalId, { impressions: 0, activeDays: 0 }]));
  const campaigns = new Map<string, CampaignSeries>();
  for (const c of account.campaigns)
    campaigns.set(c.externalId, {
      spendMicros: new Float64Array(span),
      expectedConversions: new Float64Array(span),
      health: new Float64Array(span),
    });
  const isMeta = account.platform === 'meta';

  for (let day = firstDay; day <= endDay; day++) {
    const i = day - firstDay;
    const dow = weekday(day);
    let spendFactor = 1;
    let costFactor = 1;
    const ctrFactor = new Map<string, number>();
    for (const a of anomalies) {
      if (day < a.fromDay || day > a.toDay) continue;
      if (a.kind === 'spend_spike') spendFactor *= a.magnitude;
      else if (a.kind === 'cost_surge') costFactor *= a.magnitude;
      else if (a.kind === 'ctr_collapse' && a.adExternalId) ctrFactor.set(a.adExternalId, a.magnitude);
    }
    for (const campaign of account.campaigns) {
      if (!isDelivering(controls, campaign.externalId, day)) continue;
      const live = campaign.adGroups
        .filter((g) => isDelivering(controls, g.externalId, day))
        .map((g) => ({
          group: g,
          ads: adsByGroup.get(g.externalId)!.filter((a) => isDelivering(controls, a.externalId, day, a)),
        }))
        .filter((x) => x.ads.length > 0);
      if (live.length === 0) continue;
      const budget = budgetOn(controls, campaign, day, plannedBudgetMicros);
      const rc = streamAt(campaign.hash, day, 1);
      const paced =
        Math.min(
          2 * budget,
          budget * campaign.utilization * account.seasonality.spend[dow]! * gammaNoise(rc, 30),
        ) * spendFactor;
      const auction = ((paced / campaign.baseBudgetMicros) ** 0.15 || 1) * costFactor;
      const groupWeight = live.reduce((s, x) => s + x.group.weight, 0);
      let totalSpend = 0;
      let totalClicks = 0;
      let healthSpend = 0;
      const delivered: AdSeries[] = [];
      for (const { group, ads } of live) {
        const groupSpend = (paced * group.weight) / groupWeight;
        const weights = ads.map((a) => a.quality * ageWeight(day - a.launchDay));
        const weightSum = weights.reduce((s, w) => s + w, 0);
        ads.forEach((ad, j) => {
          const s = series.get(ad.externalId)!;
          const ex = exposure.get(ad.externalId)!;
          const m = fatigueMultiplier(ad.fatigue, ex.impressions, ex.activeDays);
          s.multiplier[i] = m;
          const spend = Math.round((groupSpend * weights[j]!) / weightSum / 10_000) * 10_000;
          const r = streamAt(ad.hash, day, 2);
          const cpm = ad.baseCpmMicros * auction * gammaNoise(r, 50);
          const impressions = poisson(r, (spend / cpm) * 1000);
          if (impressions === 0 || spend === 0) return;
          const x = ctrFactor.get(ad.externalId) ?? 1;
          const ctr = Math.min(0.5, ad.baseCtr * m * x * gammaNoise(r, 60));
          const clicks = binomial(r, impressions, ctr);
          s.impressions[i] = impressions;
          s.clicks[i] = clicks;
          s.spendMicros[i] = spend;
          s.videoViews[i] = ad.viewRate === null ? 0 : binomial(r, impressions, ad.viewRate);
          const audience = ad.fatigue.audienceSize;
          if (isMeta)
            s.reach[i] = Math.max(1, Math.round(audience * (1 - Math.exp(-impressions / audience))));
          if (m < FATIGUE_THRESHOLD && s.fatigueOnsetDay === null) s.fatigueOnsetDay = day;
          ex.impressions += impressions;
          ex.activeDays += 1;
          totalSpend += spend;
          totalClicks += clicks;
          healthSpend += spend * m * x;
          delivered.push(s);
        });
      }
      if (totalSpend === 0) continue;
      const cs = campaigns.get(campaign.externalId)!;
      const health = healthSpend / totalSpend;
      const expected =
        hill(campaign.hill, totalSpend / costFactor) *
        account.seasonality.conversion[dow]! *
        trendAt(campaign.trend, day) *
        health;
      cs.spendMicros[i] = totalSpend;
      cs.health[i] = health;
      cs.expectedConversions[i] = expected;
      if (totalClicks === 0) continue;
      const rv = streamAt(campaign.hash, day, 3);
      for (const s of delivered) s.conversions[i] = poisson(rv, (expected * s.clicks[i]!) / totalClicks);
    }
  }
  return { account, firstDay, endDay, ads: [...series.values()], campaigns, anomalies };
}

/**
 * When each of the `n` conversions of an ad's click day is recorded (lag in days, drawn from the
 * account's delay distribution) and a uniform that decides whether a tracking break loses it.
 */
export function conversionEvents(
  ad: SimAd,
  day: number,
  n: number,
  delay: readonly number[],
): Array<{ lag: number; keep: number }> {
  const r = streamAt(ad.hash, day, 4);
  const out: Array<{ lag: number; keep: number }> = [];
  for (let k = 0; k < n; k++) {
    const u = r();
    let lag = 0;
    let acc = delay[0]!;
    while (u > acc && lag < delay.length - 1) acc += delay[++lag]!;
    out.push({ lag, keep: r() });
  }
  return out;
}

/** A seed for CRM details of one ad's click day (separate from the metrics streams). */
export const crmSeed = (ad: SimAd, day: number) => mixSeed(ad.hash, day, 5);
