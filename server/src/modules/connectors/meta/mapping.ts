/**
 * Meta Graph API shapes → Omnify records. Pure functions: no I/O, so the odd cases (string metrics,
 * minor-unit budgets, duplicated action types, missing optional fields) are tested directly.
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

export type GraphObject = Record<string, unknown>;

export const isObject = (v: unknown): v is GraphObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): GraphObject => (isObject(v) ? v : {});
const text = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const id = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** Currencies whose Meta budget "offset" is 1 (budgets in whole units); all others use 100. */
const OFFSET_ONE = new Set(['CLP', 'COP', 'CRC', 'HUF', 'IDR', 'ISK', 'JPY', 'KRW', 'PYG', 'TWD', 'VND']);
const microsPerMinorUnit = (currency: string) =>
  OFFSET_ONE.has(currency.toUpperCase()) ? 1_000_000 : 10_000;

/** `daily_budget: "5000"` (USD cents) → 50_000_000 micros. "0" or absent means no budget at this level. */
export function budgetToMicros(value: unknown, currency: string): number | null {
  const s = id(value);
  if (!/^\d+$/.test(s) || Number(s) === 0) return null;
  return Number(s) * microsPerMinorUnit(currency);
}

/** Micros → the integer minor units Meta expects; refuses amounts the currency cannot express. */
export function microsToBudget(micros: number, currency: string): string {
  const per = microsPerMinorUnit(currency);
  if (!Number.isSafeInteger(micros) || micros <= 0 || micros % per !== 0)
    throw new ConnectorError('invalid', `A ${currency} budget must be a positive multiple of ${per} micros`);
  return String(micros / per);
}

/** Configured `status` of campaigns, ad sets and ads (effective_status also reflects parents). */
export function entityStatus(status: unknown): EntityStatus {
  switch (status) {
    case 'ACTIVE':
      return 'active';
    case 'PAUSED':
      return 'paused';
    case 'DELETED':
    case 'ARCHIVED':
      return 'removed';
    default:
      return 'other';
  }
}

/** Ad account `account_status`: 1 active, 9 in grace period (still delivering), 100/101 closing/closed. */
export function accountStatus(code: unknown): EntityStatus {
  const n = Number(code);
  if (n === 1 || n === 9) return 'active';
  if (n === 100 || n === 101) return 'removed';
  return 'other';
}

/** `2026-11-01T00:00:00-0500` → the calendar date in the account's time zone. */
export function dateInZone(value: unknown, timeZone: string): string | null {
  const s = text(value);
  if (!s) return null;
  const ms = Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(ms)) return null;
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(ms);
}

