/**
 * Google Ads shapes → Omnify records, and the GAQL we send. Field names in GAQL are snake_case;
 * the JSON answers are lowerCamelCase, int64 values arrive as strings and doubles as numbers.
 */
import {
  type AdAccountRecord,
  type AdGroupRecord,
  type AdRecord,
  type CampaignRecord,
  ConnectorError,
  type CreativeFormat,
  type CreativeRecord,
  type DailyMetricRecord,
  type EntityStatus,
} from '../connector.port.ts';
import { decimalToMicros } from '../vendor-http.ts';

interface TextAsset {
  text?: string;
}
export interface GoogleAd {
  resourceName?: string;
  id?: string;
  name?: string;
  type?: string;
  finalUrls?: string[];
  responsiveSearchAd?: { headlines?: TextAsset[]; descriptions?: TextAsset[] };
  responsiveDisplayAd?: { headlines?: TextAsset[]; descriptions?: TextAsset[]; callToActionText?: string };
  videoResponsiveAd?: { headlines?: TextAsset[]; descriptions?: TextAsset[]; callToActions?: TextAsset[] };
  expandedTextAd?: { headlinePart1?: string; description?: string };
  imageAd?: { imageUrl?: string };
}
interface CustomerFields {
  id?: string;
  descriptiveName?: string;
  currencyCode?: string;
  timeZone?: string;
  status?: string;
  manager?: boolean;
}
/** The parts of a GoogleAdsRow we select. */
export interface GoogleAdsRow {
  customer?: CustomerFields;
  customerClient?: CustomerFields;
  campaign?: {
    resourceName?: string;
    id?: string;
    name?: string;
    status?: string;
    advertisingChannelType?: string;
    startDateTime?: string;
    endDateTime?: string;
    campaignBudget?: string;
  };
  campaignBudget?: {
    resourceName?: string;
    amountMicros?: string;
    totalAmountMicros?: string;
    period?: string;
    explicitlyShared?: boolean;
  };
  adGroup?: { resourceName?: string; id?: string; name?: string; status?: string };
  adGroupAd?: { resourceName?: string; status?: string; ad?: GoogleAd };
  metrics?: Record<string, string | number | null | undefined>;
  segments?: { date?: string };
}

export function entityStatus(s: string | undefined): EntityStatus {
  if (s === 'ENABLED') return 'active';
  if (s === 'PAUSED') return 'paused';
  if (s === 'REMOVED') return 'removed';
  return 'other';
}

function customerStatus(s: string | undefined): EntityStatus {
  if (s === 'ENABLED') return 'active';
  if (s === 'CANCELED' || s === 'CLOSED') return 'removed';
  return 'other';
}

const malformed = (what: string) =>
  new ConnectorError('transient', `Google Ads returned a row without ${what}`);

export function accountOf(c: CustomerFields): AdAccountRecord {
  if (!c.id) throw malformed('customer.id');
  return {
    externalId: c.id,
    name: c.descriptiveName || c.id,
    currency: c.currencyCode ?? '',
    timeZone: c.timeZone ?? '',
    status: customerStatus(c.status),
  };
}

/** int64 counters arrive as strings; an absent selected metric is zero (proto3 JSON). */
export function count(v: unknown, field: string): number {
  if (v === undefined || v === null || v === '') return 0;
  const n = typeof v === 'number' ? v : /^-?\d+$/.test(String(v)) ? Number(v) : Number.NaN;
  if (!Number.isFinite(n))
    throw new ConnectorError('transient', `Google Ads sent a non-numeric ${field}: ${v}`);
  return n;
}

function double(v: unknown, field: string): number {
  if (v === undefined || v === null || v === '') return 0;
  const n = Number(v);
  if (!Number.isFinite(n))
    throw new ConnectorError('transient', `Google Ads sent a non-numeric ${field}: ${v}`);
  return n;
}

const microsOrNull = (v: string | undefined, field: string) => (v === undefined ? null : count(v, field));

/** `"yyyy-MM-dd HH:mm:ss"` (v23+ campaign.start/end_date_time) → `YYYY-MM-DD`. */
const dayOf = (v: string | undefined) => (v && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : null);

export function campaignOf(row: GoogleAdsRow, accountExternalId: string): CampaignRecord {
  const c = row.campaign;
  if (!c?.id) throw malformed('campaign.id');
  const b = row.campaignBudget;
  // CUSTOM_PERIOD budgets (some video campaigns) are totals for the flight, not per day.
  const lifetime = b?.period === 'CUSTOM_PERIOD';
  return {
    externalId: c.id,
    accountExternalId,
    name: c.name ?? '',
    status: entityStatus(c.status),
    objective: c.advertisingChannelType ?? null,
    dailyBudgetMicros: b && !lifetime ? microsOrNull(b.amountMicros, 'amountMicros') : null,
    lifetimeBudgetMicros: b && lifetime ? microsOrNull(b.totalAmountMicros, 'totalAmountMicros') : null,
    startDate: dayOf(c.startDateTime),
    endDate: dayOf(c.endDateTime),
  };
}

