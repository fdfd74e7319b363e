/**
 * GoHighLevel (API v2, `Version: 2021-07-28`) shapes to Omnify records and back. Pure functions: no
 * I/O, so every odd value the vendor sends can be tested here.
 */
import type { ContactRecord, OpportunityRecord, PipelineRecord } from '../connector.port.ts';
import { decimalToMicros } from '../vendor-http.ts';

/** One touch as GHL reports it: `attributions[]` items in search results, `attributionSource` elsewhere. */
export interface GhlAttribution {
  url?: string | null;
  pageUrl?: string | null;
  campaign?: string | null;
  utmSource?: string | null;
  utmMedium?: string | null;
  utmCampaign?: string | null;
  utmContent?: string | null;
  utmTerm?: string | null;
  utmKeyword?: string | null;
  gclid?: string | null;
  fbclid?: string | null;
  isFirst?: boolean;
  isLast?: boolean;
}

export interface GhlContact {
  id: string;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  source?: string | null;
  tags?: string[] | null;
  dateAdded?: string | null;
  dateUpdated?: string | null;
  /** Search results (POST /contacts/search): every touch, flagged isFirst / isLast. */
  attributions?: GhlAttribution[] | null;
  /** GET /contacts/{id}, upsert and webhooks: first and latest touch. */
  attributionSource?: GhlAttribution | null;
  lastAttributionSource?: GhlAttribution | null;
  /** Cursor for the next page of a contacts search: [sortValue, id]. */
  searchAfter?: Array<string | number> | null;
}

export interface GhlPipeline {
  id: string;
  name?: string | null;
  stages?: Array<{ id: string; name?: string | null; position?: number | null }> | null;
}

export interface GhlOpportunity {
  id: string;
  name?: string | null;
  monetaryValue?: number | string | null;
  pipelineId?: string | null;
  pipelineStageId?: string | null;
  status?: string | null;
  contactId?: string | null;
  contact?: { id?: string | null } | null;
  lastStatusChangeAt?: string | null;
  createdAt?: string | null;
  updatedAt?: string | null;
}

const text = (v: unknown): string | null => {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t.length > 0 ? t : null;
};

/** ISO-8601 UTC; GHL sends ISO strings already, but not always with milliseconds. */
export function toIso(v: unknown): string | null {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? (text(v) ?? null) : d.toISOString();
}