function isoInstant(value: unknown): string | null {
  const s = text(value);
  const ms = s ? Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : Number.NaN;
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export function toAccount(a: GraphObject): AdAccountRecord {
  return {
    externalId: id(a.account_id) || id(a.id).replace(/^act_/, ''),
    name: text(a.name) ?? '',
    currency: text(a.currency) ?? '',
    timeZone: text(a.timezone_name) ?? 'UTC',
    status: accountStatus(a.account_status),
  };
}

export interface AccountInfo {
  externalId: string;
  currency: string;
  timeZone: string;
}

export function toCampaign(c: GraphObject, acc: AccountInfo): CampaignRecord {
  return {
    externalId: id(c.id),
    accountExternalId: acc.externalId,
    name: text(c.name) ?? '',
    status: entityStatus(c.status),
    objective: text(c.objective),
    dailyBudgetMicros: budgetToMicros(c.daily_budget, acc.currency),
    lifetimeBudgetMicros: budgetToMicros(c.lifetime_budget, acc.currency),
    startDate: dateInZone(c.start_time, acc.timeZone),
    endDate: dateInZone(c.stop_time, acc.timeZone),
  };
}

export function toAdGroup(s: GraphObject, acc: AccountInfo): AdGroupRecord {
  return {
    externalId: id(s.id),
    campaignExternalId: id(s.campaign_id),
    name: text(s.name) ?? '',
    status: entityStatus(s.status),
    dailyBudgetMicros: budgetToMicros(s.daily_budget, acc.currency),
  };
}

/**
 * Creative fields come either flat (title, body, image_url, link_url) or only inside
 * object_story_spec (link_data for images and carousels, video_data for videos); take the flat
 * value first, then the spec.
 */
export function toCreative(raw: unknown): CreativeRecord {
  const c = obj(raw);
  const spec = obj(c.object_story_spec);
  const link = obj(spec.link_data);
  const video = obj(spec.video_data);
  const children = Array.isArray(link.child_attachments) ? link.child_attachments.map(obj) : [];
  const cta = obj(link.call_to_action ?? video.call_to_action);
  let format: CreativeFormat = 'other';
  if (children.length > 1) format = 'carousel';
  else if (text(c.video_id) || c.object_type === 'VIDEO' || Object.keys(video).length > 0) format = 'video';
  else if (text(c.image_url) || text(link.picture) || text(link.image_hash) || c.object_type === 'PHOTO')
    format = 'image';
  else if (isObject(c.asset_feed_spec)) format = 'responsive';
  else if (text(c.body) || text(link.message)) format = 'text';
  return {
    externalId: text(id(c.id)),
    format,
    headline: text(c.title) ?? text(link.name) ?? text(video.title) ?? text(children[0]?.name),
    body: text(c.body) ?? text(link.message) ?? text(video.message),
    callToAction: text(c.call_to_action_type) ?? text(cta.type),
    mediaUrl:
      text(c.image_url) ??
      text(c.thumbnail_url) ??
      text(link.picture) ??
      text(video.image_url) ??
      text(children[0]?.picture),
    landingUrl: text(c.link_url) ?? text(link.link) ?? text(obj(cta.value).link) ?? text(children[0]?.link),
  };
}

export function toAd(a: GraphObject): AdRecord {
  return {
    externalId: id(a.id),
    adGroupExternalId: id(a.adset_id),
    campaignExternalId: id(a.campaign_id),
    name: text(a.name) ?? '',
    status: entityStatus(a.status),
    creative: toCreative(a.creative),
    createdAt: isoInstant(a.created_time),
  };
}

/**
 * Conversions = purchases + leads. Meta reports the same event under several action types
 * (omni_purchase ⊇ purchase ≈ offsite_conversion.fb_pixel_purchase ≈ onsite_web_purchase), so each
 * family takes the first type present in this order and never sums overlapping types. The lead
 * fallback sums two disjoint sources (website pixel leads and on-Facebook instant forms).
 */
const CONVERSION_FAMILIES: string[][][] = [
  [['omni_purchase'], ['purchase'], ['offsite_conversion.fb_pixel_purchase'], ['onsite_web_purchase']],
  [['lead'], ['offsite_conversion.fb_pixel_lead', 'onsite_conversion.lead_grouped']],
];

function actionMap(list: unknown): Map<string, string> {
  const m = new Map<string, string>();
  if (!Array.isArray(list)) return m;
  for (const a of list.map(obj)) {
    const type = text(a.action_type);
    const value = a.value;
    if (type && (typeof value === 'string' || typeof value === 'number')) m.set(type, String(value));
  }
  return m;
}

/** Sums, per family, the first alternative present; `parse` turns the strings into numbers. */
function familyTotal(list: unknown, parse: (s: string) => number): number {
  const m = actionMap(list);
  let total = 0;
  for (const family of CONVERSION_FAMILIES) {
    const pick = family.find((alt) => alt.some((t) => m.has(t)));
    for (const t of pick ?? []) total += m.has(t) ? parse(m.get(t) ?? '0') : 0;
  }
  return total;
}

const count = (v: unknown): number => {
  const n = Number(v ?? 0);
  if (!Number.isFinite(n)) throw new ConnectorError('transient', `Meta returned a non-numeric metric: ${v}`);
  return n;
};
const optionalNumber = (v: unknown): number | null =>
  v === undefined || v === null || v === '' ? null : count(v);

/** One `level=ad, time_increment=1` insights row. Absent action arrays mean zero (Meta omits empties). */
export function toDailyMetric(row: GraphObject): DailyMetricRecord {
  const adId = id(row.ad_id);
  const date = text(row.date_start);
  if (!adId || !date || !/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new ConnectorError('transient', 'Meta insights row without ad_id or date_start');
  const videoViews = actionMap(row.video_play_actions).get('video_view');
  return {
    adExternalId: adId,
    date,
    impressions: count(row.impressions),
    clicks: count(row.clicks),
    spendMicros: decimalToMicros(id(row.spend)),
    conversions: familyTotal(row.actions, count),
    conversionValueMicros: familyTotal(row.action_values, (s) => decimalToMicros(s)),
    reach: optionalNumber(row.reach),
    frequency: optionalNumber(row.frequency),
    videoViews: videoViews === undefined ? 0 : count(videoViews),
  };
}
