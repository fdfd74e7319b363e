/**
 * The fake's state: the contract scenario turned into Google Ads resources (camelCase JSON, int64 as
 * strings, enums by name), plus which GAQL fields and resources the fake knows.
 */
import type { AdsScenario } from '../../../src/modules/connectors/connector.contract.ts';
import type { AdRecord, EntityStatus } from '../../../src/modules/connectors/connector.port.ts';
import type { GaqlQuery } from './gaql.ts';

type Json = Record<string, unknown>;

export interface GoogleAdsState {
  accountId: string;
  managerId: string;
  customers: Map<string, Json>;
  campaigns: Map<string, Json>;
  budgets: Map<string, Json>;
  adGroups: Map<string, Json>;
  /** By ad id. */
  adGroupAds: Map<string, Json>;
  metrics: AdsScenario['metrics'];
}

const googleStatus = (s: EntityStatus) =>
  ({ active: 'ENABLED', paused: 'PAUSED', removed: 'REMOVED', other: 'UNKNOWN' })[s];

export const omnifyStatus = (s: unknown): EntityStatus =>
  s === 'ENABLED' ? 'active' : s === 'PAUSED' ? 'paused' : s === 'REMOVED' ? 'removed' : 'other';

const idOf = (resourceName: unknown) => String(resourceName).split('/').pop()?.split('~').pop() ?? '';

const texts = (t: string | null) => (t ? [{ text: t }] : []);

/** The scenario's creative in the closest Google ad type that carries the same parts. */
function adJson(cid: string, a: AdRecord): Json {
  const c = a.creative;
  // Real Google fills ad.name only for image/video/display-upload ads; the fake always does so
  // the contract can compare names (the connector falls back to the headline when it is absent).
  const base = {
    resourceName: `customers/${cid}/ads/${a.externalId}`,
    id: a.externalId,
    name: a.name,
    finalUrls: c.landingUrl ? [c.landingUrl] : [],
  };
  const asset = `customers/${cid}/assets/${a.externalId}0`;
  switch (c.format) {
    case 'image':
      return {
        ...base,
        type: 'RESPONSIVE_DISPLAY_AD',
        responsiveDisplayAd: {
          headlines: texts(c.headline),
          longHeadline: { text: c.headline ?? '' },
          descriptions: texts(c.body),
          marketingImages: [{ asset }],
          callToActionText: c.callToAction ?? undefined,
        },
      };
    case 'video':
      return {
        ...base,
        type: 'VIDEO_RESPONSIVE_AD',
        videoResponsiveAd: {
          headlines: texts(c.headline),
          descriptions: texts(c.body),
          callToActions: texts(c.callToAction),
          videos: [{ asset }],
        },
      };
    case 'text':
      return {
        ...base,
        type: 'EXPANDED_TEXT_AD',
        expandedTextAd: { headlinePart1: c.headline, description: c.body },
      };
    default:
      return {
        ...base,
        type: 'RESPONSIVE_SEARCH_AD',
        responsiveSearchAd: { headlines: texts(c.headline), descriptions: texts(c.body) },
      };
  }
}

