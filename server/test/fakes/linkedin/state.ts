/**
 * The contract scenario in LinkedIn's shapes: the Omnify campaign becomes a campaign group, the ad
 * group a campaign (with the daily budget), the ad a creative whose copy lives in a sponsored post
 * (or inline, for text ads). Write-backs change these objects; `entity` reads them back.
 */
import type { AdsScenario } from '../../../src/modules/connectors/connector.contract.ts';
import type { DailyMetricRecord, EntityStatus } from '../../../src/modules/connectors/connector.port.ts';
import { amountOf, microsOf } from './restli.ts';

export type Json = Record<string, unknown>;

export interface FakeState {
  accountId: string;
  currency: string;
  account: Json;
  /** Keyed by numeric id. */
  groups: Map<string, Json>;
  campaigns: Map<string, Json>;
  creatives: Map<string, Json>;
  /** Keyed by post URN. */
  posts: Map<string, Json>;
  metrics: DailyMetricRecord[];
}

const TO_LINKEDIN: Record<EntityStatus, string> = {
  active: 'ACTIVE',
  paused: 'PAUSED',
  removed: 'REMOVED',
  other: 'ARCHIVED',
};

export function fromLinkedInStatus(s: unknown): EntityStatus {
  if (s === 'ACTIVE') return 'active';
  if (s === 'PAUSED') return 'paused';
  if (s === 'REMOVED' || s === 'CANCELED' || s === 'PENDING_DELETION') return 'removed';
  return 'other';
}

/** A fixed creation time: 2026-10-15T12:00:00Z. */
const CREATED = Date.UTC(2026, 9, 15, 12);

const omitNull = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v != null));

export const postUrnOf = (adId: string) => `urn:li:ugcPost:7${adId.padStart(18, '0')}`;

export function buildState(sc: AdsScenario): FakeState {
  const acct = sc.account.externalId;
  const acctUrn = `urn:li:sponsoredAccount:${acct}`;
  const money = (micros: number | null) =>
    micros === null ? null : { amount: amountOf(micros), currencyCode: sc.account.currency };
  const state: FakeState = {
    accountId: acct,
    currency: sc.account.currency,
    account: {
      id: Number(acct),
      name: sc.account.name,
      currency: sc.account.currency,
      status: TO_LINKEDIN[sc.account.status],
      type: 'BUSINESS',
      reference: 'urn:li:organization:2414183',
      test: false,
      servingStatuses: ['RUNNABLE'],
    },
    groups: new Map(),
    campaigns: new Map(),
    creatives: new Map(),
    posts: new Map(),
    metrics: sc.metrics,
  };
  for (const c of sc.structure.campaigns)
    state.groups.set(
      c.externalId,
      omitNull({
        id: Number(c.externalId),
        account: acctUrn,
        name: c.name,
        status: TO_LINKEDIN[c.status],
        totalBudget: money(c.lifetimeBudgetMicros),
        runSchedule: { start: Date.UTC(2026, 10, 1) },
        test: false,
      }),
    );
  const formatOf = new Map(sc.structure.ads.map((a) => [a.adGroupExternalId, a.creative.format]));
  for (const g of sc.structure.adGroups)
    state.campaigns.set(
      g.externalId,
      omitNull({
        id: Number(g.externalId),
        account: acctUrn,
        campaignGroup: `urn:li:sponsoredCampaignGroup:${g.campaignExternalId}`,
        name: g.name,
        status: TO_LINKEDIN[g.status],
        type: formatOf.get(g.externalId) === 'text' ? 'TEXT_AD' : 'SPONSORED_UPDATES',
        costType: 'CPM',
        objectiveType: 'WEBSITE_VISIT',
        dailyBudget: money(g.dailyBudgetMicros),
        unitCost: money(8_000_000),
        runSchedule: { start: Date.UTC(2026, 10, 1) },
      }),
    );
  for (const a of sc.structure.ads) {
    const cr = a.creative;
    let content: Json;
    if (cr.format === 'text') {
      content = {
        textAd: omitNull({ headline: cr.headline, description: cr.body, landingPage: cr.landingUrl }),
      };
    } else {
      const postUrn = postUrnOf(a.externalId);
      const mediaId =
        cr.format === 'video' ? `urn:li:video:C5F10AQ${a.externalId}` : `urn:li:image:C4D10AQ${a.externalId}`;
      state.posts.set(
        postUrn,
        omitNull({
          id: postUrn,
          author: 'urn:li:organization:2414183',
          commentary: cr.body,
          visibility: 'PUBLIC',
          distribution: { feedDistribution: 'NONE', targetEntities: [], thirdPartyDistributionChannels: [] },
          content: { media: omitNull({ id: mediaId, title: cr.headline }) },
          contentLandingPage: cr.landingUrl,
          contentCallToActionLabel: cr.callToAction,
          lifecycleState: 'PUBLISHED',
          isReshareDisabledByAuthor: false,
          adContext: { dscAdAccount: acctUrn, dscStatus: 'ACTIVE' },
        }),
      );
      content = { reference: postUrn };
    }
    state.creatives.set(
      a.externalId,
      omitNull({
        id: `urn:li:sponsoredCreative:${a.externalId}`,
        account: acctUrn,
        campaign: `urn:li:sponsoredCampaign:${a.adGroupExternalId}`,
        name: a.name,
        intendedStatus: TO_LINKEDIN[a.status],
        isServing: a.status === 'active',
        isTest: false,
        review: { status: 'APPROVED' },
        createdAt: a.createdAt ? Date.parse(a.createdAt) : CREATED,
        lastModifiedAt: CREATED,
        content,
      }),
    );
  }
  return state;
}

/** What Omnify would see of an entity after write-backs. */
export function entityView(
  state: FakeState,
  id: string,
): { status: EntityStatus; dailyBudgetMicros: number | null } | undefined {
  const e = state.groups.get(id) ?? state.campaigns.get(id);
  if (e) {
    const budget = e.dailyBudget as { amount?: unknown } | undefined;
    return { status: fromLinkedInStatus(e.status), dailyBudgetMicros: microsOf(budget?.amount) ?? null };
  }
  const cr = state.creatives.get(id);
  return cr ? { status: fromLinkedInStatus(cr.intendedStatus), dailyBudgetMicros: null } : undefined;
}
