/**
 * The agency as parameters: clients, their three ad accounts, evergreen campaigns with a true
 * response curve, ad groups, and a stream of ads per creative "slot" that launch and retire on the
 * agency's own schedule. The world is stationary in absolute time (ads launch every few weeks
 * forever), so any reporting window looks like a going concern and moving the end date forward
 * never rewrites the past. Nothing here simulates a day; model.ts does.
 */
import type { CreativeRecord } from '../connector.port.ts';
import {
  type ClientProfile,
  callsToAction,
  clientProfiles,
  type SimPlatform,
  simPlatforms,
} from './catalog.ts';
import { budgetFactor, type CampaignKind, delayRatio, kindMix, kinds, weeklyShape } from './platforms.ts';
import { hashString, intBetween, pick, pickWeighted, type Rand, streamFor, uniform } from './random.ts';

export type { CampaignKind } from './platforms.ts';

export interface WorldConfig {
  seed: string;
  clients: number;
  scale: number;
  /** The first client's industry (a catalogue key); null lets the seed choose. */
  industry?: string | null;
}

/** Days of conversion lag the platforms attribute back to the click day (0 … 14). */
export const MAX_LAG_DAYS = 14;
/** No planned ad lives longer than this (slot period ≤ 60 days × life factor ≤ 2.4). */
export const MAX_PLAN_LIFE_DAYS = 150;
export const BUDGET_LEVELS = [0.6, 0.8, 1, 1, 1.2, 1.5] as const;

export interface FatigueParams {
  audienceSize: number;
  frequencyThreshold: number;
  frequencyDecay: number;
  ageThresholdDays: number;
  ageDecay: number;
}

export interface SimClient {
  index: number;
  externalId: string;
  name: string;
  profile: ClientProfile;
  leadValueMicros: number;
  dealValue: number;
  winRate: number;
  opportunityRate: number;
}

export interface SimAccount {
  externalId: string;
  client: SimClient;
  platform: SimPlatform;
  name: string;
  hash: number;
  /** Multipliers by ISO weekday on paced spend and on the response curve. */
  seasonality: { spend: number[]; conversion: number[] };
  /** P(conversion is recorded d days after its click), d = 0 … MAX_LAG_DAYS; sums to 1. */
  conversionDelay: number[];
  campaigns: SimCampaign[];
}

export interface SimCampaign {
  externalId: string;
  account: SimAccount;
  name: string;
  kind: CampaignKind;
  theme: string;
  objective: string;
  hash: number;
  baseBudgetMicros: number;
  budgetPlan: { blockDays: number; phaseDays: number };
  hill: { beta: number; halfSaturationMicros: number; shape: number };
  trend: { amplitude: number; periodDays: number; phaseDays: number };
  utilization: number;
  adGroups: SimAdGroup[];
}

export interface SimAdGroup {
  externalId: string;
  campaign: SimCampaign;
  name: string;
  weight: number;
  slots: Array<{ index: number; periodDays: number; phaseDays: number }>;
}

export interface SimAd {
  externalId: string;
  group: SimAdGroup;
  campaign: SimCampaign;
  name: string;
  hash: number;
  launchDay: number;
  /** First day the agency's plan no longer runs the ad. */
  retireDay: number;
  creative: CreativeRecord;
  baseCtr: number;
  baseCpmMicros: number;
  /** Planned-budget delivery of a typical day, for sizing audiences and picking anomalies. */
  expectedDailyClicks: number;
  viewRate: number | null;
  quality: number;
  fatigue: FatigueParams;
}