/** A tracking parameter from the touch's landing page URL (GHL keeps the full URL, query included). */
function urlParam(touch: GhlAttribution | undefined, name: string): string | null {
  for (const raw of [touch?.pageUrl, touch?.url]) {
    const s = text(raw);
    if (!s || !/^https?:\/\//i.test(s)) continue;
    try {
      const v = text(new URL(s).searchParams.get(name));
      if (v) return v;
    } catch {
      // "Trigger Link", "Form", …: GHL puts labels in `url` for non-web sources.
    }
  }
  return null;
}

const hasData = (t: GhlAttribution | undefined): t is GhlAttribution =>
  !!t && Object.values(t).some((v) => typeof v === 'string' && v.trim().length > 0);

/** First and latest touch, from either of GHL's two attribution shapes. */
export function touchesOf(c: GhlContact): { first?: GhlAttribution; last?: GhlAttribution } {
  const list = Array.isArray(c.attributions) ? c.attributions.filter((a) => a && typeof a === 'object') : [];
  if (list.length > 0) {
    return {
      first: list.find((a) => a.isFirst) ?? list[0],
      last: list.find((a) => a.isLast) ?? list[list.length - 1],
    };
  }
  return { first: c.attributionSource ?? undefined, last: c.lastAttributionSource ?? undefined };
}

/**
 * Attribution is first-touch: UTMs come from one touch (the first, or the latest when the first
 * carries nothing) so they are never mixed across sessions; click ids fall back to the latest touch
 * because any click id still identifies the ad click. GHL has no LinkedIn field: li_fat_id (and
 * utm_term, which its schema lacks) are read from the landing page URL when it carries them.
 */
export function attributionOf(c: GhlContact): ContactRecord['attribution'] {
  const { first, last } = touchesOf(c);
  const primary = hasData(first) ? first : hasData(last) ? last : undefined;
  const click = (field: 'gclid' | 'fbclid', param: string) =>
    text(first?.[field]) ?? urlParam(first, param) ?? text(last?.[field]) ?? urlParam(last, param);
  const utm = (v: unknown, param: string) => text(v) ?? urlParam(primary, param);
  return {
    gclid: click('gclid', 'gclid'),
    fbclid: click('fbclid', 'fbclid'),
    liFatId: urlParam(first, 'li_fat_id') ?? urlParam(last, 'li_fat_id'),
    utmSource: utm(primary?.utmSource, 'utm_source'),
    utmMedium: utm(primary?.utmMedium, 'utm_medium'),
    utmCampaign: utm(primary?.utmCampaign ?? primary?.campaign, 'utm_campaign'),
    utmContent: utm(primary?.utmContent, 'utm_content'),
    utmTerm: utm(primary?.utmTerm ?? primary?.utmKeyword, 'utm_term'),
  };
}

export function toContactRecord(c: GhlContact): ContactRecord {
  const createdAt = toIso(c.dateAdded) ?? toIso(c.dateUpdated) ?? new Date(0).toISOString();
  return {
    externalId: c.id,
    email: text(c.email),
    phone: text(c.phone),
    firstName: text(c.firstName),
    lastName: text(c.lastName),
    source: text(c.source),
    tags: Array.isArray(c.tags) ? c.tags.filter((t): t is string => typeof t === 'string') : [],
    createdAt,
    updatedAt: toIso(c.dateUpdated) ?? createdAt,
    attribution: attributionOf(c),
  };
}

export function toPipelineRecord(p: GhlPipeline): PipelineRecord {
  const stages = (Array.isArray(p.stages) ? p.stages : [])
    .filter((s) => s && typeof s.id === 'string')
    .map((s, i) => ({
      externalId: s.id,
      name: text(s.name) ?? s.id,
      position: typeof s.position === 'number' && Number.isFinite(s.position) ? s.position : i,
    }))
    .sort((a, b) => a.position - b.position);
  return { externalId: p.id, name: text(p.name) ?? p.id, stages };
}

const statuses = new Set(['open', 'won', 'lost', 'abandoned']);

export function toOpportunityRecord(o: GhlOpportunity): OpportunityRecord {
  const status = (statuses.has(String(o.status)) ? o.status : 'open') as OpportunityRecord['status'];
  const createdAt = toIso(o.createdAt) ?? toIso(o.updatedAt) ?? new Date(0).toISOString();
  const updatedAt = toIso(o.updatedAt) ?? createdAt;
  // GHL keeps no won/lost date of its own: the last status change is when it became won or lost.
  const closedAt = toIso(o.lastStatusChangeAt) ?? updatedAt;
  const value =
    typeof o.monetaryValue === 'number' || typeof o.monetaryValue === 'string' ? o.monetaryValue : 0;
  return {
    externalId: o.id,
    pipelineExternalId: text(o.pipelineId) ?? '',
    stageExternalId: text(o.pipelineStageId) ?? '',
    contactExternalId: text(o.contactId) ?? text(o.contact?.id) ?? null,
    name: text(o.name) ?? '',
    status,
    valueMicros: decimalToMicros(value),
    // The opportunity carries no currency: it is the sub-account's, which this API does not return.
    currency: null,
    wonAt: status === 'won' ? closedAt : null,
    lostAt: status === 'lost' ? closedAt : null,
    createdAt,
    updatedAt,
  };
}

/** The human part of a GHL error body: `message` (a string, or an array on 422), `error_description`. */
export function vendorMessage(body: unknown): string | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  const m = b.message ?? b.error_description ?? b.msg ?? b.error;
  if (Array.isArray(m)) return m.map(String).join('; ');
  return typeof m === 'string' ? m : null;
}

export type UpsertInput = Partial<Omit<ContactRecord, 'externalId' | 'createdAt' | 'updatedAt'>>;

/**
 * POST /contacts/upsert body. Only fields the caller set are sent: `tags` replaces every tag the
 * contact has. Attribution is not writable through the API and is not sent.
 */
export function toUpsertBody(locationId: string, input: UpsertInput): Record<string, unknown> {
  const body: Record<string, unknown> = { locationId };
  for (const k of ['email', 'phone', 'firstName', 'lastName', 'source'] as const)
    if (input[k] !== undefined) body[k] = input[k];
  if (input.tags !== undefined) body.tags = input.tags;
  return body;
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** POST /conversations/messages body: SMS carries `message`, Email `subject` and `html`. */
export function toMessageBody(p: {
  contactExternalId: string;
  channel: 'SMS' | 'Email';
  message: string;
  subject?: string;
}): Record<string, unknown> {
  if (p.channel === 'SMS') return { type: 'SMS', contactId: p.contactExternalId, message: p.message };
  return {
    type: 'Email',
    contactId: p.contactExternalId,
    subject: p.subject,
    html: escapeHtml(p.message).replace(/\r?\n/g, '<br>'),
  };
}
