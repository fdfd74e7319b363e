/**
 * LinkedIn shapes → Omnify records. LinkedIn's hierarchy is account → campaign group → campaign →
 * creative; Omnify's is account → campaign → ad group → ad, so campaign groups become campaigns,
 * campaigns (where budgets live) become ad groups and creatives become ads. Money arrives as decimal
 * strings in major units; dates are UTC, which is the day boundary LinkedIn reports in.
 */
import type {
  AdAccountRecord,
  AdGroupRecord,
  AdRecord,
  CampaignRecord,
  CreativeFormat,
  CreativeRecord,
  DailyMetricRecord,
  EntityStatus,
} from '../connector.port.ts';
import { ConnectorError } from '../connector.port.ts';
import { decimalToMicros } from '../vendor-http.ts';

/** LinkedIn buckets adAnalytics days in UTC and has no per-account time zone. */
export const LINKEDIN_TIME_ZONE = 'UTC';

export interface LiMoney {
  amount: string;
  currencyCode: string;
}
export interface LiAccount {
  id: number;
  name?: string;
  currency?: string;
  status?: string;
}
export interface LiCampaignGroup {
  id: number;
  account?: string;
  name?: string;
  status?: string;
  objectiveType?: string;
  dailyBudget?: LiMoney;
  totalBudget?: LiMoney;
  runSchedule?: { start?: number; end?: number };
}
export interface LiCampaign {
  id: number;
  account?: string;
  campaignGroup?: string;
  name?: string;
  status?: string;
  dailyBudget?: LiMoney;
  totalBudget?: LiMoney;
  unitCost?: LiMoney;
}
export interface LiCreative {
  id: string;
  campaign?: string;
  name?: string;
  intendedStatus?: string;
  createdAt?: number;
  content?: {
    reference?: string;
    textAd?: { headline?: string; description?: string; landingPage?: string };
    spotlight?: { headline?: string; description?: string; landingPage?: string; callToAction?: string };
    [other: string]: unknown;
  };
  leadgenCallToAction?: { label?: string; destination?: string };
}
export interface LiPost {
  id?: string;
  commentary?: string;
  contentLandingPage?: string;
  contentCallToActionLabel?: string;
  content?: {
    media?: { id?: string; title?: string };
    article?: { source?: string; title?: string; description?: string; thumbnail?: string };
    carousel?: unknown;
    multiImage?: unknown;
    [other: string]: unknown;
  };
}
export interface LiDate {
  year: number;
  month: number;
  day: number;
}
export interface LiAnalyticsElement {
  dateRange?: { start?: LiDate; end?: LiDate };
  pivotValues?: string[];
  impressions?: number;
  clicks?: number;
  costInLocalCurrency?: string;
  externalWebsiteConversions?: number;
  conversionValueInLocalCurrency?: string;
  videoViews?: number;
}

/** `urn:li:sponsoredCreative:123` → `123` (numbers pass through as strings). */
export function urnId(urn: string | number | undefined): string {
  if (urn === undefined) return '';
  const s = String(urn);
  return s.slice(s.lastIndexOf(':') + 1);
}

export const creativeUrn = (id: string): string =>
  id.startsWith('urn:') ? id : `urn:li:sponsoredCreative:${id}`;

/** Campaigns and campaign groups share one status vocabulary; creatives use it as intendedStatus. */
export function mapStatus(status: string | undefined): EntityStatus {
  switch (status) {
    case 'ACTIVE':
      return 'active';
    case 'PAUSED':
      return 'paused';
    case 'REMOVED':
    case 'PENDING_DELETION':
    case 'CANCELED':
    case 'CANCELLED':
      return 'removed';
    default:
      // ARCHIVED, COMPLETED, DRAFT and anything newer.
      return 'other';
  }
}

const moneyMicros = (m: LiMoney | undefined): number | null => (m ? decimalToMicros(m.amount) : null);

/** Epoch milliseconds → the UTC calendar day. */
const utcDay = (ms: number | undefined): string | null =>
  ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString().slice(0, 10);

/** Micros → LinkedIn's decimal string in major units, exactly (at least two decimals). */
export function microsToAmount(micros: number): string {
  if (!Number.isSafeInteger(micros) || micros < 0)
    throw new ConnectorError('invalid', `Not a budget in micros: ${micros}`);
  const whole = Math.floor(micros / 1_000_000);
  const frac = String(micros % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '')
    .padEnd(2, '0');
  return `${whole}.${frac}`;
}