export function adGroupOf(row: GoogleAdsRow): AdGroupRecord {
  const g = row.adGroup;
  if (!g?.id || !row.campaign?.id) throw malformed('ad_group.id / campaign.id');
  // Google ad groups have no budget of their own: budgets are campaign budgets.
  return {
    externalId: g.id,
    campaignExternalId: row.campaign.id,
    name: g.name ?? '',
    status: entityStatus(g.status),
    dailyBudgetMicros: null,
  };
}

/** Medium first (video, image, carousel), then how the text is built (fixed text vs responsive assembly). */
export function formatOf(type: string | undefined): CreativeFormat {
  if (!type) return 'other';
  if (type.startsWith('VIDEO_') || type === 'IN_FEED_VIDEO_AD' || type === 'DEMAND_GEN_VIDEO_RESPONSIVE_AD')
    return 'video';
  if (type === 'DEMAND_GEN_CAROUSEL_AD') return 'carousel';
  if (
    [
      'IMAGE_AD',
      'RESPONSIVE_DISPLAY_AD',
      'LEGACY_RESPONSIVE_DISPLAY_AD',
      'HTML5_UPLOAD_AD',
      'DYNAMIC_HTML5_AD',
    ].includes(type) ||
    type === 'DEMAND_GEN_MULTI_ASSET_AD'
  )
    return 'image';
  if (['TEXT_AD', 'EXPANDED_TEXT_AD', 'EXPANDED_DYNAMIC_SEARCH_AD', 'CALL_AD'].includes(type)) return 'text';
  if (type === 'RESPONSIVE_SEARCH_AD') return 'responsive';
  return 'other';
}

const firstText = (xs: TextAsset[] | undefined) => xs?.find((x) => x.text)?.text;

export function creativeOf(ad: GoogleAd): CreativeRecord {
  const rsa = ad.responsiveSearchAd;
  const rda = ad.responsiveDisplayAd;
  const vra = ad.videoResponsiveAd;
  return {
    externalId: ad.id ?? null,
    format: formatOf(ad.type),
    headline:
      firstText(rsa?.headlines) ??
      firstText(rda?.headlines) ??
      firstText(vra?.headlines) ??
      ad.expandedTextAd?.headlinePart1 ??
      null,
    body:
      firstText(rsa?.descriptions) ??
      firstText(rda?.descriptions) ??
      firstText(vra?.descriptions) ??
      ad.expandedTextAd?.description ??
      null,
    callToAction: rda?.callToActionText ?? firstText(vra?.callToActions) ?? null,
    // Asset-based ads reference image/video assets by resource name; only IMAGE_AD carries a URL inline.
    mediaUrl: ad.imageAd?.imageUrl ?? null,
    landingUrl: ad.finalUrls?.[0] ?? null,
  };
}

export function adOf(row: GoogleAdsRow): AdRecord {
  const ad = row.adGroupAd?.ad;
  if (!ad?.id || !row.adGroup?.id || !row.campaign?.id)
    throw malformed('ad_group_ad.ad.id / ad_group.id / campaign.id');
  const creative = creativeOf(ad);
  return {
    externalId: ad.id,
    adGroupExternalId: row.adGroup.id,
    campaignExternalId: row.campaign.id,
    // ad.name is only populated for some ad types (image, video, display upload): fall back to the headline.
    name: ad.name || creative.headline || `${ad.type ?? 'Ad'} ${ad.id}`,
    status: entityStatus(row.adGroupAd?.status),
    creative,
    createdAt: null,
  };
}

export function dailyMetricOf(row: GoogleAdsRow): DailyMetricRecord {
  const adId = row.adGroupAd?.ad?.id;
  const date = row.segments?.date;
  if (!adId || !date || !/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw malformed('ad_group_ad.ad.id / segments.date');
  const m = row.metrics ?? {};
  const value = m.conversionsValue;
  return {
    adExternalId: adId,
    date,
    impressions: count(m.impressions, 'impressions'),
    clicks: count(m.clicks, 'clicks'),
    spendMicros: count(m.costMicros, 'costMicros'),
    conversions: double(m.conversions, 'conversions'),
    conversionValueMicros: decimalToMicros(
      value === null || value === undefined ? 0 : double(value, 'conversionsValue'),
    ),
    reach: null,
    frequency: null,
    videoViews: count(m.videoTrueviewViews, 'videoTrueviewViews'),
  };
}
