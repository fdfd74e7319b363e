/**
 * Touchpoints from what the sync stores. There is no per-click table: a CRM contact carries the click
 * id of the ad click that brought it (gclid → Google Ads, fbclid → Meta, li_fat_id → LinkedIn) and
 * the UTM tags of that click (utm_content = the ad's external id, utm_campaign = the campaign's).
 * So:
 *
 * - a **person** is a client's contacts sharing a lowercased e-mail (else a phone, else the contact
 *   alone): a person who came back through another ad and was captured again is one journey;
 * - each **click id** on a contact is one touch at the contact's creation time, on the click id's
 *   platform; the ad is the one of that platform whose external id is utm_content (else the campaign
 *   whose external id is utm_campaign, else the platform alone). Several click ids on one contact
 *   share its timestamp and keep the order Google, Meta, LinkedIn;
 * - a contact without a click id is an organic touch and gives no paid credit: a conversion whose
 *   person has no paid touch before it is unattributed.
 *
 * Conversions are won opportunities (at `wonAt`, valued at their amount) or new leads (each contact,
 * at its creation, value 0). A conversion's touches are the person's touches at or before it.
 */
import type { CrmContact, CrmOpportunity } from '../../catalog/index.ts';
import type { Conversion, Touchpoint } from './attribution.ts';

export type Level = 'ad' | 'campaign' | 'platform';

export interface AdRef {
  id: string;
  name: string;
  platform: string;
  externalId: string;
  campaignId: string;
}

export interface CampaignRef {
  id: string;
  name: string;
  platform: string;
  externalId: string;
}

export interface ResolvedTouch {
  platform: string;
  clickId: string;
  adId: string | null;
  campaignId: string | null;
  at: string;
}

const clickFields = [
  ['gclid', 'google_ads'],
  ['fbclid', 'meta'],
  ['liFatId', 'linkedin'],
] as const;

export function personKey(c: CrmContact): string {
  const scope = c.clientId ?? c.connectionId;
  if (c.email?.trim()) return `${scope}|e|${c.email.trim().toLowerCase()}`;
  if (c.phone?.trim()) return `${scope}|p|${c.phone.replace(/[^\d+]/g, '')}`;
  return `${scope}|c|${c.id}`;
}

export function touchesOf(
  c: CrmContact,
  ads: Map<string, AdRef>,
  campaigns: Map<string, CampaignRef>,
): ResolvedTouch[] {
  const out: ResolvedTouch[] = [];
  for (const [field, platform] of clickFields) {
    const clickId = c[field];
    if (!clickId) continue;
    const ad = c.utmContent ? ads.get(`${platform}|${c.utmContent}`) : undefined;
    const campaign = ad
      ? undefined
      : c.utmCampaign
        ? campaigns.get(`${platform}|${c.utmCampaign}`)
        : undefined;
    out.push({
      platform,
      clickId,
      adId: ad?.id ?? null,
      campaignId: ad?.campaignId ?? campaign?.id ?? null,
      at: c.platformCreatedAt,
    });
  }
  return out;
}

export const keyAt = (t: ResolvedTouch, level: Level) =>
  level === 'platform'
    ? `platform:${t.platform}`
    : level === 'campaign'
      ? (t.campaignId ?? `platform:${t.platform}`)
      : (t.adId ?? t.campaignId ?? `platform:${t.platform}`);

export interface JourneyStats {
  contacts: number;
  contactsWithClickId: number;
  touches: number;
  resolvedToAd: number;
  resolvedToCampaign: number;
}

/** Conversions with their touchpoints (keys at `level`) for a period of days [from, to]. */
export function buildConversions(input: {
  contacts: CrmContact[];
  opportunities: CrmOpportunity[];
  ads: AdRef[];
  campaigns: CampaignRef[];
  conversion: 'won_opportunity' | 'lead';
  level: Level;
  from: string;
  to: string;
}): { conversions: Array<Conversion & { currency: string | null }>; stats: JourneyStats } {
  const ads = new Map(input.ads.map((a) => [`${a.platform}|${a.externalId}`, a]));
  const campaigns = new Map(input.campaigns.map((c) => [`${c.platform}|${c.externalId}`, c]));
  const journeys = new Map<string, ResolvedTouch[]>();
  const personOf = new Map<string, string>();
  const stats: JourneyStats = {
    contacts: 0,
    contactsWithClickId: 0,
    touches: 0,
    resolvedToAd: 0,
    resolvedToCampaign: 0,
  };
  for (const c of input.contacts) {
    stats.contacts++;
    const person = personKey(c);
    personOf.set(`${c.connectionId}|${c.externalId}`, person);
    const touches = touchesOf(c, ads, campaigns);
    if (touches.length) stats.contactsWithClickId++;
    stats.touches += touches.length;
    stats.resolvedToAd += touches.filter((t) => t.adId).length;
    stats.resolvedToCampaign += touches.filter((t) => t.campaignId).length;
    journeys.set(person, [...(journeys.get(person) ?? []), ...touches]);
  }
  const inPeriod = (iso: string | null): iso is string =>
    iso !== null && iso.slice(0, 10) >= input.from && iso.slice(0, 10) <= input.to;
  const touchesBefore = (person: string | undefined, at: string): Touchpoint[] =>
    (person ? (journeys.get(person) ?? []) : [])
      .filter((t) => t.at <= at)
      .map((t) => ({ key: keyAt(t, input.level), at: t.at }));

  const conversions: Array<Conversion & { currency: string | null }> = [];
  if (input.conversion === 'won_opportunity') {
    for (const o of input.opportunities) {
      if (o.status !== 'won' || !inPeriod(o.wonAt)) continue;
      const person = o.contactExternalId
        ? personOf.get(`${o.connectionId}|${o.contactExternalId}`)
        : undefined;
      conversions.push({
        id: o.id,
        at: o.wonAt,
        value: o.valueMicros,
        currency: o.currency,
        touchpoints: touchesBefore(person, o.wonAt),
      });
    }
  } else {
    for (const c of input.contacts) {
      if (!inPeriod(c.platformCreatedAt)) continue;
      conversions.push({
        id: c.id,
        at: c.platformCreatedAt,
        value: 0,
        currency: null,
        touchpoints: touchesBefore(personKey(c), c.platformCreatedAt),
      });
    }
  }
  return { conversions, stats };
}