export function toAccount(a: LiAccount): AdAccountRecord {
  return {
    externalId: String(a.id),
    name: a.name ?? '',
    currency: a.currency ?? '',
    timeZone: LINKEDIN_TIME_ZONE,
    status: mapStatus(a.status),
  };
}

export function toCampaign(g: LiCampaignGroup, accountExternalId: string): CampaignRecord {
  return {
    externalId: String(g.id),
    accountExternalId: g.account ? urnId(g.account) : accountExternalId,
    name: g.name ?? '',
    status: mapStatus(g.status),
    objective: g.objectiveType ?? null,
    dailyBudgetMicros: moneyMicros(g.dailyBudget),
    lifetimeBudgetMicros: moneyMicros(g.totalBudget),
    startDate: utcDay(g.runSchedule?.start),
    endDate: utcDay(g.runSchedule?.end),
  };
}

export function toAdGroup(c: LiCampaign): AdGroupRecord {
  return {
    externalId: String(c.id),
    campaignExternalId: urnId(c.campaignGroup),
    name: c.name ?? '',
    status: mapStatus(c.status),
    dailyBudgetMicros: moneyMicros(c.dailyBudget),
  };
}

function postFormat(post: LiPost): CreativeFormat {
  const c = post.content;
  if (!c) return 'text';
  const media = c.media?.id ?? '';
  if (media.startsWith('urn:li:image:')) return 'image';
  if (media.startsWith('urn:li:video:')) return 'video';
  if (c.carousel) return 'carousel';
  if (c.article) return 'image';
  return 'other';
}

/**
 * The ad's copy: inline for text and spotlight ads; for sponsored content it lives in the referenced
 * post (commentary = body, media/article title = headline). Media are URNs (urn:li:image/video),
 * not URLs, so mediaUrl stays null.
 */
export function toCreative(cr: LiCreative, post: LiPost | undefined): CreativeRecord {
  const c = cr.content ?? {};
  const leadCta = cr.leadgenCallToAction?.label ?? null;
  const base = { externalId: c.reference ?? null, mediaUrl: null };
  if (c.textAd)
    return {
      ...base,
      format: 'text',
      headline: c.textAd.headline ?? null,
      body: c.textAd.description ?? null,
      callToAction: leadCta,
      landingUrl: c.textAd.landingPage ?? null,
    };
  if (c.spotlight)
    return {
      ...base,
      format: 'other',
      headline: c.spotlight.headline ?? null,
      body: c.spotlight.description ?? null,
      callToAction: c.spotlight.callToAction ?? leadCta,
      landingUrl: c.spotlight.landingPage ?? null,
    };
  if (!post)
    return { ...base, format: 'other', headline: null, body: null, callToAction: leadCta, landingUrl: null };
  return {
    ...base,
    format: postFormat(post),
    headline: post.content?.media?.title ?? post.content?.article?.title ?? null,
    body: post.commentary ?? null,
    callToAction: post.contentCallToActionLabel ?? leadCta,
    landingUrl: post.contentLandingPage ?? post.content?.article?.source ?? null,
  };
}

export function toAd(cr: LiCreative, campaignExternalId: string, post: LiPost | undefined): AdRecord {
  return {
    externalId: urnId(cr.id),
    adGroupExternalId: urnId(cr.campaign),
    campaignExternalId,
    name: cr.name ?? '',
    status: mapStatus(cr.intendedStatus),
    creative: toCreative(cr, post),
    createdAt: cr.createdAt === undefined ? null : new Date(cr.createdAt).toISOString(),
  };
}

const pad2 = (n: number) => String(n).padStart(2, '0');
export const liDateToIso = (d: LiDate): string => `${d.year}-${pad2(d.month)}-${pad2(d.day)}`;

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * One DAILY, CREATIVE-pivoted element → one row. Reach and frequency are not reported per creative
 * per day (approximateMemberReach is a range metric), so they are null; a missing videoViews means
 * LinkedIn did not report it, also null.
 */
export function toDailyMetric(e: LiAnalyticsElement): DailyMetricRecord | undefined {
  const creative = e.pivotValues?.[0];
  const start = e.dateRange?.start;
  if (!creative || !start) return undefined;
  return {
    adExternalId: urnId(creative),
    date: liDateToIso(start),
    impressions: count(e.impressions),
    clicks: count(e.clicks),
    spendMicros: decimalToMicros(e.costInLocalCurrency),
    conversions: count(e.externalWebsiteConversions),
    conversionValueMicros: decimalToMicros(e.conversionValueInLocalCurrency),
    reach: null,
    frequency: null,
    videoViews: typeof e.videoViews === 'number' ? e.videoViews : null,
  };
}
