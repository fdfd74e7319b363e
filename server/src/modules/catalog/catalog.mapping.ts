/** Rows of the advertising model as the API shows them: camelCase, money as numbers of micros. */
import type { AdAccountsTable, AdGroupsTable, AdsTable, CampaignsTable } from '../../storage/schema.ts';

export interface AdAccount {
  id: string;
  connectionId: string;
  clientId: string | null;
  platform: string;
  externalId: string;
  name: string;
  currency: string;
  timeZone: string;
  status: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

interface EntityBase {
  id: string;
  adAccountId: string;
  clientId: string | null;
  platform: string;
  externalId: string;
  name: string;
  status: string;
  currency: string;
  firstSeenAt: string;
  updatedAt: string;
}

export interface Campaign extends EntityBase {
  objective: string | null;
  dailyBudgetMicros: number | null;
  lifetimeBudgetMicros: number | null;
  startDate: string | null;
  endDate: string | null;
}

export interface AdGroup extends EntityBase {
  campaignId: string;
  dailyBudgetMicros: number | null;
}

export interface Creative {
  externalId: string | null;
  format: string;
  headline: string | null;
  body: string | null;
  callToAction: string | null;
  mediaUrl: string | null;
  landingUrl: string | null;
  firstSeenAt: string;
}

export interface Ad extends EntityBase {
  campaignId: string;
  adGroupId: string;
  platformCreatedAt: string | null;
  creative: Creative;
}

const money = (v: number | string | null) => (v === null ? null : Number(v));

export const toAdAccount = (r: AdAccountsTable): AdAccount => ({
  id: r.id,
  connectionId: r.connection_id,
  clientId: r.client_id,
  platform: r.platform,
  externalId: r.external_id,
  name: r.name,
  currency: r.currency,
  timeZone: r.time_zone,
  status: r.status,
  enabled: Number(r.enabled) === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export type WithCurrency<T> = T & { currency: string };

const base = (r: WithCurrency<CampaignsTable | AdGroupsTable | AdsTable>): EntityBase => ({
  id: r.id,
  adAccountId: r.ad_account_id,
  clientId: r.client_id,
  platform: r.platform,
  externalId: r.external_id,
  name: r.name,
  status: r.status,
  currency: r.currency,
  firstSeenAt: r.first_seen_at,
  updatedAt: r.updated_at,
});

export const toCampaign = (r: WithCurrency<CampaignsTable>): Campaign => ({
  ...base(r),
  objective: r.objective,
  dailyBudgetMicros: money(r.daily_budget_micros),
  lifetimeBudgetMicros: money(r.lifetime_budget_micros),
  startDate: r.start_date,
  endDate: r.end_date,
});

export const toAdGroup = (r: WithCurrency<AdGroupsTable>): AdGroup => ({
  ...base(r),
  campaignId: r.campaign_id,
  dailyBudgetMicros: money(r.daily_budget_micros),
});

export const toAd = (r: WithCurrency<AdsTable>): Ad => ({
  ...base(r),
  campaignId: r.campaign_id,
  adGroupId: r.ad_group_id,
  platformCreatedAt: r.platform_created_at,
  creative: {
    externalId: r.creative_external_id,
    format: r.creative_format,
    headline: r.headline,
    body: r.body,
    callToAction: r.call_to_action,
    mediaUrl: r.media_url,
    landingUrl: r.landing_url,
    firstSeenAt: r.first_seen_at,
  },
});

/** `%q%` for a case-insensitive LIKE; wildcards are dropped (SQLite's LIKE has no default escape). */
export const likePattern = (q: string) => `%${q.toLowerCase().replace(/[%_]/g, '')}%`;
