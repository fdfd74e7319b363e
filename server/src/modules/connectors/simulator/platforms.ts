/**
 * Per-platform economics of the simulated campaigns: which campaign kinds each platform runs, their
 * formats, click-through and cost levels, how quickly their creatives wear out, weekly demand and
 * conversion-lag shape. Plausible ranges, not sourced benchmarks; the generator draws within them.
 */
import type { CreativeFormat } from '../connector.port.ts';
import type { SimPlatform } from './catalog.ts';

export type CampaignKind = 'search' | 'display' | 'video' | 'social' | 'sponsored' | 'text_ads';
export type Range = readonly [number, number];

export interface KindParams {
  label: string;
  objectives: string[];
  formats: ReadonlyArray<readonly [CreativeFormat, number]>;
  ctr: Range;
  /** Cost per thousand impressions, or (search) derived from a cost per click. */
  cpm: Range;
  cpc?: Range;
  viewRate: Range;
  /** An ad's audience holds this many days of its expected delivery. */
  audienceDays: Range;
  frequencyThreshold: Range;
  frequencyDecay: Range;
  ageThresholdDays: Range;
  ageDecay: Range;
  cpaMultiplier: number;
}

export const kinds: Record<CampaignKind, KindParams> = {
  search: {
    label: 'Search',
    objectives: ['SEARCH'],
    formats: [['text', 1]],
    ctr: [0.03, 0.07],
    cpm: [0, 0],
    cpc: [1.5, 4.5],
    viewRate: [0, 0],
    audienceDays: [400, 900],
    frequencyThreshold: [3, 5],
    frequencyDecay: [0.1, 0.1],
    ageThresholdDays: [20, 45],
    ageDecay: [0.008, 0.016],
    cpaMultiplier: 1,
  },
  display: {
    label: 'Display',
    objectives: ['DISPLAY'],
    formats: [['image', 1]],
    ctr: [0.004, 0.009],
    cpm: [3, 8],
    viewRate: [0, 0],
    audienceDays: [10, 25],
    frequencyThreshold: [1.5, 2.5],
    frequencyDecay: [0.15, 0.35],
    ageThresholdDays: [40, 70],
    ageDecay: [0.003, 0.007],
    cpaMultiplier: 1.6,
  },
  video: {
    label: 'YouTube',
    objectives: ['VIDEO'],
    formats: [['video', 1]],
    ctr: [0.003, 0.007],
    cpm: [8, 14],
    viewRate: [0.25, 0.4],
    audienceDays: [10, 25],
    frequencyThreshold: [1.5, 2.5],
    frequencyDecay: [0.15, 0.35],
    ageThresholdDays: [40, 70],
    ageDecay: [0.003, 0.007],
    cpaMultiplier: 2,
  },
  social: {
    label: 'Leads',
    objectives: ['OUTCOME_LEADS', 'OUTCOME_LEADS', 'OUTCOME_TRAFFIC'],
    formats: [
      ['image', 0.45],
      ['video', 0.35],
      ['carousel', 0.2],
    ],
    ctr: [0.008, 0.018],
    cpm: [7, 16],
    viewRate: [0.2, 0.35],
    audienceDays: [10, 22],
    frequencyThreshold: [1.5, 2.3],
    frequencyDecay: [0.15, 0.4],
    ageThresholdDays: [35, 60],
    ageDecay: [0.003, 0.008],
    cpaMultiplier: 0.8,
  },
  sponsored: {
    label: 'Sponsored Content',
    objectives: ['LEAD_GENERATION', 'WEBSITE_CONVERSIONS'],
    formats: [
      ['image', 0.5],
      ['video', 0.25],
      ['carousel', 0.25],
    ],
    ctr: [0.004, 0.009],
    cpm: [28, 60],
    viewRate: [0.15, 0.3],
    audienceDays: [10, 25],
    frequencyThreshold: [1.5, 2.5],
    frequencyDecay: [0.12, 0.3],
    ageThresholdDays: [40, 70],
    ageDecay: [0.003, 0.006],
    cpaMultiplier: 2.2,
  },
  text_ads: {
    label: 'Text Ads',
    objectives: ['WEBSITE_VISITS'],
    formats: [['text', 1]],
    ctr: [0.0015, 0.004],
    cpm: [6, 12],
    viewRate: [0, 0],
    audienceDays: [15, 40],
    frequencyThreshold: [2, 3.5],
    frequencyDecay: [0.1, 0.2],
    ageThresholdDays: [45, 80],
    ageDecay: [0.003, 0.006],
    cpaMultiplier: 2.8,
  },
};

export const kindMix: Record<SimPlatform, ReadonlyArray<readonly [CampaignKind, number]>> = {
  google_ads: [
    ['search', 0.6],
    ['display', 0.25],
    ['video', 0.15],
  ],
  meta: [['social', 1]],
  linkedin: [
    ['sponsored', 0.8],
    ['text_ads', 0.2],
  ],
};

/** Demand by ISO weekday (Mon..Sun) before per-account jitter: B2B dips at weekends, B2C peaks. */
export const weeklyShape: Record<SimPlatform, number[]> = {
  google_ads: [1.08, 1.1, 1.08, 1.05, 0.98, 0.82, 0.89],
  meta: [0.94, 0.93, 0.95, 0.97, 1.03, 1.09, 1.09],
  linkedin: [1.2, 1.22, 1.2, 1.15, 0.98, 0.6, 0.65],
};
export const delayRatio: Record<SimPlatform, Range> = {
  google_ads: [0.45, 0.65],
  meta: [0.3, 0.5],
  linkedin: [0.6, 0.8],
};
export const budgetFactor: Record<SimPlatform, number> = { google_ads: 1, meta: 0.9, linkedin: 0.8 };