export function buildState(sc: AdsScenario, managerId: string): GoogleAdsState {
  const cid = sc.account.externalId;
  const customer = (id: string, name: string, manager: boolean): Json => ({
    resourceName: `customers/${id}`,
    id,
    descriptiveName: name,
    currencyCode: sc.account.currency,
    timeZone: sc.account.timeZone,
    status: googleStatus(sc.account.status),
    manager,
    testAccount: false,
  });
  const st: GoogleAdsState = {
    accountId: cid,
    managerId,
    customers: new Map([
      [cid, customer(cid, sc.account.name, false)],
      [managerId, customer(managerId, 'Agency MCC', true)],
    ]),
    campaigns: new Map(),
    budgets: new Map(),
    adGroups: new Map(),
    adGroupAds: new Map(),
    metrics: sc.metrics,
  };
  for (const c of sc.structure.campaigns) {
    const budgetId = `9${c.externalId}`;
    st.budgets.set(budgetId, {
      resourceName: `customers/${cid}/campaignBudgets/${budgetId}`,
      id: budgetId,
      amountMicros: String(c.dailyBudgetMicros ?? 0),
      period: 'DAILY',
      explicitlyShared: false,
      deliveryMethod: 'STANDARD',
    });
    st.campaigns.set(c.externalId, {
      resourceName: `customers/${cid}/campaigns/${c.externalId}`,
      id: c.externalId,
      name: c.name,
      status: googleStatus(c.status),
      advertisingChannelType: 'SEARCH',
      startDateTime: c.startDate ? `${c.startDate} 00:00:00` : undefined,
      endDateTime: c.endDate ? `${c.endDate} 23:59:59` : undefined,
      campaignBudget: `customers/${cid}/campaignBudgets/${budgetId}`,
    });
  }
  for (const g of sc.structure.adGroups)
    st.adGroups.set(g.externalId, {
      resourceName: `customers/${cid}/adGroups/${g.externalId}`,
      id: g.externalId,
      name: g.name,
      status: googleStatus(g.status),
      campaign: `customers/${cid}/campaigns/${g.campaignExternalId}`,
    });
  for (const a of sc.structure.ads)
    st.adGroupAds.set(a.externalId, {
      resourceName: `customers/${cid}/adGroupAds/${a.adGroupExternalId}~${a.externalId}`,
      status: googleStatus(a.status),
      adGroup: `customers/${cid}/adGroups/${a.adGroupExternalId}`,
      ad: adJson(cid, a),
    });
  return st;
}

/** Full (unprojected) rows for a FROM resource, before WHERE. */
export function rowsFor(st: GoogleAdsState, cid: string, q: GaqlQuery): Json[] {
  const customer = st.customers.get(cid);
  if (q.from === 'customer') return [{ customer }];
  if (q.from === 'customer_client') {
    const link = (id: string, level: number) => {
      const c = st.customers.get(id) ?? {};
      return {
        ...c,
        resourceName: `customers/${cid}/customerClients/${id}`,
        clientCustomer: `customers/${id}`,
        level: String(level),
        hidden: false,
      };
    };
    const rows = [{ customer, customerClient: link(cid, 0) }];
    if (cid === st.managerId) rows.push({ customer, customerClient: link(st.accountId, 1) });
    return rows;
  }
  if (cid !== st.accountId) return [];
  const campaignOf = (rn: unknown) => st.campaigns.get(idOf(rn));
  if (q.from === 'campaign')
    return [...st.campaigns.values()].map((c) => ({
      customer,
      campaign: c,
      campaignBudget: st.budgets.get(idOf(c.campaignBudget)),
    }));
  if (q.from === 'campaign_budget')
    return [...st.budgets.values()].map((b) => ({ customer, campaignBudget: b }));
  if (q.from === 'ad_group')
    return [...st.adGroups.values()].map((g) => ({ customer, campaign: campaignOf(g.campaign), adGroup: g }));
  const adRow = (aga: Json) => {
    const adGroup = st.adGroups.get(idOf(aga.adGroup));
    return { customer, campaign: campaignOf(adGroup?.campaign), adGroup, adGroupAd: aga };
  };
  if (!q.fields.some((f) => f.startsWith('metrics.') || f.startsWith('segments.')))
    return [...st.adGroupAds.values()].map(adRow);
  // Google leaves out rows whose metrics are all zero.
  return st.metrics
    .filter((m) => m.impressions || m.clicks || m.spendMicros || m.conversions || m.videoViews)
    .flatMap((m) => {
      const aga = st.adGroupAds.get(m.adExternalId);
      if (!aga) return [];
      return [
        {
          ...adRow(aga),
          segments: { date: m.date },
          metrics: {
            impressions: String(m.impressions),
            clicks: String(m.clicks),
            costMicros: String(m.spendMicros),
            conversions: m.conversions,
            conversionsValue: m.conversionValueMicros / 1e6,
            videoTrueviewViews: String(m.videoViews ?? 0),
          },
        },
      ];
    });
}