export interface SimWorld {
  config: WorldConfig;
  clients: SimClient[];
  accounts: SimAccount[];
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
const normalise = (xs: number[]) => {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return xs.map((x) => round(x / mean, 4));
};

export function buildWorld(config: WorldConfig): SimWorld {
  const clients: SimClient[] = [];
  const accounts: SimAccount[] = [];
  // Different seeds start at different clients, so one-client agencies differ by seed too.
  const chosen = clientProfiles.findIndex((p) => p.key === config.industry);
  const offset = chosen >= 0 ? chosen : hashString(`${config.seed}|agency`) % clientProfiles.length;
  for (let i = 1; i <= config.clients; i++) {
    const profile = clientProfiles[(offset + i - 1) % clientProfiles.length]!;
    const cycle = Math.floor((i - 1) / clientProfiles.length);
    const r = streamFor(`${config.seed}|client|${i}`);
    const client: SimClient = {
      index: i,
      externalId: `sim-${config.seed}-${i}`,
      name: cycle ? `${profile.name} ${cycle + 1}` : profile.name,
      profile,
      leadValueMicros: Math.round(profile.leadValue * uniform(r, 0.8, 1.2)) * 1_000_000,
      dealValue: profile.dealValue * uniform(r, 0.8, 1.25),
      winRate: round(profile.winRate * uniform(r, 0.8, 1.2), 3),
      opportunityRate: round(profile.opportunityRate * uniform(r, 0.9, 1.1), 3),
    };
    clients.push(client);
    for (const platform of simPlatforms) accounts.push(buildAccount(config, client, platform));
  }
  return { config, clients, accounts };
}

const platformLabel: Record<SimPlatform, string> = {
  google_ads: 'Google Ads',
  meta: 'Meta',
  linkedin: 'LinkedIn',
};

function buildAccount(config: WorldConfig, client: SimClient, platform: SimPlatform): SimAccount {
  const externalId = `${client.externalId}-${platform}`;
  const r = streamFor(`${externalId}|account`);
  const shape = weeklyShape[platform].map((x) => x * uniform(r, 0.97, 1.03));
  const ratio = uniform(r, ...delayRatio[platform]);
  const raw = Array.from({ length: MAX_LAG_DAYS + 1 }, (_, d) => ratio ** d);
  const total = raw.reduce((s, x) => s + x, 0);
  const delay = raw.map((x) => round(x / total, 6));
  delay[0] = round(1 - delay.slice(1).reduce((s, x) => s + x, 0), 6);
  const account: SimAccount = {
    externalId,
    client,
    platform,
    name: `${client.name} (${platformLabel[platform]})`,
    hash: hashString(externalId),
    seasonality: { spend: normalise(shape.map(Math.sqrt)), conversion: normalise(shape.map(Math.sqrt)) },
    conversionDelay: delay,
    campaigns: [],
  };
  const n = Math.max(1, Math.round(intBetween(r, 2, 4) * config.scale));
  const themes = client.profile.themes;
  for (let c = 1; c <= n; c++)
    account.campaigns.push(buildCampaign(account, c, themes[(c - 1) % themes.length]!));
  return account;
}

function buildCampaign(account: SimAccount, index: number, theme: string): SimCampaign {
  const externalId = `${account.externalId}-c${index}`;
  const r = streamFor(`${externalId}|campaign`);
  const kind = pickWeighted(r, kindMix[account.platform]);
  const k = kinds[kind];
  const budget = Math.max(
    5,
    Math.round(account.client.profile.campaignBudget * budgetFactor[account.platform] * uniform(r, 0.5, 1.6)),
  );
  const baseBudgetMicros = budget * 1_000_000;
  const shape = round(uniform(r, 0.8, 1.3), 4);
  const halfSaturationMicros = Math.round(baseBudgetMicros * uniform(r, 0.7, 1.8));
  const cpaAtBudget = account.client.profile.baseCpa * k.cpaMultiplier * uniform(r, 0.8, 1.25);
  // beta chosen so that the planned budget buys leads at cpaAtBudget: hill(B) = B / cpa.
  const beta = round((budget / cpaAtBudget) * (1 + (halfSaturationMicros / baseBudgetMicros) ** shape), 6);
  const periodDays = intBetween(r, 180, 420);
  const campaign: SimCampaign = {
    externalId,
    account,
    name: `${k.label} – ${theme}`,
    kind,
    theme,
    objective: pick(r, k.objectives),
    hash: hashString(externalId),
    baseBudgetMicros,
    budgetPlan: { blockDays: intBetween(r, 21, 56), phaseDays: intBetween(r, 0, 55) },
    hill: { beta, halfSaturationMicros, shape },
    trend: {
      amplitude: round(uniform(r, 0.05, 0.2), 4),
      periodDays,
      phaseDays: intBetween(r, 0, periodDays - 1),
    },
    utilization: round(uniform(r, 0.86, 0.98), 4),
    adGroups: [],
  };
  const groups = intBetween(r, 2, 3);
  for (let g = 1; g <= groups; g++) {
    const gr = streamFor(`${externalId}-g${g}|group`);
    const slots = gr() < 0.75 ? 2 : 3;
    campaign.adGroups.push({
      externalId: `${externalId}-g${g}`,
      campaign,
      name: `${theme} – ${['Broad', 'Lookalike', 'Retargeting', 'Interests', 'Exact'][(g - 1) % 5]}`,
      weight: round(uniform(gr, 0.6, 1.4), 4),
      slots: Array.from({ length: slots }, (_, s) => {
        const periodDays = intBetween(gr, 35, 60);
        return { index: s + 1, periodDays, phaseDays: intBetween(gr, 0, periodDays - 1) };
      }),
    });
  }
  return campaign;
}

/** The planned daily budget on a day: the base budget times the level of the plan's block. */
export function plannedBudgetMicros(c: SimCampaign, day: number): number {
  const block = Math.floor((day + c.budgetPlan.phaseDays) / c.budgetPlan.blockDays);
  const level = pick(streamFor(`${c.externalId}|budget|${block}`), BUDGET_LEVELS);
  return Math.round((c.baseBudgetMicros * level) / 1_000_000) * 1_000_000;
}

/** Every planned ad of the group that runs on some day of [fromDay, toDay]. */
export function adsOfGroup(group: SimAdGroup, fromDay: number, toDay: number): SimAd[] {
  const out: SimAd[] = [];
  for (const slot of group.slots) {
    const kMin = Math.floor((fromDay - MAX_PLAN_LIFE_DAYS - slot.phaseDays) / slot.periodDays) - 1;
    const kMax = Math.floor((toDay - slot.phaseDays) / slot.periodDays);
    for (let k = kMin; k <= kMax; k++) {
      const ad = buildAd(group, slot, k);
      if (ad.launchDay <= toDay && ad.retireDay > fromDay) out.push(ad);
    }
  }
  return out;
}

/** Rebuilds a planned ad from its id (`<ad group id>-s<slot>k<k>`), or undefined. */
export function findAd(account: SimAccount, externalId: string): SimAd | undefined {
  const m = /^(.*)-s(\d+)k(-?\d+)$/.exec(externalId);
  if (!m) return undefined;
  const group = account.campaigns.flatMap((c) => c.adGroups).find((g) => g.externalId === m[1]);
  const slot = group?.slots.find((s) => s.index === Number(m[2]));
  return group && slot ? buildAd(group, slot, Number(m[3])) : undefined;
}

function buildAd(group: SimAdGroup, slot: SimAdGroup['slots'][number], k: number): SimAd {
  const campaign = group.campaign;
  const account = campaign.account;
  const externalId = `${group.externalId}-s${slot.index}k${k}`;
  const r: Rand = streamFor(`${externalId}|ad`);
  const kp = kinds[campaign.kind];
  const launchDay = k * slot.periodDays + slot.phaseDays + intBetween(r, 0, Math.floor(slot.periodDays / 4));
  const retireDay = launchDay + Math.round(slot.periodDays * uniform(r, 1.1, 2.4));
  const format = pickWeighted(r, kp.formats);
  const formatCtr = format === 'video' && campaign.kind === 'social' ? 0.8 : format === 'carousel' ? 1.25 : 1;
  const baseCtr = round(uniform(r, ...kp.ctr) * formatCtr, 5);
  const cpm = kp.cpc ? uniform(r, ...kp.cpc) * baseCtr * 1000 : uniform(r, ...kp.cpm);
  const baseCpmMicros = Math.round(cpm * 1_000_000);
  const totalWeight = campaign.adGroups.reduce((s, g) => s + g.weight, 0);
  const expectedSpend = (campaign.baseBudgetMicros * group.weight) / totalWeight / (group.slots.length * 1.5);
  const expectedImpressions = (expectedSpend / baseCpmMicros) * 1000;
  const profile = account.client.profile;
  const headline = pick(r, profile.headlines);
  const ext = format === 'video' ? 'mp4' : 'jpg';
  const utm = utmFor(account.platform);
  const landing = new URL(`https://www.${profile.slug}.example.com/${slugify(campaign.theme)}`);
  landing.search = new URLSearchParams({
    utm_source: utm.source,
    utm_medium: utm.medium,
    utm_campaign: campaign.externalId,
    utm_content: externalId,
  }).toString();
  return {
    externalId,
    group,
    campaign,
    name: `${campaign.theme} | ${format} | ${headline}`,
    hash: hashString(externalId),
    launchDay,
    retireDay,
    creative: {
      externalId: `${externalId}-cr`,
      format,
      headline,
      body: pick(r, profile.bodies),
      callToAction: campaign.kind === 'search' ? null : pick(r, callsToAction[account.platform]),
      mediaUrl: format === 'text' ? null : `https://cdn.example.com/sim/${externalId}.${ext}`,
      landingUrl: landing.toString(),
    },
    baseCtr,
    baseCpmMicros,
    expectedDailyClicks: expectedImpressions * baseCtr,
    viewRate: format === 'video' ? round(uniform(r, ...kp.viewRate), 4) : null,
    quality: round(uniform(r, 0.6, 1.4), 4),
    fatigue: {
      audienceSize: Math.max(1000, Math.round(expectedImpressions * uniform(r, ...kp.audienceDays))),
      frequencyThreshold: round(uniform(r, ...kp.frequencyThreshold), 4),
      frequencyDecay: round(uniform(r, ...kp.frequencyDecay), 4),
      ageThresholdDays: intBetween(r, kp.ageThresholdDays[0], kp.ageThresholdDays[1]),
      ageDecay: round(uniform(r, ...kp.ageDecay), 5),
    },
  };
}

export function utmFor(platform: SimPlatform): { source: string; medium: string } {
  if (platform === 'google_ads') return { source: 'google', medium: 'cpc' };
  if (platform === 'meta') return { source: 'facebook', medium: 'paid_social' };
  return { source: 'linkedin', medium: 'paid_social' };
}

const slugify = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
